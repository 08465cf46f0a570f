"""Claiming a queued job, and the fence that keeps a stale runner's hands off it.

Every claim writes a new run token. Whoever holds the current token is the
job's only writer: each write the runner makes is filtered on that token and
on status "running", so a runner judged dead (and its job requeued and
claimed again) that wakes up later writes nothing and deletes nothing.
"""
from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import Job, JobStatus


def job_claim(job_id: int, *, calling: bool = False) -> uuid.UUID | None:
    """queued → running with a new run token; None if it was not queued (a duplicate delivery).

    ``calling``: the claimer holds a call slot and the provider call follows,
    so the call is counted here (one write where two were).
    """
    now = timezone.now()
    token = uuid.uuid4()
    extra = {"phase": "Waiting for the provider", "attempts": F("attempts") + 1} if calling else {
        "phase": "Starting"}
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, run_token=token, started_at=Coalesce(F("started_at"), now),
        heartbeat_at=now, deadline_at=now + timedelta(seconds=settings.STUDIO_JOB_TIMEOUT),
        enqueued_at=None, **extra)
    return token if claimed else None


def fenced(job_id: int, token: uuid.UUID) -> QuerySet:
    """The job, if this token still holds it."""
    return Job.objects.filter(pk=job_id, run_token=token, status=JobStatus.RUNNING)


def job_park(job_id: int, *, phase: str) -> bool:
    """A queued job found no free slot: it waits in the queue without holding a
    thread (see ``slots``) until a freed slot, or the sweep, sends it again."""
    return bool(Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        enqueued_at=None, phase=phase[:200], slot_wait_since=Coalesce(F("slot_wait_since"), timezone.now())))


def job_requeue(job_id: int, token: uuid.UUID | None, *, phase: str) -> bool:
    """Back to queued for another worker (this one is stopping); the sweep sends it."""
    rows = fenced(job_id, token) if token else Job.objects.filter(pk=job_id, status=JobStatus.RUNNING)
    return bool(rows.update(status=JobStatus.QUEUED, run_token=None, enqueued_at=None, deadline_at=None,
                            phase=phase[:200], progress=None))
