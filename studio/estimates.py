"""The line shown beside Generate: "≈ $0.21 · $4.37 of $20.00 left this month"."""
from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError

from .budgets import UNPRICED, Estimate, budget_left, job_estimate
from .compare import adapt
from .usage import format_usd


def estimate_line(*, user, estimates: list[Estimate]) -> str:
    """What these jobs should cost and, for someone with a cost budget, what is left of it."""
    if not estimates:
        return ""
    left = budget_left(user) if user is not None and user.is_authenticated else None
    unpriced = [e for e in estimates if e.cost is None]
    if unpriced and left is not None:
        return UNPRICED + (f" ({', '.join(e.label for e in unpriced)})" if len(estimates) > 1 else "") + "."
    known = sum((e.cost for e in estimates if e.cost is not None), Decimal(0))
    if unpriced and len(unpriced) == len(estimates):
        text = "Unpriced: no price is set for this model"
    else:
        text = "≈ " + format_usd(known)
        if unpriced:
            text += f" + {len(unpriced)} unpriced model{'' if len(unpriced) == 1 else 's'}"
    if left is not None:
        text += f" · {format_usd(left[0])} of {format_usd(left[1])} left this month"
    return text


def compose_estimates(form) -> list[Estimate]:
    """The estimate of a compose form as filled in so far (invalid fields fall back to defaults)."""
    if form.choice is None:
        return []
    if form.is_bound:
        form.is_valid()
        values = getattr(form, "values", None) or {}
    else:
        values = _cleaned_each(form)
    values = {**_defaults(form), **{k: v for k, v in values.items() if v not in (None, "")}}
    return [job_estimate(choice=form.choice, values=values)]


def _cleaned_each(form) -> dict:
    """Each field's own clean value, skipping the ones that fail: a field swap
    carries raw text ("264.0", "²"), which the price list must never see."""
    values = {}
    for name, field in form.fields.items():
        if name in ("input_image", "mask"):
            continue
        try:
            values[name] = field.clean(form[name].value())
        except (ValidationError, TypeError, ValueError):
            continue
    return values


def _defaults(form) -> dict:
    values = {name: value for name, value in form.initial.items()}
    if isinstance(values.get("size"), str) and "x" in values["size"]:
        w, _, h = values["size"].partition("x")
        if w.isdecimal() and h.isdecimal():
            values.setdefault("width", int(w))
            values.setdefault("height", int(h))
    return values


def compare_estimates(form) -> list[Estimate]:
    """One estimate per model ticked in a compare form, each adapted as the compare would."""
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    keys = form.data.getlist("models") if hasattr(form.data, "getlist") else []
    wanted = {"prompt": "", **{k: v for k, v in data.items() if k != "models"}}
    wanted.setdefault("width", 1024)
    wanted.setdefault("height", 1024)
    return [job_estimate(choice=form.choices[key], values=adapt(form.choices[key].spec, wanted)[0])
            for key in keys if key in form.choices]
