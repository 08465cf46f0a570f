"""Getting a queued job's task to the broker, and again when it never got there.

The job row is the source of truth, the broker only a doorbell. A job whose
task could not be sent (broker down) keeps ``enqueued_at`` empty and the page
that made it still answers normally; the sweep, run every few seconds by each
worker's monitor thread, sends it again once the broker is back. The same
sweep wakes jobs parked for a slot that has come free, and re-sends a job
queued so long its task must have been lost (the Redis broker drops a task a
dying worker had fetched: it has no delivery receipts).
"""
from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from ..models import AttemptOutcome, Job, JobStatus

log = logging.getLogger(__name__)

TASK = "studio.jobs.tasks.dispatch_job"
# A just-made job's on_commit send is normally done within milliseconds; the
# sweep leaves it this long before deciding the send failed.
RESEND_GRACE_SECONDS = 2.0
# How long a connection seen full is taken to be full by the next jobs sent (see _park_if_full).
FULL_MEMO_SECONDS = 0.5
_seen_full: dict[int, float] = {}


def job_enqueue(job_id: int, *, stamped: bool = False) -> bool:
    """Send the job's task; False (logged) when the broker cannot take it now.

    ``stamped``: the caller has already marked the job sent (a wake-up or the sweep).
    """
    from django_q.tasks import async_task

    try:
        async_task(TASK, job_id, task_name=f"job-{job_id}", group="jobs",
                   sync=settings.STUDIO_TASKS_INLINE)
    except Exception:
        log.warning("Could not send job %s to the task broker; the sweep will send it again",
                    job_id, exc_info=True)
        if stamped:  # a sweeper's claim to send it: hand it back
            Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(enqueued_at=None)
        return False
    if not stamped and not settings.STUDIO_TASKS_INLINE:
        Job.objects.filter(pk=job_id, status=JobStatus.QUEUED, enqueued_at__isnull=True).update(
            enqueued_at=timezone.now())
    return True


def connection_full(conn) -> bool:
    """Whether a new job for ``conn`` would find no call slot: its calls in
    flight and its queued jobs not waiting for a slot (sent, or about to be,
    this transaction's included) already fill its cap.

    A new job that would find none is made parked (``studio.services``), not
    sent: in a burst (a batch, a compare, a script's loop) all but the first
    few jobs would otherwise make a broker round trip only to find every slot
    busy and park then. A parked job is started by whoever frees a slot
    (``slots.slots_freed``), or by the sweep.
    """
    from .slots import slots_busy

    if settings.STUDIO_TASKS_INLINE or conn is None or not conn.enabled:
        return False
    # The jobs of one submit are made one after another: once their connection
    # is seen full, the rest of them are parked without counting again.
    full_at = _seen_full.get(conn.pk)
    if full_at is not None and time.monotonic() - full_at <= FULL_MEMO_SECONDS:
        return True
    coming = Job.objects.filter(connection_id=conn.pk, status=JobStatus.QUEUED, slot_wait_since__isnull=True).count()
    if slots_busy(conn.pk) + coming < max(1, conn.max_concurrency):
        _seen_full.pop(conn.pk, None)
        return False
    _seen_full[conn.pk] = time.monotonic()
    return True


def job_enqueue_on_commit(job_id: int) -> None:
    transaction.on_commit(lambda: job_enqueue(job_id))


def jobs_sweep() -> int:
    """Send every queued job whose task is not (or no longer) in the broker; how many."""
    now = timezone.now()
    lost_after = timedelta(seconds=settings.STUDIO_REQUEUE_AFTER_SECONDS)
    never_sent = Q(enqueued_at__isnull=True, slot_wait_since__isnull=True,
                   created_at__lt=now - timedelta(seconds=RESEND_GRACE_SECONDS))
    lost = Q(enqueued_at__lt=now - lost_after)
    candidates = list(Job.objects.filter(never_sent | lost, status=JobStatus.QUEUED)
                      .values_list("pk", flat=True)[:500])
    candidates += _parked_with_room()
    sent = 0
    for job_id in candidates:
        stamp = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).filter(
            Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - lost_after))
        if stamp.update(enqueued_at=timezone.now()) and job_enqueue(job_id, stamped=True):
            sent += 1
    return sent


def _parked_with_room() -> list[int]:
    """Parked jobs whose connection has a free slot or whose wait is over (to fail them)."""
    from providers.models import ProviderConnection

    parked = Job.objects.filter(status=JobStatus.QUEUED, slot_wait_since__isnull=False,
                                enqueued_at__isnull=True)
    conn_ids = set(parked.values_list("connection_id", flat=True)[:1000])
    if not conn_ids:
        return []
    free_slots = {pk: max(1, cap) - busy for pk, cap, busy in ProviderConnection.objects.filter(
        pk__in=conn_ids).annotate(busy=Count("attempts", filter=Q(attempts__outcome=AttemptOutcome.RUNNING))
    ).values_list("pk", "max_concurrency", "busy")}
    overdue = timezone.now() - timedelta(seconds=settings.STUDIO_SLOT_WAIT_SECONDS)
    ids = []
    for conn_id in conn_ids:
        # A deleted connection has no cap: send its jobs, which then fail saying so.
        free = free_slots.get(conn_id, 1)
        waiting = parked.filter(connection_id=conn_id)
        if free > 0:
            ids += list(waiting.order_by("slot_wait_since", "pk").values_list("pk", flat=True)[:free])
        ids += list(waiting.filter(slot_wait_since__lt=overdue).values_list("pk", flat=True)[:100])
    return list(dict.fromkeys(ids))
