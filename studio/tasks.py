"""Old task paths: tasks already in a broker (or a schedule row) name these."""
from .jobs.tasks import dispatch_job, recover_jobs  # noqa: F401
