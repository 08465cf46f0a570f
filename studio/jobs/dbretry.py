"""Job threads and the database: few connections, and riding out a restart.

A worker process has many job threads but only STUDIO_DB_CONNECTIONS
database *seats*: a job thread takes one for each burst of queries
(``db_seat``) and closes its connection when it gives the seat back, so the
connections a process opens are bounded by the seats, not by its threads or
the calls in flight (docs/jobs.md has the arithmetic). SQLite is a file,
not a server with a connection limit, and opening a connection (with its
WAL pragma) cost more than a job's own queries did; there a thread keeps its
connection and only the seats bound concurrent use.

What a provider call returned is known only to the thread that made it. If
writing it down fails because the database is briefly away (a restart, a
failover, "too many clients"), the write is tried again rather than the job
failed: a failed job is retried, and the provider would be paid twice.
"""
from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db import connection as db_connection

log = logging.getLogger(__name__)

_local = threading.local()
_seats: threading.BoundedSemaphore | None = None
_seats_lock = threading.Lock()


def db_seats_for_this_thread() -> None:
    """Mark the current thread as a job thread: its database use takes seats."""
    _local.pooled = True


def _semaphore() -> threading.BoundedSemaphore:
    global _seats
    with _seats_lock:
        if _seats is None:
            _seats = threading.BoundedSemaphore(max(1, settings.STUDIO_DB_CONNECTIONS))
        return _seats


def _close() -> None:
    if db_connection.vendor != "sqlite":
        db_connection.close()


@contextmanager
def db_seat():
    """Hold one of this process's database seats for a burst of queries (nested
    use holds one), then close the connection. Only job threads take seats."""
    if not getattr(_local, "pooled", False) or getattr(_local, "depth", 0):
        _local.depth = getattr(_local, "depth", 0) + 1
        try:
            yield
        finally:
            _local.depth -= 1
        return
    seats = _semaphore()
    seats.acquire()
    _local.depth = 1
    try:
        yield
    finally:
        _local.depth = 0
        try:
            _close()
        finally:
            seats.release()


def db_release() -> None:
    """Close this thread's database connection before a long wait, so a waiting
    call holds none. Inside a transaction (tests run jobs inline in theirs) it stays."""
    if not db_connection.in_atomic_block:
        _close()


def db_retry(write, *, patient: bool = False):
    """``write()``, again after database errors: a few times, or for up to
    STUDIO_DB_RETRY_SECONDS when ``patient`` (a paid result is at stake)."""
    budget = settings.STUDIO_DB_RETRY_SECONDS if patient else 2.0
    give_up = time.monotonic() + budget
    delay = 0.1
    while True:
        try:
            return write()
        except (OperationalError, InterfaceError):
            if time.monotonic() + delay > give_up:
                raise
            log.warning("Database unavailable while recording a job; trying again in %.1f s", delay,
                        exc_info=True)
            db_release()  # a broken connection is not reused
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
