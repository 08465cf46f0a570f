"""Per-token rate limits: requests per minute and jobs in flight.

Both are counted in the database (a row per token and minute; the token's
queued and running jobs), so every web process and host enforces the same
limit. The answers carry the headers OpenAI's clients read
(``x-ratelimit-*``, ``Retry-After``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from studio.models import Job, JobStatus

from .models import ApiToken, RateWindow


@dataclass(frozen=True)
class RateState:
    limit: int
    remaining: int
    reset_seconds: float  # until the current minute ends
    refused: bool = False

    def headers(self) -> dict[str, str]:
        return {"x-ratelimit-limit-requests": str(self.limit),
                "x-ratelimit-remaining-requests": str(max(self.remaining, 0)),
                "x-ratelimit-reset-requests": f"{self.reset_seconds:.0f}s"}


def rate_limit_for(token: ApiToken) -> int:
    return token.rate_per_minute or settings.STUDIO_API_RATE_PER_MINUTE


def in_flight_limit_for(token: ApiToken) -> int:
    return token.max_in_flight or settings.STUDIO_API_MAX_IN_FLIGHT


def rate_take(*, token: ApiToken) -> RateState:
    """Count one request against this minute; ``refused`` when it is one too many."""
    now = timezone.now()
    minute = now.replace(second=0, microsecond=0)
    limit = rate_limit_for(token)
    updated = RateWindow.objects.filter(token=token, minute=minute).update(count=F("count") + 1)
    if not updated:
        try:
            with transaction.atomic():
                RateWindow.objects.create(token=token, minute=minute, count=1)
        except IntegrityError:  # another request made this minute's row first
            RateWindow.objects.filter(token=token, minute=minute).update(count=F("count") + 1)
        RateWindow.objects.filter(token=token, minute__lt=minute).delete()
    count = RateWindow.objects.get(token=token, minute=minute).count
    reset = 60 - (now - minute).total_seconds()
    return RateState(limit=limit, remaining=limit - count, reset_seconds=max(math.ceil(reset), 1),
                     refused=count > limit)


def jobs_in_flight(*, token: ApiToken) -> int:
    return Job.objects.filter(api_token=token, status__in=(JobStatus.QUEUED, JobStatus.RUNNING)).count()
