"""Monthly budgets and quotas: staff set them per person (Budget); a request that
would go over is refused before it is queued. No Budget row, or a blank field,
means no limit."""
from __future__ import annotations

from decimal import Decimal

from providers.rules import ModelSpec

from .models import Budget
from .usage import format_usd, month_spent


class BudgetExceeded(Exception):
    """A request would take its person over a monthly limit; str() is a sentence for them."""


def estimate_cost(spec: ModelSpec, n: int) -> Decimal:
    """What ``n`` images of this model should cost at its catalog price; unknown counts 0."""
    return (spec.price if spec.price is not None else Decimal(0)) * n


def budget_check(user, *, cost: Decimal, images: int) -> None:
    """Raise BudgetExceeded (with a message saying what is left) if this would go over.

    What is already spent includes queued and running jobs (see usage.month_spent).
    """
    budget = Budget.objects.filter(user=user).first()
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
