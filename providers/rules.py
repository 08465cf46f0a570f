"""Each model's rules, held as data, and the one function that checks them.

A model spec is built from a plain dict (the catalog modules, or a custom
model staff enter in the admin as JSON), so adding a model is data, not code.
``validate`` returns violations with a code and a sentence naming the rule;
the form shows them beside the field and nothing that breaks one is queued.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .image_inputs import ImageInputs
from .labels import LABELS, Violation, label  # noqa: F401  (re-exported)
from .sizes import (AUTO, SIZE_KINDS, AspectRatios, SizeList, SizeRange, SizeRule,  # noqa: F401
                    size_from_dict, size_schema_errors)

# Parameters GenerationRequest has a field for; anything else is an extra.
STANDARD_PARAMS = (
    "negative_prompt", "seed", "steps", "guidance", "sampler", "style_preset",
    "quality", "style", "output_format",
)
SEED_MAX = 2**32 - 1

# A model's place in its provider's lifecycle, as the catalog states it. Whether
# it may be used today is computed in providers.lifecycle from these and the date.
STATUSES = ("active", "deprecated", "shutdown", "legacy", "unknown")


# --- parameters -------------------------------------------------------------

@dataclass(frozen=True)
class Param:
    """One parameter a model takes: int, float, choice, bool or text."""

    type: str
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    default: Any = None
    help: str = ""

    def check(self, name: str, value: Any) -> list[Violation]:
        if value is None or value == "":
            return []
        if self.type in ("int", "float"):
            if self.min is not None and self.max is not None and not self.min <= value <= self.max:
                return [Violation(name, "range",
                                  f"{label(name)} must be between {self.min:g} and {self.max:g}")]
        elif self.type == "choice" and value not in self.choices:
            return [Violation(name, "choice", f"{label(name)} must be one of {', '.join(self.choices)}")]
        elif self.type == "text" and self.max is not None and len(value) > self.max:
            return [Violation(name, "max_length",
                              f"{label(name)} must be at most {self.max:g} characters")]
        return []

    def to_dict(self):
        d = {"type": self.type}
        for key in ("min", "max", "default", "help"):
            if getattr(self, key) not in (None, ""):
                d[key] = getattr(self, key)
        if self.choices:
            d["choices"] = list(self.choices)
        return d


def param_from_dict(d: dict | str) -> Param:
    if isinstance(d, str):  # shorthand: "text", "bool", "seed"
        d = {"type": d}
    kind = d.get("type")
    if kind == "seed":  # 0 to 2**32 - 1 unless the provider takes more (ComfyUI: 2**64 - 1)
        return Param("int", min=0, max=d.get("max", SEED_MAX))
    if kind not in ("int", "float", "choice", "bool", "text"):
        raise ValueError(f"Unknown parameter type {kind!r}: use int, float, choice, bool, text or seed")
    if kind == "choice" and not d.get("choices"):
        raise ValueError("A choice parameter needs a list of choices")
    return Param(kind, min=d.get("min"), max=d.get("max"), choices=tuple(d.get("choices") or ()),
                 default=d.get("default"), help=d.get("help", ""))


# --- the model --------------------------------------------------------------

@dataclass(frozen=True)
class ModelSpec:
    id: str
    label: str
    kind: str  # connection kind: openai, apiyi, bfl, local, …
    size: SizeRule
    max_n: int = 1
    params: dict[str, Param] = field(default_factory=dict)
    prompt_max: int = 4000
    needs_image: bool = False
    latency_s: float = 10.0
    price: Decimal | None = None  # headline per-image USD, for lists and docs
    notes: str = ""
    pricing: dict | None = None  # how the provider bills it: see providers.pricing
    # Image inputs the model takes (max_images, mask, strength, operations);
    # None: text only. Checked by providers.catalog.schema.inputs_errors.
    inputs: dict | None = None
    status: str = "active"  # one of STATUSES
    shutdown_date: date | None = None  # the provider's announced (or past) shutdown
    replacement: str = ""  # the model id the provider recommends instead

    @property
    def takes(self) -> frozenset[str]:
        return frozenset(self.params)

    @property
    def image_inputs(self) -> ImageInputs:
        """The inputs capability as a rule (``providers.image_inputs``)."""
        return ImageInputs.from_dict(self.inputs)

    def check(self, values: dict[str, Any]) -> list[Violation]:
        """Every rule ``values`` breaks; empty when the request may be sent."""
        out: list[Violation] = []
        prompt = values.get("prompt") or ""
        if not prompt.strip():
            out.append(Violation("prompt", "required", "Prompt is required"))
        elif len(prompt) > self.prompt_max:
            out.append(Violation("prompt", "max_length",
                                 f"Prompt must be at most {self.prompt_max} characters for this model"))
        n = values.get("n")
        n = 1 if n is None else n
        if not 1 <= n <= self.max_n:
            message = ("This model makes one image per request: Number of images must be 1"
                       if self.max_n == 1 else f"Number of images must be between 1 and {self.max_n}")
            out.append(Violation("n", "count", message))
        out += self.size.check_values(values)
        for name, param in self.params.items():
            out += param.check(name, values.get(name))
        if self.needs_image and not values.get("input_image") and not values.get("input_count"):
            out.append(Violation("input_image", "required", "This model needs an input image"))
        out += self.image_inputs.check_values(values, self.label)
        return out

    def to_dict(self) -> dict:
        return {
            "id": self.id, "label": self.label, "kind": self.kind, "size": self.size.to_dict(),
            "max_n": self.max_n, "params": {k: v.to_dict() for k, v in self.params.items()},
            "prompt_max": self.prompt_max, "needs_image": self.needs_image,
            "latency_s": self.latency_s, "price": (self.pricing if self.pricing is not None
                      else str(self.price) if self.price is not None else None),
            "notes": self.notes, "status": self.status,
            "shutdown_date": self.shutdown_date.isoformat() if self.shutdown_date else None,
            "replacement": self.replacement or None, "inputs": self.inputs,
        }

    @classmethod
    def from_dict(cls, d: dict, *, kind: str | None = None) -> "ModelSpec":
        """Build a spec from data; raises ValueError naming what is wrong."""
        for key in ("id", "size"):
            if key not in d:
                raise ValueError(f"A model needs {key!r}")
        price = d.get("price")
        return cls(
            id=str(d["id"]), label=str(d.get("label") or d["id"]), kind=kind or d.get("kind", ""),
            size=size_from_dict(d["size"]), max_n=int(d.get("max_n", 1)),
            params={name: param_from_dict(p) for name, p in (d.get("params") or {}).items()},
            prompt_max=int(d.get("prompt_max", 4000)), needs_image=bool(d.get("needs_image")),
            latency_s=float(d.get("latency_s", 10)),
            price=(headline_price(price) if isinstance(price, dict)
                   else Decimal(str(price)) if price not in (None, "") else None),
            notes=d.get("notes") or "",
            pricing=price if isinstance(price, dict) else None,
            inputs=d.get("inputs") or None,
            status=d.get("status") or "active",
            shutdown_date=(date.fromisoformat(d["shutdown_date"]) if d.get("shutdown_date")
                           else None),
            replacement=d.get("replacement") or "",
        )


def headline_price(pricing: dict) -> Decimal | None:
    """One per-image USD figure for lists and docs, from a price shape (providers.pricing).

    The medium-quality 1024×1024 image where the shape depends on them; an
    explicit ``"headline"`` in the shape wins.
    """
    def dec(value):
        return None if value in (None, "") else Decimal(str(value))

    try:
        if "headline" in pricing:
            return dec(pricing["headline"])
        if "usd" in pricing:
            return dec(pricing["usd"])
        per_credit = dec(pricing.get("usd_per_credit", "0.01"))
        if "credits" in pricing:
            return dec(pricing["credits"]) * per_credit
        if "credits_first_mp" in pricing:
            return dec(pricing["credits_first_mp"]) * per_credit
        if "table" in pricing:
            table = pricing["table"]
            row = table.get("medium") or table.get("*") or next(iter(table.values()))
            return dec(row.get("1024x1024") or row.get("*") or next(iter(row.values())))
        if "per_million_tokens" in pricing:
            tokens = (pricing.get("image_out_tokens_1024") or {}).get("medium")
            rate = dec(pricing["per_million_tokens"].get("image_out"))
            if tokens is None or rate is None:
                return None
            return (Decimal(tokens) * rate / 1_000_000).quantize(Decimal("0.001"))
    except (ArithmeticError, AttributeError, StopIteration, TypeError, ValueError):
        return None
    return None
