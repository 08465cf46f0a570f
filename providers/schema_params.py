"""A model's published input schema (JSON Schema) turned into a catalog entry.

Replicate publishes each model version's OpenAPI schema (input at
``components.schemas.Input``) and fal one per endpoint; staff add a model by
its id and the compose form follows the schema: integer and number
properties with their bounds, enums as choices, booleans, short strings.
``width``/``height``, ``aspect_ratio`` or fal's ``image_size`` become the size
rule; image, mask and strength properties become the ``inputs`` capability.

Where each of those went on the wire (``image_input`` or ``image_urls``,
``num_outputs`` or ``num_images``…) is returned beside the entry as the
model's *wire map*, which the adapter reads from the connection's options.
"""
from __future__ import annotations

import re
from typing import Any

RATIO = re.compile(r"^\d+(\.\d+)?:\d+(\.\d+)?$")
# fal's named sizes, as its image_size enum spells them.
FAL_SIZES = {"square_hd": "1024x1024", "square": "512x512", "portrait_4_3": "768x1024",
             "portrait_16_9": "576x1024", "landscape_4_3": "1024x768",
             "landscape_16_9": "1024x576"}
COUNT_NAMES = ("num_outputs", "num_images", "number_of_images", "n", "max_images")
STRENGTH_NAMES = ("strength", "prompt_strength", "image_strength")
MASK_NAMES = ("mask", "mask_url", "mask_image", "mask_image_url")
# Never offered to members: where the provider would send results, or a key of theirs.
HIDDEN = re.compile(r"webhook|api_key|token|secret|password|sync_mode|^prompt$")
STANDARD = {"seed": "seed", "negative_prompt": "negative_prompt", "output_format": "output_format"}
MAX_TEXT = 2000


def _resolve(prop: Any, components: dict) -> dict:
    """A property with ``$ref``/``allOf``/``anyOf`` of a single enum folded in."""
    if not isinstance(prop, dict):
        return {}
    out = dict(prop)
    ref = out.pop("$ref", None)
    if isinstance(ref, str):
        out = {**_resolve(components.get(ref.rsplit("/", 1)[-1], {}), components), **out}
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in out.pop(key, None) or []:
            sub = _resolve(sub, components)
            if "enum" in sub and "enum" not in out:
                out.update({k: v for k, v in sub.items() if k not in out or k == "enum"})
            elif "type" not in out and sub.get("type") not in (None, "null"):
                out.setdefault("type", sub.get("type"))
                for k in ("minimum", "maximum", "items", "format", "maxItems"):
                    if k in sub:
                        out.setdefault(k, sub[k])
    return out


def _is_uri(prop: dict) -> bool:
    return prop.get("format") in ("uri", "binary", "data-url") or prop.get("type") == "file"


def _number(value: Any) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _param(name: str, prop: dict) -> Any:
    kind = prop.get("type")
    default = prop.get("default")
    help_text = str(prop.get("description") or "")[:200]
    if "enum" in prop:
        choices = [str(c) for c in prop["enum"] if c is not None]
        if not choices:
            return None
        return {"type": "choice", "choices": choices,
                "default": str(default) if default in prop["enum"] else choices[0],
                **({"help": help_text} if help_text else {})}
    if kind in ("integer", "number"):
        low, high = _number(prop.get("minimum")), _number(prop.get("maximum"))
        param: dict[str, Any] = {"type": "int" if kind == "integer" else "float"}
        if low is not None and high is not None:
            param.update(min=low, max=high)
        if _number(default) is not None:
            param["default"] = default
    elif kind == "boolean":
        param = {"type": "bool", "default": bool(default)}
    elif kind == "string" and not _is_uri(prop):
        param = {"type": "text", "max": min(int(prop.get("maxLength") or MAX_TEXT), MAX_TEXT)}
        if isinstance(default, str) and default:
            param["default"] = default
    else:
        return None
    if help_text:
        param["help"] = help_text
    return param


def entry_from_schema(model_id: str, schema: dict, components: dict | None = None, *,
                      label: str = "", notes: str = "") -> tuple[dict, dict]:
    """(catalog entry, wire map) for a model whose input JSON schema is ``schema``."""
    components = components or {}
    props = {name: _resolve(p, components)
             for name, p in (schema.get("properties") or {}).items()}
    wire: dict[str, Any] = {}
    params: dict[str, Any] = {}
    inputs: dict[str, Any] = {"max_images": 0, "mask": False, "strength": False, "operations": []}
    size: dict[str, Any] | None = None
    max_n = 1
    ratios = [str(r) for r in props.get("aspect_ratio", {}).get("enum") or [] if RATIO.match(str(r))]
    if ratios:
        default = props["aspect_ratio"].get("default")
        size = {"type": "aspect", "ratios": ratios,
                "default": default if default in ratios else ("1:1" if "1:1" in ratios else ratios[0])}
        wire["size"] = "aspect_ratio"
    elif props.get("width", {}).get("type") == "integer" and props.get("height", {}).get("type") == "integer":
        w, h = props["width"], props["height"]
        low = int(max(_number(w.get("minimum")) or 64, _number(h.get("minimum")) or 64))
        high = int(min(_number(w.get("maximum")) or 2048, _number(h.get("maximum")) or 2048))
        size = {"type": "range", "min": low, "max": high,
                "default": [int(_number(w.get("default")) or min(1024, high)),
                            int(_number(h.get("default")) or min(1024, high))]}
        wire["size"] = "width_height"
    elif "image_size" in props:
        named = [FAL_SIZES[s] for s in props["image_size"].get("enum") or [] if s in FAL_SIZES]
        sizes = list(dict.fromkeys(named or FAL_SIZES.values()))
        size = {"type": "list", "sizes": sizes, "default": sizes[0]}
        wire["size"] = "image_size"
    for name, prop in props.items():
        if name in ("aspect_ratio", "width", "height", "image_size") and wire.get("size"):
            continue
        if HIDDEN.search(name):
            continue
        if name in COUNT_NAMES and prop.get("type") == "integer":
            max_n = int(_number(prop.get("maximum")) or 1)
            wire["count"] = name
            continue
        if name in MASK_NAMES:
            inputs["mask"], wire["mask"] = True, name
            continue
        if name in STRENGTH_NAMES and prop.get("type") == "number":
            inputs["strength"], wire["strength"] = True, name
            continue
        items = _resolve(prop.get("items"), components) if prop.get("type") == "array" else {}
        if prop.get("type") == "array" and _is_uri(items) and "image" in name:
            if "images" not in wire:
                wire["images"], wire["images_list"] = name, True
                inputs["max_images"] = int(_number(prop.get("maxItems")) or 4)
            continue
        if _is_uri(prop) or (prop.get("type") == "string" and "image" in name and "url" in name):
            if "image" in name and "images" not in wire:
                wire["images"], wire["images_list"] = name, False
                inputs["max_images"] = 1
            continue
        param = _param(name, prop)
        if param is not None:
            params[name] = STANDARD.get(name) if name == "seed" else param
    if wire.get("images"):
        inputs["operations"] = ["edit", "reference"] if wire["images_list"] else ["edit"]
        if inputs["mask"]:
            inputs["operations"].append("inpaint")
    entry = {"id": model_id, "label": label or model_id, "status": "unknown",
             "shutdown_date": None, "replacement": None,
             "notes": notes or "Added by staff; its fields were read from the provider's schema.",
             "size": size or {"type": "list", "sizes": ["auto"]}, "max_n": max(1, max_n),
             "params": params, "price": None}
    if "prompt" not in props:
        entry["notes"] += " ⚠ Its schema has no prompt field."
    if wire.get("images"):
        entry["inputs"] = inputs
        # A model whose image field is required cannot generate from text alone.
        if wire["images"] in (schema.get("required") or []):
            entry["needs_image"] = True
    return entry, wire
