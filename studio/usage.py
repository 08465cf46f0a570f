"""Reads over jobs for one calendar month: totals, breakdowns, what a person has spent.

A month is a calendar month in settings.TIME_ZONE, and a job belongs to the
month it was created in (a job queued at 23:59 on the 31st counts there).
Cost is recorded only when a job succeeds; a job whose price is unknown has no
cost, so figures show "—" rather than pretend it was free.
"""
from __future__ import annotations

import re
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, IntegerField, Q, QuerySet, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from .models import Job, JobStatus

IN_FLIGHT = (JobStatus.QUEUED, JobStatus.RUNNING)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


# --- months ---

def month_start(when: datetime | None = None) -> datetime:
    """Midnight on the 1st of the month holding ``when`` (default now), aware, in TIME_ZONE."""
    local = timezone.localtime(when or timezone.now(), timezone.get_default_timezone())
    return datetime(local.year, local.month, 1, tzinfo=local.tzinfo)


def month_shift(start: datetime, months: int) -> datetime:
    """The start of the month ``months`` away from the month starting at ``start``."""
    index = start.year * 12 + start.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=timezone.get_default_timezone())


def parse_month(text: str) -> datetime | None:
    """The start of the month written "2026-11", or None when it is not one."""
    match = _MONTH.match(text or "")
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (1970 <= year <= 9998 and 1 <= month <= 12):
        return None
    return datetime(year, month, 1, tzinfo=timezone.get_default_timezone())


def month_jobs(start: datetime, owner=None, source: str | None = None) -> QuerySet[Job]:
    """Jobs created in the month starting at ``start`` (one person's, or everyone's;
    from one source — web, api, mcp — or all)."""
    jobs = Job.objects.filter(created_at__gte=start, created_at__lt=month_shift(start, 1))
    if source:
        jobs = jobs.filter(source=source)
    return jobs.filter(owner=owner) if owner is not None else jobs


# --- figures ---

def _figures() -> dict:
    """The aggregates every table shares; cost_total stays None when no job had a known cost.

    (Named so as not to clash with Job's own ``cost`` field and ``images`` relation.)
    """
    succeeded = Q(status=JobStatus.SUCCEEDED)
    return {
        "jobs": Count("id"),
        "image_total": Coalesce(Sum("image_count", filter=succeeded), 0),
        "cost_total": Sum("cost"),
        "failed": Count("id", filter=Q(status=JobStatus.FAILED)),
        # Succeeded without a cost: the sum leaves them out.
        "unpriced": Count("id", filter=succeeded & Q(cost__isnull=True)),
    }


def month_totals(start: datetime, owner=None, source: str | None = None) -> dict:
    """{"jobs", "image_total", "cost_total", "failed", "unpriced"} for one person, or everyone."""
    return month_jobs(start, owner, source).aggregate(**_figures())


def usage_by_model(start: datetime, owner=None, source: str | None = None) -> list[dict]:
    """One row per model label, most images first, with ``estimate_total``: what the
    succeeded jobs were estimated to cost when queued (to set beside ``cost_total``)."""
    estimated = Sum("estimate", filter=Q(status=JobStatus.SUCCEEDED))
    rows = (month_jobs(start, owner, source).order_by().values("model_label")
            .annotate(**_figures(), estimate_total=estimated).order_by("-image_total", "-jobs", "model_label"))
    return list(rows)


def usage_by_person(start: datetime, source: str | None = None) -> list[dict]:
    """One row per person with jobs this month, most images first (``name`` is the username)."""
    rows = (month_jobs(start, source=source).order_by().values("owner_id", name=F("owner__username"))
            .annotate(**_figures()).order_by("-image_total", "-jobs", "name"))
    return list(rows)


def usage_by_source(start: datetime, owner=None, source: str | None = None) -> list[dict]:
    """One row per source and API token (web; API or MCP with the token's name), most images first."""
    rows = (month_jobs(start, owner, source).order_by().values("source", "api_token_name")
            .annotate(**_figures()).order_by("-image_total", "-jobs", "source", "api_token_name"))
    return list(rows)


# --- budgets ---

def month_spent(user) -> tuple[Decimal, int]:
    """What counts against ``user``'s budget this month: (cost, images).

    Succeeded jobs count with their recorded cost and images. Queued and running
    jobs count with what they reserved when queued: their estimate and
    params["n"] images (see budgets.budget_reserve). Failed and cancelled jobs
    count nothing.
    """
    # One statement, so one snapshot: on PostgreSQL two queries could each miss
    # a job that went from running to succeeded between them, and a reservation
    # made then would go over the budget (seen with 20 parallel API calls).
    done, pending = Q(status=JobStatus.SUCCEEDED), Q(status__in=IN_FLIGHT)
    n = Coalesce(Cast(KeyTextTransform("n", "params"), IntegerField()), 1)
    totals = month_jobs(month_start(), user).aggregate(
        done_cost=Coalesce(Sum("cost", filter=done), Decimal(0)),
        done_images=Coalesce(Sum("image_count", filter=done), 0),
        pending_cost=Coalesce(Sum("estimate", filter=pending), Decimal(0)),
        pending_images=Coalesce(Sum(n, filter=pending), 0))
    return (Decimal(totals["done_cost"]) + Decimal(totals["pending_cost"]),
            int(totals["done_images"]) + int(totals["pending_images"]))


# --- formatting ---

def format_usd(amount: Decimal | None) -> str:
    """$1.23; more decimals below a cent ($0.004); "—" when unknown."""
    if amount is None:
        return "—"
    amount = Decimal(amount)
    if 0 < abs(amount) < Decimal("0.01"):
        return "$" + format(amount.quantize(Decimal("0.000001")), "f").rstrip("0")
    return "$" + format(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), ",f")
