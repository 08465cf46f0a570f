"""django-q2 entry points: load by id, call a service. Nothing else."""
from . import dispatch, services


def dispatch_job(job_id: int) -> None:
    dispatch.job_dispatch(job_id)


def recover_jobs() -> int:
    return services.jobs_recover()
