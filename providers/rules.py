"""Each model's rules, held as data, and the one function that checks them.

A model spec is built from a plain dict (the catalog modules, or a custom
model staff enter in the admin as JSON), so adding a model is data, not code.
``validate`` returns violations with a code and a sentence naming the rule;
the form shows them beside the field and nothing that breaks one is queued.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# Parameters GenerationRequest has a field for; anything else is an extra.
STANDARD_PARAMS = (
    "negative_prompt", "seed", "steps", "guidance", "sampler", "style_preset",
    "quality", "style", "output_format",
)
SEED_MAX = 2**32 - 1

LABELS = {
    "width": "Width", "height": "Height", "n": "Number of images", "seed": "Seed",
    "steps": "Steps", "guidance": "Guidance", "sampler": "Sampler",
    "style_preset": "Style preset", "quality": "Quality", "style": "Style",
    "output_format": "Output format", "negative_prompt": "Negative prompt",
    "size": "Size", "aspect_ratio": "Aspect ratio", "prompt": "Prompt",
    "safety_tolerance": "Safety tolerance", "clip_guidance_preset": "CLIP guidance preset",
    "prompt_upsampling": "Prompt upsampling", "background": "Background",
    "output_compression": "Output compression", "moderation": "Moderation", "raw": "Raw mode",
}


def label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " ").capitalize())


@dataclass(frozen=True)
class Violation:
    field: str
    code: str
    message: str


# --- sizes ------------------------------------------------------------------

@dataclass(frozen=True)
class SizeRange:
    """Free width and height within bounds."""

    min: int
    max: int
    multiple: int = 1
    max_megapixels: float | None = None
    max_aspect: float | None = None  # longest side / shortest side
    default: tuple[int, int] = (1024, 1024)
    kind = "range"

    def check(self, width: Any, height: Any) -> list[Violation]:
        out = []
        for name, value in (("width", width), ("height", height)):
            if value is None:
                out.append(Violation(name, "required", f"{label(name)} is required"))
                continue
            if not self.min <= value <= self.max:
                out.append(Violation(name, "range",
                                     f"{label(name)} must be between {self.min} and {self.max}"))
            elif value % self.multiple:
                out.append(Violation(name, "multiple_of",
                                     f"{label(name)} must be a multiple of {self.multiple}"))
        if out:
            return out
        if self.max_megapixels and width * height > self.max_megapixels * 1_000_000 + 0.5:
            out.append(Violation("width", "megapixels",
                                 f"Width × height must be at most {self.max_megapixels:g} megapixels "
                                 f"({width}×{height} is {width * height / 1e6:.2f})"))
        if self.max_aspect and max(width, height) / min(width, height) > self.max_aspect + 1e-9:
            out.append(Violation("width", "aspect",
                                 f"The longer side may be at most {self.max_aspect:g}× the shorter"))
        return out

    def nearest(self, width: int, height: int) -> tuple[int, int]:
        def fit(v):
            v = min(max(v, self.min), self.max)
            return max(self.min, (v // self.multiple) * self.multiple)
        w, h = fit(width), fit(height)
        if self.max_megapixels:
            while w * h > self.max_megapixels * 1_000_000:
                scale = math.sqrt(self.max_megapixels * 1_000_000 / (w * h))
                w, h = fit(int(w * scale)), fit(int(h * scale))
                if w == self.min and h == self.min:
                    break
        return w, h

    def to_dict(self):
        return {"type": "range", "min": self.min, "max": self.max, "multiple": self.multiple,
                "max_megapixels": self.max_megapixels, "max_aspect": self.max_aspect,
                "default": list(self.default)}


def _wh(size: str) -> tuple[int, int]:
    w, _, h = size.partition("x")
    return int(w), int(h)


@dataclass(frozen=True)
class SizeList:
    """A fixed list of "WxH" sizes ("auto" allowed where the model takes it)."""

    sizes: tuple[str, ...]
    default: str = ""
    kind = "list"

    def check(self, size: Any) -> list[Violation]:
        if size not in self.sizes:
            return [Violation("size", "choice",
                              f"Size must be one of {', '.join(self.sizes)}")]
        return []

    def nearest(self, width: int, height: int) -> str:
        concrete = [s for s in self.sizes if "x" in s]
        return min(concrete, key=lambda s: abs(math.log((_wh(s)[0] / _wh(s)[1]) / (width / height)))
                   + abs(_wh(s)[0] * _wh(s)[1] - width * height) / 1e7)

    def to_dict(self):
        return {"type": "list", "sizes": list(self.sizes), "default": self.default or self.sizes[0]}


@dataclass(frozen=True)
class AspectRatios:
    """The provider picks pixels; the user picks a ratio such as "16:9"."""

    ratios: tuple[str, ...]
    default: str = ""
    kind = "aspect"

    def check(self, ratio: Any) -> list[Violation]:
        if ratio not in self.ratios:
            return [Violation("aspect_ratio", "choice",
                              f"Aspect ratio must be one of {', '.join(self.ratios)}")]
        return []

    def nearest(self, width: int, height: int) -> str:
        def value(r):
            a, _, b = r.partition(":")
            return float(a) / float(b)
        return min(self.ratios, key=lambda r: abs(math.log(value(r) / (width / height))))

    def to_dict(self):
        return {"type": "aspect", "ratios": list(self.ratios), "default": self.default or self.ratios[0]}


def size_from_dict(d: dict) -> SizeRange | SizeList | AspectRatios:
    kind = d.get("type")
    if kind == "range":
        return SizeRange(min=int(d["min"]), max=int(d["max"]), multiple=int(d.get("multiple") or 1),
                         max_megapixels=d.get("max_megapixels"), max_aspect=d.get("max_aspect"),
                         default=tuple(d.get("default") or (min(1024, int(d["max"])),) * 2))
    if kind == "list":
        sizes = tuple(d["sizes"])
        return SizeList(sizes=sizes, default=d.get("default") or sizes[0])
    if kind == "aspect":
        ratios = tuple(d["ratios"])
        return AspectRatios(ratios=ratios, default=d.get("default") or ratios[0])
    raise ValueError(f"Unknown size rule type {kind!r}: use range, list or aspect")


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
    size: SizeRange | SizeList | AspectRatios
    max_n: int = 1
    params: dict[str, Param] = field(default_factory=dict)
    prompt_max: int = 4000
    needs_image: bool = False
    latency_s: float = 10.0
    price: Decimal | None = None  # headline per-image USD, for lists and docs
    notes: str = ""
    pricing: dict | None = None  # how the provider bills it: see providers.pricing

    @property
    def takes(self) -> frozenset[str]:
        return frozenset(self.params)

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
        if isinstance(self.size, SizeRange):
            out += self.size.check(values.get("width"), values.get("height"))
        elif isinstance(self.size, SizeList):
            out += self.size.check(values.get("size"))
        else:
            out += self.size.check(values.get("aspect_ratio"))
        for name, param in self.params.items():
            out += param.check(name, values.get(name))
        if self.needs_image and not values.get("input_image"):
            out.append(Violation("input_image", "required", "This model needs an input image"))
        return out

    def to_dict(self) -> dict:
        return {
            "id": self.id, "label": self.label, "kind": self.kind, "size": self.size.to_dict(),
            "max_n": self.max_n, "params": {k: v.to_dict() for k, v in self.params.items()},
            "prompt_max": self.prompt_max, "needs_image": self.needs_image,
            "latency_s": self.latency_s, "price": str(self.price) if self.price is not None else None,
            "notes": self.notes,
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
            price=(Decimal(str(price)) if price not in (None, "") and not isinstance(price, dict)
                   else None),
            notes=d.get("notes", ""),
            pricing=price if isinstance(price, dict) else None,
        )
