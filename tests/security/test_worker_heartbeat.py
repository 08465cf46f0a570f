"""The job pool's heartbeat thread writes this process's row (studio.dispatch → studio.health).

If the pool is rewritten, keep one call to ``worker_beat_from_pool`` in its
heartbeat loop: this test runs one turn of that loop.
"""
import os
import socket
import threading
from types import SimpleNamespace

import pytest

from studio import dispatch
from studio.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db(transaction=True)


class OneTurn(Exception):
    pass


def one_beat(monkeypatch, running: set[int]) -> None:
    turns = iter([None])

    def sleep(seconds):
        if next(turns, OneTurn) is OneTurn:
            raise OneTurn

    monkeypatch.setattr(dispatch, "time", SimpleNamespace(sleep=sleep))
    pool = dispatch._Pool.__new__(dispatch._Pool)  # no executor and no background thread
    pool.pid, pool.running, pool.lock = os.getpid(), running, threading.Lock()
    with pytest.raises(OneTurn):
        pool._beat()


def test_the_pool_heartbeat_records_host_pid_and_running_jobs(monkeypatch):
    one_beat(monkeypatch, {42, 41})
    beat = WorkerHeartbeat.objects.get()
    assert (beat.host, beat.pid, beat.running) == (socket.gethostname(), os.getpid(), [41, 42])


def test_an_idle_pool_still_says_it_is_alive(monkeypatch):
    one_beat(monkeypatch, set())
    assert WorkerHeartbeat.objects.get().running == []
