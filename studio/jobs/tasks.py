"""django-q2 entry points: load by id, call a service. Nothing else."""
from .pool import job_dispatch
from .recovery import jobs_recover


def dispatch_job(job_id: int) -> None:
    job_dispatch(job_id)


def recover_jobs() -> int:
    return jobs_recover()
