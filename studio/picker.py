"""What the grouped model picker shows for each model: one read, used by compose and compare.

Grouped by connection, each option carries its headline price, typical speed
and abilities from the catalog's ModelSpec. Lifecycle labels ("retires on …")
belong here too, so every picker shows them alike.
"""
from __future__ import annotations

from dataclasses import dataclass

from providers.lifecycle import picker_suffix
from providers.rules import AspectRatios, ModelSpec, SizeList, SizeRange
from providers.services import ModelChoice


@dataclass(frozen=True)
class PickerOption:
    key: str
    label: str
    facts: tuple[str, ...]  # price, speed, abilities: short phrases a person compares at a glance
    # what a <select> shows: name and price only, so it stays readable on a phone
    # (the selected model's other facts are printed under the picker)
    headline: str = ""

    @property
    def summary(self) -> str:
        return " · ".join(self.facts)

    @property
    def search(self) -> str:
        return f"{self.label} {self.key} {self.summary}"


def _size_fact(spec: ModelSpec) -> str:
    size = spec.size
    if isinstance(size, SizeRange):
        return f"any size {size.min}–{size.max}"
    if isinstance(size, SizeList):
        return f"{len(size.sizes)} sizes"
    if isinstance(size, AspectRatios):
        return f"{len(size.ratios)} aspect ratios"
    return ""


def model_facts(spec: ModelSpec) -> tuple[str, ...]:
    price = f"${spec.price:.3f}".rstrip("0").rstrip(".") + "/image" if spec.price is not None else "price unknown"
    if spec.price == 0:
        price = "free"
    facts = [price, f"~{spec.latency_s:g} s"]
    if spec.needs_image:
        facts.append("edits an image")
    if spec.max_n > 1:
        facts.append(f"up to {spec.max_n} at once")
    facts.append(_size_fact(spec))
    return tuple(f for f in facts if f)


def model_picker(choices: list[ModelChoice]) -> list[tuple[str, list[PickerOption]]]:
    """(connection name, options) in the order ``choices`` come in."""
    groups: dict[str, list[PickerOption]] = {}
    for choice in choices:
        spec = choice.spec
        label = spec.label if spec.label == spec.id else f"{spec.label} ({spec.id})"
        lifecycle = picker_suffix(spec=spec, connection=choice.connection).removeprefix(" — ")
        facts = model_facts(spec)
        headline = f"{spec.label} · {facts[0]}" + (f" — {lifecycle}" if lifecycle else "")
        groups.setdefault(choice.connection.name, []).append(PickerOption(
            key=choice.key, label=label, facts=((lifecycle,) if lifecycle else ()) + facts, headline=headline))
    return list(groups.items())
