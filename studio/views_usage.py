"""Usage page: a member sees their own month; staff see everyone's, with charts."""
from __future__ import annotations

from dataclasses import dataclass

from django.shortcuts import render
from django.utils.dateformat import format as date_format
from django.views.decorators.http import require_GET

from .models import JobSource
from .usage import (format_usd, month_shift, month_start, month_totals, parse_month, usage_by_model,
                    usage_by_person, usage_by_source)

# Chart geometry, in SVG user units (the chart scales to its container).
CHART_WIDTH, LABEL_WIDTH, BAR_MAX, ROW_HEIGHT, BAR_HEIGHT = 680, 170, 300, 28, 18


@require_GET
def usage(request):
    this_month = month_start()
    start, notice = this_month, ""
    if asked := request.GET.get("month", "").strip():
        if picked := parse_month(asked):
            start = picked
        else:
            notice = f"“{asked[:20]}” is not a month (write it like 2026-11), so this is this month."
    owner = None if request.user.is_staff else request.user
    # Staff may narrow every table to one source (web, API, MCP).
    source = request.GET.get("source") if owner is None and request.GET.get("source") in JobSource.values else None
    month_name = date_format(start, "F Y")
    by_model = [_presented(row, row["model_label"]) for row in usage_by_model(start, owner, source)]
    by_source = [_presented(row, _source_label(row)) for row in usage_by_source(start, owner, source)]
    context = {
        "start": start, "month_name": month_name, "month_value": start.strftime("%Y-%m"),
        "previous": month_shift(start, -1).strftime("%Y-%m"),
        "next": month_shift(start, 1).strftime("%Y-%m") if start < this_month else None,
        "notice": notice, "everyone": owner is None,
        "totals": _presented(month_totals(start, owner, source)), "by_model": by_model,
        "by_source": by_source, "source": source or "", "sources": JobSource.choices,
    }
    if owner is None:
        by_person = [_presented(row, row["name"]) for row in usage_by_person(start, source)]
        charts = [_bar_chart("person", month_name, by_person), _bar_chart("model", month_name, by_model)]
        context.update(by_person=by_person, charts=[chart for chart in charts if chart])
    return render(request, "studio/usage.html", context)


def _presented(row: dict, label: str = "") -> dict:
    """A figures row with what the page shows: its label, the cost as $0.00, "3 images"."""
    cost = format_usd(row["cost_total"])
    if row["cost_total"] is None and row.get("unpriced"):
        cost = "unpriced"  # never "$0": nobody knows what these cost
    return {**row, "label": label, "cost_display": cost, "images_display": _images(row["image_total"]),
            "estimate_display": format_usd(row.get("estimate_total"))}


def _source_label(row: dict) -> str:
    """"Web", or "API · nightly shots" (the token's name as it was when the job was made)."""
    label = JobSource(row["source"]).label if row["source"] in JobSource.values else row["source"]
    return f"{label} · {row['api_token_name']}" if row["api_token_name"] else label


def _images(count: int) -> str:
    return f"{count} image{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    y: float
    width: float

    @property
    def text_y(self) -> float:
        return self.y + BAR_HEIGHT / 2

    @property
    def value_x(self) -> float:
        return LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class Chart:
    title: str
    description: str
    bars: list[Bar]
    width = CHART_WIDTH
    label_x = LABEL_WIDTH - 8  # labels end here, right-aligned
    bar_x = LABEL_WIDTH
    bar_height = BAR_HEIGHT

    @property
    def height(self) -> int:
        return len(self.bars) * ROW_HEIGHT + 8


def _bar_chart(by: str, month_name: str, rows: list[dict]) -> Chart | None:
    """A horizontal bar chart of cost (or of images when no cost is known) per row, largest first."""
    if not rows:
        return None
    by_cost = any(row["cost_total"] for row in rows)
    measured = sorted(((row, (row["cost_total"] or 0) if by_cost else row["image_total"]) for row in rows),
                      key=lambda pair: -pair[1])
    top = float(measured[0][1]) or 1.0
    title = f"{'Cost' if by_cost else 'Images'} by {by}, {month_name}"
    bars = [Bar(label=row["label"],
                value_text=f"{row['cost_display']} · {row['images_display']}" if by_cost else row["images_display"],
                y=i * ROW_HEIGHT + 4,
                # A sliver, not nothing, for a value too small to show at this scale.
                width=max(round(float(value) / top * BAR_MAX, 1), 1 if value else 0))
            for i, (row, value) in enumerate(measured)]
    description = f"{title}: " + "; ".join(f"{bar.label}: {bar.value_text}" for bar in bars)
    return Chart(title=title, description=description, bars=bars)
