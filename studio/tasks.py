"""django-q2 entry points: load by id, call a service. Nothing else."""
from . import services


def run_job(job_id: int) -> None:
    services.job_run(job_id)
