"""django-q2 entry points: load by id, call a service. Nothing else."""
from . import runner


def dispatch_job(job_id: int) -> None:
    runner.job_dispatch(job_id)


def recover_jobs() -> int:
    return runner.jobs_recover()
