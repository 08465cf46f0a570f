"""Database connections follow the seats, not the job threads or the calls in flight."""
import threading

import pytest
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

from studio.jobs import dbretry
from studio.jobs import pool as pool_module
from studio.jobs.pool import job_dispatch
from studio.models import Job, JobStatus

from .test_job_lifecycle import create_queued, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_eight_jobs_in_eight_threads_use_at_most_the_seats(member, local_connection, media_root, settings,
                                                             monkeypatch):
    settings.STUDIO_TASKS_INLINE = False
    settings.STUDIO_JOB_THREADS = 8
    settings.STUDIO_DB_CONNECTIONS = 2
    monkeypatch.setattr(dbretry, "_seats", None)
    monkeypatch.setattr("django_q.tasks.async_task", lambda *a, **kw: None)
    local_connection.options = {"delay_seconds": 0.5}
    local_connection.max_concurrency = 8
    local_connection.save()
    jobs = [create_queued(member, local_connection, "placeholder", settings, width=64, height=64)
            for _ in range(8)]
    settings.STUDIO_TASKS_INLINE = False

    lock = threading.Lock()
    open_now, peak = set(), [0]

    def opened(sender, connection, **kwargs):
        if threading.current_thread().name.startswith("job_"):
            with lock:
                open_now.add(id(connection))
                peak[0] = max(peak[0], len(open_now))

    real_close = BaseDatabaseWrapper.close

    def close(self):
        with lock:
            open_now.discard(id(self))
        return real_close(self)

    connection_created.connect(opened)
    monkeypatch.setattr(BaseDatabaseWrapper, "close", close)
    pool_module.pool_close()
    try:
        pool = pool_module.pool_get()
        for job in jobs:
            job_dispatch(job.pk)
        wait_for(lambda: Job.objects.filter(status=JobStatus.SUCCEEDED).count() == 8, timeout=15)
        assert pool.seats.acquire(blocking=False)
        pool.seats.release()
    finally:
        connection_created.disconnect(opened)
        pool_module.pool_close()
    if connection.vendor == "sqlite":
        # A file, not a server: each job thread keeps its own connection (opening
        # one cost more than a job's queries), and no more than one each.
        assert 1 <= peak[0] <= 8
    else:
        assert 1 <= peak[0] <= 2
