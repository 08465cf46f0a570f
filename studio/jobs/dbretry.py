"""Riding out a database restart in the middle of a job.

What a provider call returned is known only to the thread that made it. If
writing it down fails because the database is briefly away (a restart, a
failover, "too many clients"), the write is tried again rather than the job
failed: a failed job is retried, and the provider would be paid twice.
"""
from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db import connection as db_connection

log = logging.getLogger(__name__)


def db_release() -> None:
    """Close this thread's database connection before a long wait, so a waiting
    call holds none. Inside a transaction (tests run jobs inline in theirs) it stays."""
    if not db_connection.in_atomic_block:
        db_connection.close()


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
