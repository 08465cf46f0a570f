"""What happens to a job whose worker died mid-call, and the schedule that finds it.

Step by step (docs/jobs.md tells the same story for staff):
1. While a job runs, its worker's monitor thread writes ``heartbeat_at``
   every STUDIO_HEARTBEAT_SECONDS.
2. The worker dies (SIGKILL, OOM, host lost). Its heartbeats stop; its call
   attempt rows stay "running" and so still count against the connection's cap.
3. Every minute ``jobs_recover`` (a django-q2 schedule made at start-up by
   ``schedule_ensure``) finds running jobs silent for STUDIO_STALE_SECONDS.
   Their running attempts become "lost" (the slots are free again), and the
   job goes back to "queued" with no run token, or fails when it has used the
   connection's attempts. The sweep then sends it again within seconds.
4. If the old worker was not dead but only stalled, its run token no longer
   matches: it writes nothing, deletes nothing, and stops at its next check.
5. A call that succeeded left its results in a stash (``stash``): the job
   is requeued even when it has used its attempts, and its next run resumes
   from the stash instead of paying the provider again. Stashes of finished
   jobs (a runner killed after finishing, before cleaning) are deleted here.
6. A running job past its deadline (STUDIO_JOB_TIMEOUT, plus a margin for
   its own runner to say so) is failed here even if its worker still beats:
   a call stuck beyond reach does not keep the job running.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import FINISHED, AttemptOutcome, Job, JobAttempt, JobStatus
from .enqueue import jobs_sweep
from .slots import slots_freed
from .stash import stash_exists, stash_record, stashes_clean

log = logging.getLogger(__name__)

SCHEDULE_NAME = "Recover stalled jobs"
SCHEDULE_FUNC = "studio.jobs.tasks.recover_jobs"
# Time a runner gets after its deadline to end the job itself before recovery does.
DEADLINE_MARGIN_SECONDS = 30


def jobs_recover(*, stale_after: float | None = None) -> int:
    """Requeue (or fail) running jobs whose worker stopped beating or ran out of time; how many."""
    stale_after = settings.STUDIO_STALE_SECONDS if stale_after is None else stale_after
    now = timezone.now()
    count = 0
    freed: set[int] = set()
    for job in Job.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=now - timedelta(seconds=stale_after)):
        count += _recover(job, freed)
    overdue = now - timedelta(seconds=DEADLINE_MARGIN_SECONDS)
    for job in Job.objects.filter(status=JobStatus.RUNNING, deadline_at__lt=overdue):
        count += _fail_overdue(job, freed)
    for conn_id in freed:
        slots_freed(conn_id)
    stashes_sweep()
    jobs_sweep()
    return count


def stashes_sweep() -> int:
    """Delete the stashes finished jobs still have; how many jobs were cleaned."""
    finished = (JobAttempt.objects.exclude(stash="").filter(job__status__in=FINISHED)
                .values_list("job_id", flat=True).distinct())
    return sum(stashes_clean(job_id) for job_id in list(finished[:200]))


def _kept(job: Job) -> list[JobAttempt]:
    """The job's attempts that stashed a paid result but whose worker died
    before recording it (still running, or already marked lost)."""
    attempts = JobAttempt.objects.filter(job=job, outcome__in=(AttemptOutcome.RUNNING, AttemptOutcome.LOST))
    try:
        return [a for a in attempts if stash_exists(a)]
    except Exception:  # the storage is away: a re-run looks again
        log.exception("Could not look for the stashed results of job %s", job.pk)
        return []


def _recover(job: Job, freed: set[int]) -> int:
    kept = _kept(job)  # before the transaction: it asks the storage (S3)
    with transaction.atomic():
        for attempt in kept:  # paid after all: recorded as the succeeded call it was
            stash_record(attempt)
            if attempt.connection_id:
                freed.add(attempt.connection_id)
        _close_attempts(job, AttemptOutcome.LOST, "The worker running this call stopped", freed)
        paid = JobAttempt.objects.filter(job=job, outcome=AttemptOutcome.SUCCEEDED).exclude(stash="").exists()
        fence = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, run_token=job.run_token)
        if paid or job.attempts < max(1, job.connection.max_attempts if job.connection else 1):
            return fence.update(status=JobStatus.QUEUED, run_token=None, enqueued_at=None, deadline_at=None,
                                phase="Requeued: the worker running it stopped", progress=None)
        failed = fence.update(status=JobStatus.FAILED, finished_at=timezone.now(), phase="",
                              error_message="The worker running this job stopped unexpectedly; please try again.")
    if failed:  # pieces of a stash its runner was killed writing
        stashes_clean(job.pk)
    return failed


def _fail_overdue(job: Job, freed: set[int]) -> int:
    with transaction.atomic():
        _close_attempts(job, AttemptOutcome.FAILED, "Stopped at the job's time limit", freed)
        failed = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, run_token=job.run_token).update(
            status=JobStatus.FAILED, finished_at=timezone.now(), phase="",
            error_message=f"This job took longer than the studio's time limit ({settings.STUDIO_JOB_TIMEOUT} s) "
                          "and was stopped.")
    if failed:  # what its calls left in a stash will never be stored
        stashes_clean(job.pk)
    return failed


def _close_attempts(job: Job, outcome: str, error: str, freed: set[int]) -> None:
    running = JobAttempt.objects.filter(job=job, outcome=AttemptOutcome.RUNNING)
    freed.update(c for c in running.values_list("connection_id", flat=True) if c)
    running.update(outcome=outcome, finished_at=timezone.now(), error=error)


def schedule_ensure(**kwargs) -> None:
    """Create or correct the recovery schedule; idempotent (run after migrate and at worker start)."""
    from django_q.models import Schedule

    wanted = {"func": SCHEDULE_FUNC, "schedule_type": Schedule.MINUTES, "minutes": 1, "repeats": -1}
    schedule, created = Schedule.objects.get_or_create(name=SCHEDULE_NAME, defaults=wanted)
    if not created and any(getattr(schedule, k) != v for k, v in wanted.items()):
        Schedule.objects.filter(pk=schedule.pk).update(**wanted)
