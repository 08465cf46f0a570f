"""Where a job runs: a thread pool in each worker process, with a heartbeat.

A django-q2 task only claims its job and hands it to this process's pool,
then returns: provider calls wait on the network, so one worker process can
wait on dozens of them at once. Because the work outlives its task, our own
rows carry the truth: a heartbeat while it runs, and a periodic check
(``services.jobs_recover``) that requeues or fails a job whose worker died.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from .health import worker_beat_from_pool
from .models import Job, JobStatus
from .runner import job_run

log = logging.getLogger(__name__)


class _Pool:
    """Threads of one worker process, and the ids of the jobs they run."""

    def __init__(self):
        self.pid = os.getpid()
        self.executor = ThreadPoolExecutor(settings.STUDIO_JOB_THREADS, thread_name_prefix="job")
        self.running: set[int] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._beat, name="job-heartbeat", daemon=True).start()

    def _beat(self):
        while True:
            time.sleep(settings.STUDIO_HEARTBEAT_SECONDS)
            with self.lock:
                ids = list(self.running)
            worker_beat_from_pool(pid=self.pid, running=ids)  # staff see each worker (studio.health)
            if ids:
                try:
                    Job.objects.filter(pk__in=ids, status=JobStatus.RUNNING).update(heartbeat_at=timezone.now())
                except Exception:  # a locked or restarting database must not kill the heartbeat
                    log.warning("Heartbeat write failed", exc_info=True)
                finally:
                    connection.close()

    def submit(self, job_id: int):
        with self.lock:
            self.running.add(job_id)
        return self.executor.submit(self._run, job_id)

    def _run(self, job_id: int):
        try:
            job_run(job_id)
        finally:
            with self.lock:
                self.running.discard(job_id)
            connection.close()  # each thread has its own connection


_pool: _Pool | None = None
_pool_lock = threading.Lock()


def _get_pool() -> _Pool:
    global _pool
    with _pool_lock:
        # A pool made before django-q2 forked its workers is not ours.
        if _pool is None or _pool.pid != os.getpid():
            _pool = _Pool()
        return _pool


def job_dispatch(job_id: int) -> None:
    """The task's entry point: claim the job, then run it in a thread."""
    if not _claim(job_id):
        return
    if settings.STUDIO_TASKS_INLINE:
        job_run(job_id)
    else:
        _get_pool().submit(job_id)


def _claim(job_id: int) -> bool:
    """queued → running, once: a duplicate delivery of the task claims nothing."""
    now = timezone.now()
    return bool(Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=Coalesce(F("started_at"), now), heartbeat_at=now,
        phase="Starting"))
