"""The job pool's heartbeat writes this process's row (studio.jobs.pool → studio.health).

If the pool is rewritten, keep one call to ``worker_beat_from_pool`` in its
heartbeat: this test runs one beat.
"""
import os
import socket
import time
import uuid

import pytest

from studio.jobs import pool as pool_module
from studio.jobs.runs import Run, run_forget, run_register
from studio.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db(transaction=True)


def one_beat(running: set[int]) -> None:
    pool = pool_module.Pool.__new__(pool_module.Pool)  # no executor and no monitor thread
    pool.pid = os.getpid()
    runs = [Run(job_id=job_id, token=uuid.uuid4(), deadline=time.monotonic() + 60) for job_id in running]
    for run in runs:
        run_register(run)
    try:
        pool._beat()
    finally:
        for run in runs:
            run_forget(run)


def test_the_pool_heartbeat_records_host_pid_and_running_jobs():
    one_beat({42, 41})
    beat = WorkerHeartbeat.objects.get()
    assert (beat.host, beat.pid, sorted(beat.running)) == (socket.gethostname(), os.getpid(), [41, 42])


def test_an_idle_pool_still_says_it_is_alive():
    one_beat(set())
    assert WorkerHeartbeat.objects.get().running == []
