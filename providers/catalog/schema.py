"""The catalog file schema, checked in Python so every error names entry and field.

A catalog file is one kind's object, or a list of them::

    {"kind": "openai", "about": "…", "template": {…}, "models": [{…}, …]}

An entry (a model) holds its rules and its lifecycle:

    id            the wire id, required
    label         shown to members
    status        active | deprecated | shutdown | legacy | unknown
    shutdown_date "YYYY-MM-DD" or null
    replacement   the model id to use instead, or null
    notes         one or two sentences for the picker and the docs
    extends       the id of another entry of the same kind whose rules this
                  one copies (its own keys win; lifecycle is never copied)
    size          {"type": "range" | "list" | "aspect", …}: see providers.sizes
    max_n, params, prompt_max, needs_image, latency_s
    price         null, a USD string, or a price shape (providers.pricing)

Errors read "openai/gpt-image-2: size.max must be an integer".
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from ..rules import STATUSES, size_schema_errors

ENTRY_KEYS = {"id", "label", "status", "shutdown_date", "replacement", "notes", "extends", "size",
              "max_n", "params", "prompt_max", "needs_image", "latency_s", "price", "kind",
              "inputs"}
LIFECYCLE_KEYS = ("status", "shutdown_date", "replacement")
FILE_KEYS = {"kind", "about", "template", "models"}
PARAM_TYPES = ("int", "float", "choice", "bool", "text", "seed")


class CatalogError(ValueError):
    """A catalog file (shipped or uploaded) breaks the schema; ``errors`` says where."""

    def __init__(self, errors: list[str], source: str = ""):
        self.errors = errors
        where = f"{source}: " if source else ""
        super().__init__(where + "; ".join(errors[:20])
                         + (f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""))


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _decimal_ok(v) -> bool:
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        return False
    try:
        return Decimal(str(v)).is_finite() and Decimal(str(v)) >= 0
    except InvalidOperation:
        return False


def param_errors(name: str, p: Any) -> list[str]:
    where = f"params.{name}"
    if isinstance(p, str):
        p = {"type": p}
    if not isinstance(p, dict):
        return [f"{where} must be an object or a type name"]
    kind = p.get("type")
    if kind not in PARAM_TYPES:
        return [f"{where}.type must be one of {', '.join(PARAM_TYPES)}"]
    out = []
    for key in ("min", "max"):
        if p.get(key) is not None and not _is_num(p[key]):
            out.append(f"{where}.{key} must be a number")
    if kind == "choice":
        choices = p.get("choices")
        if not (isinstance(choices, list) and choices and all(isinstance(c, str) for c in choices)):
            out.append(f"{where}.choices must be a non-empty list of strings")
        elif p.get("default") is not None and p["default"] not in choices:
            out.append(f"{where}.default must be one of {where}.choices")
    if kind == "int" and p.get("default") is not None and not _is_int(p["default"]):
        out.append(f"{where}.default must be an integer")
    if kind == "bool" and p.get("default") is not None and not isinstance(p["default"], bool):
        out.append(f"{where}.default must be true or false")
    if p.get("help") is not None and not isinstance(p["help"], str):
        out.append(f"{where}.help must be text")
    return out


def price_errors(price: Any) -> list[str]:
    if price is None:
        return []
    if isinstance(price, dict):
        from .. import pricing

        out = [f"price.{key}: must be a USD amount" for key in ("usd", "headline")
               if key in price and price[key] is not None and not _decimal_ok(price[key])]
        return out + [f"price: {text}" for text in pricing.price_errors(price)]
    if not _decimal_ok(price):
        return ["price must be null, a USD amount such as \"0.04\", or a price object"]
    return []


def entry_errors(entry: Any, *, partial: bool = False) -> list[str]:
    """What is wrong with one entry; ``partial`` entries (overrides of a known id,
    or ``extends``) may leave out the rules."""
    if not isinstance(entry, dict):
        return ["must be an object"]
    out = [f"{key} is not a catalog field" for key in sorted(set(entry) - ENTRY_KEYS)]
    if not isinstance(entry.get("id"), str) or not entry.get("id").strip():
        out.append("id must be a non-empty string")
    for key in ("label", "notes", "extends"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            out.append(f"{key} must be text")
    if "status" in entry and entry["status"] not in STATUSES:
        out.append(f"status must be one of {', '.join(STATUSES)}")
    if entry.get("shutdown_date") is not None:
        try:
            date.fromisoformat(entry["shutdown_date"])
        except (TypeError, ValueError):
            out.append("shutdown_date must be a date written YYYY-MM-DD, or null")
    if entry.get("replacement") is not None and not isinstance(entry["replacement"], str):
        out.append("replacement must be a model id, or null")
    if "size" in entry:
        out += size_schema_errors(entry["size"])
    elif not partial and not entry.get("extends"):
        out.append("size is required")
    for key in ("max_n", "prompt_max"):
        if key in entry and not (_is_int(entry[key]) and entry[key] >= 1):
            out.append(f"{key} must be a positive integer")
    if "latency_s" in entry and not (_is_num(entry["latency_s"]) and entry["latency_s"] >= 0):
        out.append("latency_s must be a number of seconds")
    if "needs_image" in entry and not isinstance(entry["needs_image"], bool):
        out.append("needs_image must be true or false")
    if "params" in entry:
        if not isinstance(entry["params"], dict):
            out.append("params must be an object")
        else:
            for name, p in entry["params"].items():
                out += param_errors(name, p)
    if "price" in entry:
        out += price_errors(entry["price"])
    if "inputs" in entry:
        out += inputs_errors(entry["inputs"])
    return out


OPERATIONS = ("edit", "reference", "inpaint", "outpaint", "erase", "search_replace",
              "upscale", "remove_background", "variation")
INPUT_KEYS = {"max_images", "mask", "strength", "operations"}


def inputs_errors(inputs: Any) -> list[str]:
    """The image inputs a model takes: ``{"max_images": 16, "mask": true,
    "strength": false, "operations": ["edit", "reference", ...]}``; absent or
    null means text only."""
    if inputs is None:
        return []
    if not isinstance(inputs, dict):
        return ["inputs must be an object or null"]
    out = [f"inputs.{key} is not an inputs field" for key in sorted(set(inputs) - INPUT_KEYS)]
    if "max_images" in inputs and not (_is_int(inputs["max_images"]) and inputs["max_images"] >= 0):
        out.append("inputs.max_images must be a whole number, 0 or more")
    for key in ("mask", "strength"):
        if key in inputs and not isinstance(inputs[key], bool):
            out.append(f"inputs.{key} must be true or false")
    ops = inputs.get("operations", [])
    if not isinstance(ops, list) or any(op not in OPERATIONS for op in ops):
        out.append(f"inputs.operations must be a list drawn from {', '.join(OPERATIONS)}")
    return out


def file_errors(data: Any, *, known: dict[str, set[str]] | None = None,
                kinds: set[str] | None = None) -> list[str]:
    """Every schema error in a catalog file, each naming "kind/id: field …".

    ``known`` maps kind → ids already in the catalog: an entry naming one of
    them is an override and may give only the fields it changes.
    """
    blocks = data if isinstance(data, list) else [data]
    out: list[str] = []
    for i, block in enumerate(blocks):
        if not isinstance(block, dict):
            out.append(f"item {i + 1}: must be an object with \"kind\" and \"models\"")
            continue
        kind = block.get("kind")
        if not isinstance(kind, str) or (kinds is not None and kind not in kinds):
            out.append(f"item {i + 1}: kind must be one of {', '.join(sorted(kinds or ()))}"
                       if kinds else f"item {i + 1}: kind must be a string")
            continue
        out += [f"{kind}: {key} is not a catalog file field" for key in sorted(set(block) - FILE_KEYS)]
        models = block.get("models", [])
        if not isinstance(models, list):
            out.append(f"{kind}: models must be a list")
            continue
        if block.get("template") is not None:
            out += [f"{kind}/template: {e}" for e in entry_errors(block["template"])]
        ids = [m.get("id") for m in models if isinstance(m, dict)]
        have = set(ids) | (known or {}).get(kind, set())
        seen: set[str] = set()
        for n, entry in enumerate(models):
            name = entry.get("id") if isinstance(entry, dict) and isinstance(entry.get("id"), str) \
                else f"#{n + 1}"
            partial = name in (known or {}).get(kind, set())
            errors = entry_errors(entry, partial=partial)
            if name in seen:
                errors.append("appears twice in this file")
            seen.add(name)
            if isinstance(entry, dict):
                for key in ("extends", "replacement"):
                    ref = entry.get(key)
                    if isinstance(ref, str) and ref and ref not in have:
                        errors.append(f"{key} names {ref!r}, which is not a {kind} model")
            out += [f"{kind}/{name}: {e}" for e in errors]
    return out
