"""Image inputs: which images a model takes, as one rule kind.

A model's catalog entry may say ``"inputs": {"max_images": 16, "mask": true,
"strength": false, "operations": ["edit", "reference", ...]}``. ``ImageInputs``
is that rule: it checks a request (``check_values``), adds its fields to a
form (``add_form_fields``), says which operations it offers (``offers``) and
describes itself for docs/models.md (``describe``), like the size rules in
``providers.sizes``. A model without the entry takes text only.

Values it reads from a request: ``operation`` (default "generate"),
``input_count`` (images given, references included), ``mask`` (truthy when a
mask was painted) and ``strength`` (0–1).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .labels import Violation

GENERATE = "generate"
# Operation → what the studio calls it, in the order the docs list them.
OPERATION_LABELS = {
    "edit": "Edit", "reference": "Use as reference", "inpaint": "Inpaint (masked edit)",
    "outpaint": "Outpaint", "erase": "Erase", "search_replace": "Search and replace",
    "upscale": "Upscale", "remove_background": "Remove background", "variation": "Variations",
}
# Operations that need no prompt of their own (the source image's prompt is kept).
PROMPTLESS = ("upscale", "remove_background", "erase")


@dataclass(frozen=True)
class ImageInputs:
    max_images: int = 0
    mask: bool = False
    strength: bool = False
    operations: tuple[str, ...] = ()

    def offers(self, operation: str) -> bool:
        return operation == GENERATE or operation in self.operations

    def check_values(self, values: dict, model_label: str) -> list[Violation]:
        operation = values.get("operation") or GENERATE
        count = int(values.get("input_count") or 0)
        out = []
        if not self.offers(operation):
            out.append(Violation("operation", "operation",
                                 f"{model_label} cannot do {OPERATION_LABELS.get(operation, operation)}"))
        if count > self.max_images:
            out.append(Violation(
                "references", "max_images",
                f"{model_label} takes no input images" if not self.max_images else
                f"{model_label} takes at most {self.max_images} input image"
                f"{'s' if self.max_images != 1 else ''} ({count} given)"))
        if operation != GENERATE and self.max_images and count == 0:
            out.append(Violation("references", "input_required",
                                 f"{OPERATION_LABELS.get(operation, operation)} needs an input image"))
        if values.get("mask") and not self.mask:
            out.append(Violation("mask", "mask", f"{model_label} takes no mask"))
        strength = values.get("strength")
        if strength not in (None, ""):
            if not self.strength:
                out.append(Violation("strength", "strength", f"{model_label} takes no strength"))
            elif not 0 <= float(strength) <= 1:
                out.append(Violation("strength", "range", "Strength must be between 0 and 1"))
        return out

    def add_form_fields(self, fields: dict, initial: dict) -> None:
        """A strength field where the model takes one; images and masks come
        from the reference tray and the mask canvas, not from form widgets."""
        if not self.strength:
            return
        from django import forms

        fields["strength"] = forms.FloatField(
            label="Strength", required=False, min_value=0, max_value=1,
            help_text="0–1: how far the result may move away from the input image",
            widget=forms.NumberInput(attrs={"min": 0, "max": 1, "step": 0.05}))

    def describe(self) -> str:
        if not self.max_images:
            return "—"
        parts = [f"up to {self.max_images} image{'s' if self.max_images != 1 else ''}"]
        if self.mask:
            parts.append("mask")
        if self.strength:
            parts.append("strength")
        ops = [OPERATION_LABELS[op].lower() for op in OPERATION_LABELS if op in self.operations]
        return ", ".join(parts) + (f": {', '.join(ops)}" if ops else "")

    def to_dict(self) -> dict | None:
        if not (self.max_images or self.operations):
            return None
        return {"max_images": self.max_images, "mask": self.mask, "strength": self.strength,
                "operations": list(self.operations)}

    @classmethod
    def from_dict(cls, d: dict | None) -> "ImageInputs":
        d = d or {}
        return cls(max_images=int(d.get("max_images") or 0), mask=bool(d.get("mask")),
                   strength=bool(d.get("strength")), operations=tuple(d.get("operations") or ()))

    @staticmethod
    def schema_errors(d: Any) -> list[str]:
        from .catalog.schema import inputs_errors

        return inputs_errors(d)


TEXT_ONLY = ImageInputs()
