"""A connection's call slots: at most ``max_concurrency`` provider calls in flight.

A slot is a JobAttempt row with outcome "running", so the cap holds across
every worker process and host. Taking one locks the connection row for a
moment; it is only tried when a read shows room, so a waiting job does not
take the database's write lock over and over.

Waiting comes in two kinds:
- a job that has no slot when it is claimed is *parked*: it goes back to
  "queued" with ``slot_wait_since`` set and holds no thread at all. Whoever
  frees a slot wakes the oldest parked jobs (re-sends their task), and the
  sweep (``enqueue.jobs_sweep``) catches any wake-up lost in a race;
- a running job that needs another slot (a retry, or the 2nd…nth call of a
  batch on a one-image model) waits in its thread on an in-process
  Condition, woken when a call of this process frees a slot and re-checking
  with one read a second for slots freed elsewhere, until its deadline.
"""
from __future__ import annotations

import threading
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from providers.base import CancelledError
from providers.models import ProviderConnection

from .dbretry import db_release, db_seat
from ..models import AttemptOutcome, Job, JobAttempt, JobStatus

# How often a waiting call re-reads the slot count for slots freed by other processes.
SLOT_RECHECK_SECONDS = 1.0

_conditions: dict[int, threading.Condition] = defaultdict(threading.Condition)
_conditions_lock = threading.Lock()


def _condition(conn_id: int) -> threading.Condition:
    with _conditions_lock:
        return _conditions[conn_id]


def slots_busy(conn_id: int) -> int:
    return JobAttempt.objects.filter(connection_id=conn_id, outcome=AttemptOutcome.RUNNING).count()


FULL = "full"


def _with_free_slot(conn: ProviderConnection, take):
    """``take()`` under the connection's lock if a slot is free, else ``FULL``.

    Free is seen by a plain read first, so a full connection costs no write
    lock; the count is made again under the lock, which decides."""
    cap = max(1, conn.max_concurrency)
    if slots_busy(conn.pk) >= cap:
        return FULL
    with transaction.atomic():
        list(ProviderConnection.objects.select_for_update().filter(pk=conn.pk).values("pk"))
        if slots_busy(conn.pk) >= cap:
            return FULL
        return take()


def slot_take(*, job: Job, conn: ProviderConnection, number: int) -> JobAttempt | None:
    """A slot as a new running attempt, or None when all are busy."""
    taken = _with_free_slot(conn, lambda: JobAttempt.objects.create(job=job, number=number, connection=conn))
    return None if taken is FULL else taken


def slot_take_claiming(*, job: Job, conn: ProviderConnection):
    """For a queued job about to make its first call: a slot and the claim in
    one transaction, one write under the lock where two were made before.

    Returns (run token, attempt); ``FULL`` when every slot is busy; None when
    the job is no longer queued (no slot taken). The claim counts the call and
    says so on the card, since the call follows.
    """
    from .claim import job_claim

    def take():
        token = job_claim(job.pk, calling=True)
        if token is None:
            return None
        return token, JobAttempt.objects.create(job=job, number=job.attempts + 1, connection=conn)

    return _with_free_slot(conn, take)


def slot_wait(*, job: Job, conn: ProviderConnection, number: int, run) -> JobAttempt:
    """A slot for a running job, waiting as long as its deadline allows."""
    cond = _condition(conn.pk)
    while True:
        if run.should_stop():
            raise CancelledError()
        with db_seat():
            attempt = slot_take(job=job, conn=conn, number=number)
            if attempt is not None:
                return attempt
        db_release()  # a waiting call holds no database connection
        with cond:
            cond.wait(SLOT_RECHECK_SECONDS)


def slot_release(attempt: JobAttempt, outcome: str, **fields) -> None:
    """Give the slot back with the call's outcome, and wake whoever waits for it.

    A slot already released (a cancel frees it at once) keeps its outcome.
    """
    JobAttempt.objects.filter(pk=attempt.pk, outcome=AttemptOutcome.RUNNING).update(
        outcome=outcome, finished_at=timezone.now(), **fields)
    if attempt.connection_id:
        slots_freed(attempt.connection_id, cap=_cap_known(attempt))


def _cap_known(attempt: JobAttempt) -> int | None:
    """The connection's cap as the slot's taker read it, saving a read."""
    return attempt.connection.max_concurrency if JobAttempt.connection.is_cached(attempt) else None


def slots_freed(conn_id: int, *, cap: int | None = None) -> None:
    """Wake this process's waiting calls and as many parked jobs as there are free slots."""
    cond = _condition(conn_id)
    with cond:
        cond.notify_all()
    if settings.STUDIO_TASKS_INLINE:
        return  # tests run tasks inline: a wake-up would run the parked job inside this one
    if cap is None:
        cap = ProviderConnection.objects.filter(pk=conn_id).values_list("max_concurrency", flat=True).first()
        if cap is None:
            return
    cap = max(1, cap)
    parked = list(Job.objects.filter(connection_id=conn_id, status=JobStatus.QUEUED, enqueued_at__isnull=True,
                                     slot_wait_since__isnull=False)
                  .order_by("slot_wait_since", "pk").values_list("pk", flat=True)[:cap])
    if not parked:  # the usual case
        return
    free = cap - slots_busy(conn_id)
    if free <= 0:
        return
    from .enqueue import job_enqueue
    from .pool import job_start_here
    from .runs import runs_current

    # A freed slot goes to a thread of this process while it holds no more than
    # its share of the connection's slots, else through the broker to whichever
    # worker asks first: a process that kept every slot it freed would hold a
    # connection's calls for good while the other processes (and cores) idle.
    share = -(-cap // max(1, settings.Q_CLUSTER.get("workers") or 1))
    mine = sum(run.slots for run in runs_current() if run.connection_id == conn_id)
    for job_id in parked[:free]:
        # A worker with a free thread starts it at once (the claim settles a
        # race between two wakers, and the loser's slot is handed on); anyone
        # else (the web process after a cancel, a full worker) sends it through
        # the broker, stamped first so that of all wakers only one sends it.
        if mine <= share and job_start_here(job_id):
            mine += 1
        elif Job.objects.filter(pk=job_id, status=JobStatus.QUEUED, enqueued_at__isnull=True).update(
                enqueued_at=timezone.now()):
            job_enqueue(job_id, stamped=True)
