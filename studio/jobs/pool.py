"""Where a job runs: a small thread pool in each worker process, and its monitor.

A django-q2 task (``tasks.dispatch_job``) only claims its job and hands it to
this process's pool, then returns: provider calls wait on the network, so one
worker process waits on many at once. As in healthchecks' ``sendalerts``, a
seat (a BoundedSemaphore sized like the pool) is taken *before* claiming, so
a process never holds more claimed jobs than it has threads; a job whose
connection has no free slot is parked instead of holding a thread
(``slots``). Every future's exception is logged.

The monitor thread, one per process, does the database work of all running
jobs in one place: heartbeats, progress, noticing cancels and lost run
tokens (within ``STOP_CHECK_SECONDS``), and the sweep that re-sends queued
jobs (``enqueue.jobs_sweep``).

Stopping (SIGTERM, a restart) is in ``stopping``.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections
from django.db.models import prefetch_related_objects
from django.db import connection as db_connection
from django.utils import timezone

from ..models import AttemptOutcome, Job, JobAttempt, JobStatus
from .claim import job_claim, job_park, job_requeue
from .dbretry import db_release, db_seats_for_this_thread
from .enqueue import job_enqueue, jobs_sweep
from .run import job_run
from .runs import run_stop, runs_current
from .slots import FULL, slot_take_claiming
from .stash import stash_possible

log = logging.getLogger(__name__)

# How quickly a cancel made in another process, or a lost run token, stops a call.
STOP_CHECK_SECONDS = 0.5
# How often each worker re-sends queued jobs whose task never reached the broker.
SWEEP_SECONDS = 3.0
# Longest a task waits for a free thread before handing its job back to the
# queue, where a worker process with free threads takes it (django-q2 shares
# tasks among processes by chance, so one may get more than it has threads).
SEAT_WAIT_SECONDS = 0.5


def job_dispatch(job_id: int) -> None:
    """The task's entry point: take a seat, claim the job, run it in a thread."""
    if settings.STUDIO_TASKS_INLINE:
        _claim_and_start(job_id, submit=None)
        return
    pool = pool_get()
    if not _start_seated(pool, job_id, wait=SEAT_WAIT_SECONDS):
        # No thread for it here: leave it queued; another worker (or this one,
        # later) takes it when the task arrives again.
        job_enqueue(job_id)


def job_start_here(job_id: int) -> bool:
    """Start a woken job in this worker's pool if it has a free thread, skipping
    the broker round trip a freed slot would otherwise wait for; False if not."""
    pool = _pool
    if pool is None or pool.pid != os.getpid():
        return False
    return _start_seated(pool, job_id, wait=None)


def _start_seated(pool: "Pool", job_id: int, *, wait: float | None) -> bool:
    """Claim and start (or park) the job with one of the pool's seats (waiting
    up to ``wait`` seconds for one); False if no seat came free."""
    got = pool.seats.acquire(timeout=wait) if wait is not None else pool.seats.acquire(blocking=False)
    if pool.draining or not got:
        if got:
            pool.seats.release()
        return False
    main = threading.current_thread() is threading.main_thread()
    if main:  # SIGTERM's handler runs in this thread; it waits for the dispatch (stopping._on_sigterm)
        pool.dispatching = True
    try:
        started = _claim_and_start(job_id, submit=pool.submit)
    except BaseException:
        pool.seats.release()
        raise
    finally:
        if main:
            pool.dispatching = False
    if not started:
        pool.seats.release()
    if main and pool.stop_requested:
        from .stopping import drain_and_exit

        drain_and_exit()
    return True


def _claim_and_start(job_id: int, *, submit) -> bool:
    """Claim and start (or park) the job; True if a thread now runs it.

    The slot is taken before the claim, so a job that finds every slot busy
    is parked as it is, still queued, with a single write: in a burst most
    deliveries find the connection full, and claiming each only to hand it
    back cost three writes under the database's write lock.
    """
    job = Job.objects.select_related("connection", "owner__profile").filter(
        pk=job_id, status=JobStatus.QUEUED).first()
    if job is None:
        return False  # not queued: a duplicate delivery, or cancelled meanwhile
    conn = job.connection
    slot = None
    # A job resuming a stashed result needs no slot for it (a call it still
    # has to make waits for one in its thread).
    if conn is not None and conn.enabled and not stash_possible(job):
        taken = slot_take_claiming(job=job, conn=conn)
        if taken is FULL and submit is None:
            # Run inline (STUDIO_TASKS_INLINE): no worker here wakes a parked
            # job, so the caller claims it and its call waits for a slot.
            taken = job_claim(job_id), None
            if taken[0] is None:
                return False
        if taken is FULL:
            _park(job)
            return False
        if taken is None:
            return False  # claimed or cancelled since it was read
        token, slot = taken
    else:
        token = job_claim(job_id)
        if token is None:
            return False
    job.status, job.run_token = JobStatus.RUNNING, token
    prefetch_related_objects([job], "inputs")  # read once for the request, the file and the lineage
    if submit is None:
        job_run(job_id, token=token, first_slot=slot, inline=True, job=job)
        return False
    submit(job_id, token, slot, job)
    return True


def _park(job: Job) -> None:
    """No free slot: wait in the queue, not in a thread; fail after STUDIO_SLOT_WAIT_SECONDS."""
    conn = job.connection
    waited = (timezone.now() - job.slot_wait_since).total_seconds() if job.slot_wait_since else 0
    if waited > settings.STUDIO_SLOT_WAIT_SECONDS:
        Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
            status=JobStatus.FAILED, finished_at=timezone.now(), phase="", slot_wait_since=None,
            error_message=f"No call slot on {conn.name} came free in {waited / 60:.0f} minutes; "
                          "its calls may be stuck. Staff can check the connection.")
        return
    job_park(job.pk, phase=f"Waiting for a free slot on {conn.name} "
                          f"({max(1, conn.max_concurrency)} calls in flight)")


class Pool:
    """The job threads of one worker process, with their seats and monitor."""

    def __init__(self, threads: int):
        self.pid = os.getpid()
        self.seats = threading.BoundedSemaphore(threads)
        self.executor = ThreadPoolExecutor(threads, thread_name_prefix="job")
        self.futures: dict[Future, int] = {}
        self.lock = threading.Lock()
        self.draining = False
        self.dispatching = False  # the main thread is between a claim and its job's thread
        self.stop_requested = False  # SIGTERM came meanwhile
        self.closed = threading.Event()
        threading.Thread(target=self._monitor, name="job-monitor", daemon=True).start()

    def close(self) -> None:
        """Stop the monitor and wait for the threads (tests make and close pools)."""
        self.closed.set()
        self.executor.shutdown(wait=True)

    def submit(self, job_id: int, token, slot, job: Job | None = None) -> None:
        future = self.executor.submit(self._run, job_id, token, slot, job)
        with self.lock:
            self.futures[future] = job_id
        future.add_done_callback(self._done)

    def _run(self, job_id: int, token, slot, job: Job | None) -> None:
        db_seats_for_this_thread()
        close_old_connections()
        try:
            job_run(job_id, token=token, first_slot=slot, job=job)
        finally:
            db_release()  # each thread has its own connection (kept only on SQLite)

    def _done(self, future: Future) -> None:
        with self.lock:
            job_id = self.futures.pop(future, None)
        self.seats.release()
        if (exc := future.exception()) is not None:
            # job_run never raises; this is a thread that could not even load
            # its job (the database refused a connection). Recovery requeues it
            # when its heartbeat stops; say so here.
            log.error("Job thread for job %s died: %r", job_id, exc, exc_info=exc)

    # --- the monitor thread -------------------------------------------------

    def _monitor(self) -> None:
        last_beat = last_sweep = 0.0
        while not self.closed.wait(STOP_CHECK_SECONDS):
            try:
                close_old_connections()
                now = time.monotonic()
                self._check_stops()
                if now - last_beat >= settings.STUDIO_HEARTBEAT_SECONDS:
                    last_beat = now
                    self._beat()
                if now - last_sweep >= SWEEP_SECONDS and not self.draining:
                    last_sweep = now
                    jobs_sweep()
            except Exception:  # a locked or restarting database must not kill the monitor
                log.warning("Job monitor could not reach the database", exc_info=True)
                db_connection.close()

    def _check_stops(self) -> None:
        """One read for all running jobs: stop those cancelled or taken over; write new progress."""
        runs = {run.job_id: run for run in runs_current()}
        if not runs:
            return
        for job_id, status, token in Job.objects.filter(pk__in=runs).values_list("pk", "status", "run_token"):
            if status != JobStatus.RUNNING or token != runs[job_id].token:
                run_stop(job_id)
        for run in runs.values():
            if run.progress is not None and run.progress != run.progress_written:
                run.progress_written = run.progress
                Job.objects.filter(pk=run.job_id, run_token=run.token, status=JobStatus.RUNNING).update(
                    progress=run.progress)

    def _beat(self) -> None:
        from ..health import worker_beat_from_pool

        runs = runs_current()
        if runs:
            Job.objects.filter(pk__in=[r.job_id for r in runs], status=JobStatus.RUNNING).update(
                heartbeat_at=timezone.now())
        worker_beat_from_pool(pid=self.pid, running=[r.job_id for r in runs])  # staff see each worker

    # --- stopping -------------------------------------------------------------

    def drain(self, grace: float) -> None:
        """Stop claiming; give running jobs ``grace`` seconds; requeue the rest."""
        self.draining = True
        give_up = time.monotonic() + grace
        # Running runs count too: SIGTERM is handled in the main thread, which
        # may be inside submit() with the job's thread already running and its
        # future not yet recorded.
        while (self.futures or runs_current()) and time.monotonic() < give_up:
            time.sleep(0.1)
        left = runs_current()
        for run in left:
            try:
                JobAttempt.objects.filter(job_id=run.job_id, outcome=AttemptOutcome.RUNNING).update(
                    outcome=AttemptOutcome.LOST, finished_at=timezone.now(),
                    error="The worker was stopped during this call")
                if job_requeue(run.job_id, run.token, phase="Requeued: its worker was stopped"):
                    log.info("Requeued job %s: its worker is stopping", run.job_id)
            except Exception:
                log.exception("Could not requeue job %s; recovery will", run.job_id)
            run_stop(run.job_id)
        if left:
            time.sleep(1.0)  # let stopped calls release their slots


_pool: Pool | None = None
_pool_lock = threading.Lock()


def pool_close() -> None:
    global _pool
    with _pool_lock:
        if _pool is not None and _pool.pid == os.getpid():
            _pool.close()
        _pool = None


def pool_get() -> Pool:
    global _pool
    with _pool_lock:
        # A pool made before django-q2 forked its workers is not ours.
        if _pool is None or _pool.pid != os.getpid():
            _pool = Pool(settings.STUDIO_JOB_THREADS)
        return _pool
