"""What a finished job cost, from the provider's own figure, its token usage or our estimate.

Provider figures are checked before they are kept: a cost must be finite, at
least 0 and at most 100× the estimate. A figure that fails is replaced by the
estimate, and the card says why. Nothing above COST_MAX is ever recorded (the
cost column holds at most 12 digits; a provider's 1e30 once broke every page).
"""
from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

from providers.pricing import MAX_USD_PER_IMAGE, cost_from_usage, is_token_priced, price_of
from providers.registry import KINDS

from .usage import format_usd

COST_MAX = Decimal("999999")
MAX_TIMES_ESTIMATE = 100
_PLACES = Decimal("0.000001")


def job_cost(*, job, spec, results, image_count: int) -> tuple[Decimal | None, str, list[str]]:
    """(cost in USD or None when unknown, where it came from, notes for the card).

    Sources: "provider" (its own charge), "tokens" (usage × the model's token
    prices), "catalog" (our estimate for the images kept).
    """
    connection = job.connection
    override = connection.price_override(spec.id) if connection else None
    estimate = _kept_share(job.estimate, image_count, job.params.get("n") or 1)
    unit = KINDS[connection.kind].cost_unit_usd if connection else None
    reported = [r.cost for r in results if r.cost is not None]
    if unit is not None and reported:
        figure = _sum(reported)
        figure = None if figure is None else figure * unit
        return _checked(figure, "provider", "The provider's reported cost", estimate, image_count)
    if is_token_priced(price_of(spec, override)):
        figures = [cost_from_usage(spec, r.usage, override=override) for r in results]
        if figures and all(f is not None for f in figures):
            return _checked(sum(figures, Decimal(0)), "tokens", "The cost from the provider's token usage",
                            estimate, image_count)
    return _fallback(estimate, [])


def _kept_share(estimate: Decimal | None, kept: int, asked: int) -> Decimal | None:
    """The estimate for the images actually kept (fewer than asked cost less)."""
    if estimate is None:
        return None
    return estimate * min(kept, asked) / max(asked, 1)


def _sum(figures) -> Decimal | None:
    """The sum of the provider's figures as Decimals; None if any is not a finite number."""
    total = Decimal(0)
    for figure in figures:
        try:
            value = figure if isinstance(figure, Decimal) else Decimal(str(figure))
        except (InvalidOperation, ValueError):
            return None
        if not value.is_finite():
            return None
        total += value
    return total


def _checked(figure, source: str, what: str, estimate: Decimal | None,
             image_count: int) -> tuple[Decimal | None, str, list[str]]:
    if figure is None or not figure.is_finite():
        return _fallback(estimate, [f"{what} was not a number, so the estimate was recorded."])
    if figure < 0:
        return _fallback(estimate, [f"{what} was negative ({_short(figure)}), so the estimate was recorded."])
    ceiling = (estimate * MAX_TIMES_ESTIMATE if estimate is not None
               else MAX_USD_PER_IMAGE * max(image_count, 1))
    if figure > min(ceiling, COST_MAX):
        limit = f"100× the estimate of {format_usd(estimate)}" if estimate is not None else \
            f"{format_usd(MAX_USD_PER_IMAGE)} an image"
        return _fallback(estimate, [f"{what} ({_short(figure)}) was more than {limit}, "
                                    "so the estimate was recorded."])
    return figure.quantize(_PLACES), source, []


def _fallback(estimate: Decimal | None, notes: list[str]) -> tuple[Decimal | None, str, list[str]]:
    if estimate is None or not estimate.is_finite() or not 0 <= estimate <= COST_MAX:
        return None, "", notes
    return estimate.quantize(_PLACES), "catalog", notes


def _short(figure: Decimal) -> str:
    """A provider's figure for a note, short even when it is 1e30."""
    return format_usd(figure) if abs(figure) < 10**6 else f"${float(figure):.3g}"


def usage_clean(value):
    """Provider usage as JSON every database stores: NaN and ±Infinity become text, deep inside too."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k)[:100]: usage_clean(v) for k, v in list(value.items())[:100]}
    if isinstance(value, (list, tuple)):
        return [usage_clean(v) for v in value[:100]]
    return value
