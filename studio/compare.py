"""Compare: one set of wanted values, adapted to each model's rules.

A compare sends the same prompt, seed and size to several models, but each
model takes different things. ``adapt`` keeps what a model accepts, changes
what it does not into the nearest thing it does, and says so in sentences the
person reads on the result page; ``compare_create`` queues one job per model.
"""
from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction

from providers.rules import AspectRatios, ModelSpec, Param, SizeList, SizeRange, label
from providers.services import ModelChoice

from .budgets import budget_reserve, job_estimate
from .services import job_create

# The wanted values a compare offers besides prompt and size, in form order.
OPTIONAL_PARAMS = ("negative_prompt", "seed", "steps", "guidance")
_PLURAL = {"steps"}  # "Steps dropped: … does not take them"


def compare_create(*, owner, choices: list[ModelChoice], wanted: dict[str, Any]) -> uuid.UUID:
    """One job per model, adapted to its rules, sharing a group; queued once committed.

    Raises BudgetExceeded when the compare as a whole would go over a limit.
    """
    group = uuid.uuid4()
    with transaction.atomic():
        adapted = [(choice, *adapt(choice.spec, wanted)) for choice in choices]
        estimates = [job_estimate(choice=choice, values=values) for choice, values, _ in adapted]
        # The whole compare is checked once: it queues all its jobs or none.
        budget_reserve(user=owner, estimates=estimates)
        for (choice, values, notes), reserved in zip(adapted, estimates):
            job_create(owner=owner, choice=choice, values=values, notes=notes, group=group,
                       reserved=reserved)
    return group


def adapt(spec: ModelSpec, wanted: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Values ``spec`` accepts for ``wanted``, and notes on what changed.

    ``wanted`` holds prompt, negative_prompt, seed, width, height, steps and
    guidance (blank ones are None or ""); one image is asked of every model.
    """
    notes: list[str] = []
    values: dict[str, Any] = {"n": 1, "prompt": _fit_text(spec, "prompt", wanted["prompt"],
                                                         spec.prompt_max, notes)}
    values.update(_fit_size(spec, wanted.get("width"), wanted.get("height"), notes))
    for name in OPTIONAL_PARAMS:
        value = wanted.get(name)
        if value in (None, ""):
            continue
        param = spec.params.get(name)
        if param is None:
            pronoun = "them" if name in _PLURAL else "it"
            notes.append(f"{label(name)} dropped: {spec.label} does not take {pronoun}")
            continue
        values[name] = _fit_param(spec, name, param, value, notes)
    return values, notes


def _fit_text(spec: ModelSpec, name: str, text: str, limit: float | None, notes: list[str]) -> str:
    if limit is not None and len(text) > limit:
        notes.append(f"{label(name)} shortened to {limit:g} characters, the most {spec.label} takes")
        return text[:int(limit)]
    return text


def _fit_param(spec: ModelSpec, name: str, param: Param, value: Any, notes: list[str]) -> Any:
    if param.type == "text":
        return _fit_text(spec, name, str(value), param.max, notes)
    if param.type not in ("int", "float"):
        return value
    fitted = value
    if param.type == "int" and fitted != int(fitted):
        fitted = round(fitted)
    if param.min is not None and fitted < param.min:
        fitted, bound = param.min, "least"
    elif param.max is not None and fitted > param.max:
        fitted, bound = param.max, "most"
    else:
        bound = None
    fitted = int(fitted) if param.type == "int" else float(fitted)
    if bound:
        notes.append(f"{label(name)} {_number(value)} became {_number(fitted)}, "
                     f"the {bound} {spec.label} allows")
    elif fitted != value:
        notes.append(f"{label(name)} {_number(value)} became {_number(fitted)}: "
                     f"{spec.label} takes whole numbers")
    return fitted


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _fit_size(spec: ModelSpec, width: int | None, height: int | None, notes: list[str]) -> dict:
    size = spec.size
    if not width or not height:  # nothing wanted: the model's default, no note
        if isinstance(size, SizeRange):
            return dict(zip(("width", "height"), size.default))
        return {"size" if isinstance(size, SizeList) else "aspect_ratio": size.default}
    asked = f"Size {width}×{height}"
    if isinstance(size, AspectRatios):
        ratio = size.nearest(width, height)
        notes.append(f"{asked} became aspect ratio {ratio}, the nearest {spec.label} allows")
        return {"aspect_ratio": ratio}
    if isinstance(size, SizeList):
        if f"{width}x{height}" in size.sizes:
            return {"size": f"{width}x{height}"}
        try:
            chosen = size.nearest(width, height)
        except ValueError:  # no concrete "WxH" in the list, e.g. only "auto"
            notes.append(f"{asked} became {size.default}: {spec.label} takes no exact size")
            return {"size": size.default}
        notes.append(f"{asked} became {chosen.replace('x', '×')}, the nearest {spec.label} allows")
        return {"size": chosen}
    w, h = _nearest_in_range(size, width, height)
    if (w, h) != (width, height):
        notes.append(f"{asked} became {w}×{h}, the nearest {spec.label} allows")
    return {"width": w, "height": h}


def _nearest_in_range(size: SizeRange, width: int, height: int) -> tuple[int, int]:
    if not size.check(width, height):
        return width, height
    w, h = size.nearest(width, height)
    if size.max_aspect and max(w, h) / min(w, h) > size.max_aspect:
        # nearest() keeps the shape; a shape too long is cut to the widest allowed.
        short = min(w, h)
        long = int(short * size.max_aspect)
        w, h = size.nearest(long, short) if w > h else size.nearest(short, long)
    if size.check(w, h):  # a rule nearest() cannot meet: fall back to the default
        return size.default
    return w, h


# --- the X/Y grid: one axis models or seeds, the other a parameter's values ---

GRID_PARAMS = {"steps": "int", "guidance": "float", "quality": "choice"}
ROW_NOTE = "Row: "  # the first note of each grid job names its row, e.g. "Row: Steps 20"


def compare_grid_create(*, owner, choices: list[ModelChoice], seeds: list[int], param: str,
                        values: list, wanted: dict[str, Any]) -> uuid.UUID:
    """One job per cell, row by row (a row per value of ``param``, a column per model, or per
    seed when ``seeds`` is given and one model chosen); queued once committed.

    Raises BudgetExceeded when the grid as a whole would go over a limit.
    """
    group = uuid.uuid4()
    columns = [(choice, seed) for choice in choices for seed in (seeds or [wanted.get("seed")])]
    with transaction.atomic():
        cells = []
        for value in values:
            for choice, seed in columns:
                asked = {**wanted, "seed": seed}
                if param != "quality":
                    asked[param] = value
                cell, notes = adapt(choice.spec, asked)
                if param == "quality":
                    _fit_quality(choice.spec, value, cell, notes)
                notes.insert(0, f"{ROW_NOTE}{label(param)} {_grid_value(value)}")
                cells.append((choice, cell, notes))
        estimates = [job_estimate(choice=choice, values=cell) for choice, cell, _ in cells]
        budget_reserve(user=owner, estimates=estimates)  # the whole grid, or none of it
        for (choice, cell, notes), reserved in zip(cells, estimates):
            job_create(owner=owner, choice=choice, values=cell, notes=notes, group=group, reserved=reserved)
    return group


def _grid_value(value) -> str:
    return _number(value) if isinstance(value, (int, float)) else str(value)


def _fit_quality(spec: ModelSpec, value: str, values: dict, notes: list[str]) -> None:
    param = spec.params.get("quality")
    if param is None:
        notes.append(f"Quality dropped: {spec.label} does not take it")
    elif param.choices and value not in param.choices:
        notes.append(f"Quality {value} dropped: {spec.label} takes {', '.join(param.choices)}")
    else:
        values["quality"] = value


def grid_rows(jobs: list) -> tuple[list[str], list[tuple[str, list]]] | None:
    """(column titles, [(row title, jobs)]) when ``jobs`` (in creation order) were made by
    ``compare_grid_create``, else None. Each grid job's first note names its row."""
    if not jobs or not all((job.notes or [""])[0].startswith(ROW_NOTE) for job in jobs):
        return None
    rows: list[tuple[str, list]] = []
    for job in jobs:
        title = job.notes[0][len(ROW_NOTE):]
        if not rows or rows[-1][0] != title:
            rows.append((title, []))
        rows[-1][1].append(job)
    first = rows[0][1]
    if any(len(cells) != len(first) for _, cells in rows):
        return None
    models = len({(j.connection_id, j.model_id) for j in first}) > 1
    titles = [j.model_label if models else f"Seed {j.seed}" for j in first]
    return titles, rows
