"""Monthly budgets and quotas: staff set them per person (Budget); a request that
would go over is refused before it is queued. No Budget row, or a blank field,
means no limit.

Every way of queueing work (compose, compare, retry, and any API) calls
``budget_reserve`` inside the transaction that creates its jobs. It locks the
person's Budget row (``select_for_update``; on SQLite the IMMEDIATE transaction
serialises writers), so two requests can never both fit under one limit.

The reservation is the job row itself: a queued or running job holds its
``estimate`` (and its image count) of the budget. It is settled by the job's
end: a succeeded job counts its recorded cost instead, and a failed or
cancelled one counts nothing. Because it follows the job's state, a job lost
with its worker and failed by recovery releases its share too.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from providers.pricing import estimate
from providers.services import ModelChoice

from .models import Budget
from .usage import format_usd, month_spent

UNPRICED = "No price is known for this model yet; ask staff to set one"


class BudgetExceeded(Exception):
    """A request would take its person over a monthly limit; str() is a sentence for them."""


class Unpriced(BudgetExceeded):
    """Someone with a cost budget asked for a model with no known price."""

    def __init__(self, label: str = ""):
        super().__init__(f"{label}: {UNPRICED}." if label else f"{UNPRICED}.")


@dataclass(frozen=True)
class Estimate:
    """What one job should cost (None: no price is known) and how many images it makes."""

    cost: Decimal | None
    images: int
    label: str = ""


def job_estimate(*, choice: ModelChoice, values: dict, input_file=None) -> Estimate:
    """The estimate for a job of ``choice`` with these form values (or a job's params)."""
    spec = choice.spec
    n = _count(values.get("n"))
    upload = values.get("input_image") or input_file
    cost = estimate(spec, quality=values.get("quality"), width=values.get("width"),
                    height=values.get("height"), size=values.get("size"),
                    aspect_ratio=values.get("aspect_ratio"), n=n,
                    input_images=_sizes(upload) + list(values.get("input_sizes") or ()),
                    override=choice.connection.price_override(spec.id))
    return Estimate(cost=cost, images=n, label=spec.label)


def _count(raw) -> int:
    """The image count to estimate for. Raw form values reach here too (the
    field swap estimates before the form is valid): what is not a whole number
    counts as 1, and the form refuses it."""
    try:
        n = int(raw or 1)
    except (TypeError, ValueError):
        return 1
    return n if 1 <= n <= 1000 else 1


def _sizes(upload) -> list[tuple[int, int]]:
    """(width, height) of an uploaded image, read from its header only."""
    if not upload:
        return []
    from PIL import Image, UnidentifiedImageError

    try:
        upload.seek(0)
        with Image.open(upload) as image:
            size = image.size
        upload.seek(0)
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError):
        return []
    finally:
        if hasattr(upload, "storage"):  # a stored job's file (retry), opened just for this
            upload.close()
    return [size]


def budget_reserve(*, user, estimates: list[Estimate]) -> None:
    """Refuse (BudgetExceeded, Unpriced) unless all of these jobs fit under ``user``'s limits.

    Call it inside the transaction that creates the jobs, and store each
    estimate on its job: the lock taken here holds until that commit.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("budget_reserve must run inside the transaction that queues the jobs")
    budget = Budget.objects.select_for_update().filter(user=user).first()
    if budget is None or (budget.monthly_cost is None and budget.monthly_images is None):
        return
    if budget.monthly_cost is not None:
        if unpriced := next((e for e in estimates if e.cost is None), None):
            raise Unpriced(unpriced.label if len(estimates) > 1 else "")
    budget_check(user, budget=budget, cost=sum((e.cost or Decimal(0) for e in estimates), Decimal(0)),
                 images=sum(e.images for e in estimates))


def budget_check(user, *, cost: Decimal, images: int, budget: Budget | None = None) -> None:
    """Raise BudgetExceeded (with a message saying what is left) if this would go over.

    What is already spent includes queued and running jobs (see usage.month_spent).
    Takes no lock: queueing goes through budget_reserve.
    """
    budget = budget or Budget.objects.filter(user=user).first()
    if budget is None or (budget.monthly_cost is None and budget.monthly_images is None):
        return
    spent_cost, spent_images = month_spent(user)
    if budget.monthly_cost is not None and spent_cost + cost > budget.monthly_cost:
        left = max(budget.monthly_cost - spent_cost, Decimal(0))
        raise BudgetExceeded(
            f"This would go over your monthly budget: {format_usd(left)} left of "
            f"{format_usd(budget.monthly_cost)} this month, and this request costs about {format_usd(cost)}.")
    if budget.monthly_images is not None and spent_images + images > budget.monthly_images:
        left = max(budget.monthly_images - spent_images, 0)
        raise BudgetExceeded(
            f"This would go over your monthly image quota: {left} of {budget.monthly_images} images "
            f"left this month, and this request makes {images}.")


def budget_left(user) -> tuple[Decimal, Decimal] | None:
    """(dollars left, monthly budget) for someone with a cost budget; None without one."""
    budget = Budget.objects.filter(user=user).first()
    if budget is None or budget.monthly_cost is None:
        return None
    spent, _ = month_spent(user)
    return max(budget.monthly_cost - spent, Decimal(0)), budget.monthly_cost
