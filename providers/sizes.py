"""Size rules: how a model is sized, one class per kind of rule.

Each class validates a request (``check_values``), adds its fields to the
compose form (``add_form_fields``), fits a wanted width × height to the nearest
allowed value (``nearest``), describes itself for docs/models.md
(``describe``) and checks its own catalog data (``schema_errors``). Adding a
kind of size rule is one class here and one line in ``SIZE_KINDS``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .labels import Violation, label

AUTO = "auto"


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class SizeRange:
    """Free width and height within bounds (and, optionally, "auto")."""

    min: int
    max: int
    multiple: int = 1
    max_megapixels: float | None = None  # ceiling on width × height, in millions
    max_aspect: float | None = None  # longest side / shortest side
    default: tuple[int, int] = (1024, 1024)
    min_pixels: int | None = None  # floor on width × height (gpt-image-2: 655,360)
    auto: bool = False  # the provider may pick the size ("size": "auto")
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
        if self.min_pixels and width * height < self.min_pixels:
            out.append(Violation("width", "min_pixels",
                                 f"Width × height must be at least {self.min_pixels:,} pixels "
                                 f"({width}×{height} is {width * height:,})"))
        if self.max_aspect and max(width, height) / min(width, height) > self.max_aspect + 1e-9:
            out.append(Violation("width", "aspect",
                                 f"The longer side may be at most {self.max_aspect:g}× the shorter"))
        return out

    def check_values(self, values: dict) -> list[Violation]:
        width, height = values.get("width"), values.get("height")
        if self.auto and width is None and height is None:
            return []  # both blank: the provider picks ("auto")
        return self.check(width, height)

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
        if self.min_pixels and w * h < self.min_pixels:
            scale = math.sqrt(self.min_pixels / (w * h))
            up = lambda v: min(self.max, math.ceil(v * scale / self.multiple) * self.multiple)
            w, h = up(w), up(h)
        return w, h

    def add_form_fields(self, fields: dict, initial: dict) -> None:
        from django import forms

        help_extra = "; leave both blank and the model picks (auto)" if self.auto else ""
        for name, default in zip(("width", "height"), self.default):
            fields[name] = forms.IntegerField(
                label=label(name), required=not self.auto,
                help_text=f"{self.min}–{self.max}, a multiple of {self.multiple}{help_extra}",
                widget=forms.NumberInput(attrs={"min": self.min, "max": self.max,
                                                "step": self.multiple}))
            initial.setdefault(name, default)

    def describe(self) -> str:
        side = f"{self.min}–{self.max}"
        parts = [f"{side} × {side}"]
        if self.multiple > 1:
            parts.append(f"multiples of {self.multiple}")
        if self.min_pixels:
            parts.append(f"at least {self.min_pixels:,} pixels")
        if self.max_megapixels:
            parts.append(f"at most {round(self.max_megapixels * 1_000_000):,} pixels")
        if self.max_aspect:
            parts.append(f"aspect at most {self.max_aspect:g}:1")
        if self.auto:
            parts.append("or auto")
        return ", ".join(parts)

    def to_dict(self):
        d = {"type": "range", "min": self.min, "max": self.max, "multiple": self.multiple,
             "max_megapixels": self.max_megapixels, "max_aspect": self.max_aspect,
             "default": list(self.default)}
        if self.min_pixels:
            d["min_pixels"] = self.min_pixels
        if self.auto:
            d["auto"] = True
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "SizeRange":
        return cls(min=int(d["min"]), max=int(d["max"]), multiple=int(d.get("multiple") or 1),
                   max_megapixels=d.get("max_megapixels"), max_aspect=d.get("max_aspect"),
                   default=tuple(d.get("default") or (min(1024, int(d["max"])),) * 2),
                   min_pixels=d.get("min_pixels"), auto=bool(d.get("auto")))

    @staticmethod
    def schema_errors(d: dict) -> list[str]:
        out = []
        for key in ("min", "max"):
            if not _is_int(d.get(key)):
                out.append(f"size.{key} must be an integer")
        for key in ("multiple", "min_pixels"):
            if d.get(key) is not None and not (_is_int(d[key]) and d[key] > 0):
                out.append(f"size.{key} must be a positive integer")
        for key in ("max_megapixels", "max_aspect"):
            if d.get(key) is not None and not (_is_number(d[key]) and d[key] > 0):
                out.append(f"size.{key} must be a positive number")
        if "auto" in d and not isinstance(d["auto"], bool):
            out.append("size.auto must be true or false")
        default = d.get("default")
        if default is not None and not (isinstance(default, list) and len(default) == 2
                                        and all(_is_int(v) for v in default)):
            out.append("size.default must be [width, height]")
        if not out and d["min"] > d["max"]:
            out.append("size.min must not exceed size.max")
        return out


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

    def check_values(self, values: dict) -> list[Violation]:
        return self.check(values.get("size"))

    def nearest(self, width: int, height: int) -> str:
        concrete = [s for s in self.sizes if "x" in s]
        return min(concrete, key=lambda s: abs(math.log((_wh(s)[0] / _wh(s)[1]) / (width / height)))
                   + abs(_wh(s)[0] * _wh(s)[1] - width * height) / 1e7)

    def add_form_fields(self, fields: dict, initial: dict) -> None:
        from django import forms

        fields["size"] = forms.ChoiceField(label="Size", choices=[(s, s) for s in self.sizes])
        initial.setdefault("size", self.default)

    def describe(self) -> str:
        return "one of " + ", ".join(self.sizes)

    def to_dict(self):
        return {"type": "list", "sizes": list(self.sizes), "default": self.default or self.sizes[0]}

    @classmethod
    def from_dict(cls, d: dict) -> "SizeList":
        sizes = tuple(d["sizes"])
        return cls(sizes=sizes, default=d.get("default") or sizes[0])

    @staticmethod
    def schema_errors(d: dict) -> list[str]:
        sizes = d.get("sizes")
        if not (isinstance(sizes, list) and sizes and all(isinstance(s, str) for s in sizes)):
            return ["size.sizes must be a non-empty list of \"WxH\" strings"]
        bad = [s for s in sizes if s != AUTO and not _parse_wh(s)]
        if bad:
            return [f"size.sizes has {bad[0]!r}, which is neither \"WxH\" nor \"auto\""]
        if d.get("default") not in (None, *sizes):
            return ["size.default must be one of size.sizes"]
        return []


def _parse_wh(text: str) -> bool:
    w, sep, h = text.partition("x")
    return bool(sep) and w.isdecimal() and h.isdecimal()


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

    def check_values(self, values: dict) -> list[Violation]:
        return self.check(values.get("aspect_ratio"))

    def nearest(self, width: int, height: int) -> str:
        def value(r):
            a, _, b = r.partition(":")
            return float(a) / float(b)
        return min(self.ratios, key=lambda r: abs(math.log(value(r) / (width / height))))

    def add_form_fields(self, fields: dict, initial: dict) -> None:
        from django import forms

        fields["aspect_ratio"] = forms.ChoiceField(label="Aspect ratio",
                                                   choices=[(r, r) for r in self.ratios])
        initial.setdefault("aspect_ratio", self.default)

    def describe(self) -> str:
        return "aspect ratio " + ", ".join(self.ratios)

    def to_dict(self):
        return {"type": "aspect", "ratios": list(self.ratios), "default": self.default or self.ratios[0]}

    @classmethod
    def from_dict(cls, d: dict) -> "AspectRatios":
        ratios = tuple(d["ratios"])
        return cls(ratios=ratios, default=d.get("default") or ratios[0])

    @staticmethod
    def schema_errors(d: dict) -> list[str]:
        ratios = d.get("ratios")
        if not (isinstance(ratios, list) and ratios and all(isinstance(r, str) for r in ratios)):
            return ["size.ratios must be a non-empty list of \"W:H\" strings"]
        for r in ratios:
            a, sep, b = r.partition(":")
            try:
                ok = bool(sep) and float(a) > 0 and float(b) > 0
            except ValueError:
                ok = False
            if not ok:
                return [f"size.ratios has {r!r}, which is not \"W:H\""]
        if d.get("default") not in (None, *ratios):
            return ["size.default must be one of size.ratios"]
        return []


SIZE_KINDS = {"range": SizeRange, "list": SizeList, "aspect": AspectRatios}
SizeRule = SizeRange | SizeList | AspectRatios


def size_from_dict(d: dict) -> SizeRule:
    cls = SIZE_KINDS.get(d.get("type"))
    if cls is None:
        raise ValueError(f"Unknown size rule type {d.get('type')!r}: use range, list or aspect")
    return cls.from_dict(d)


def size_schema_errors(d: Any) -> list[str]:
    if not isinstance(d, dict):
        return ["size must be an object"]
    cls = SIZE_KINDS.get(d.get("type"))
    if cls is None:
        return [f"size.type must be one of {', '.join(SIZE_KINDS)}"]
    return cls.schema_errors(d)
