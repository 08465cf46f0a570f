"""What the two marketplace adapters (fal, Replicate) share: their wire maps,
which say under which input names a model takes images, a mask, a strength
and a count, and the trust rule for the status URLs a provider hands back."""
from __future__ import annotations

from typing import Any

import httpx

from .base import GenerationRequest
from .inputs import data_uri, mask_black_marks_edit


def wire_map(options: dict, model: str, defaults: dict[str, dict]) -> dict[str, Any]:
    """The wire map staff's schema import stored on the connection, else the built-in one."""
    stored = (options.get("wire") or {}).get(model) if isinstance(options.get("wire"), dict) else None
    return dict(stored) if isinstance(stored, dict) else dict(defaults.get(model, {}))


def image_fields(request: GenerationRequest, wire: dict[str, Any]) -> dict[str, Any]:
    """The input images, mask and strength of an edit, as data URIs under the model's names."""
    out: dict[str, Any] = {}
    images = [data_uri(data) for data in request.images_in]
    if images and wire.get("images"):
        if wire.get("images_list"):
            out[wire["images"]] = images
        else:
            out[wire["images"]] = images[0]
            if len(images) > 1 and wire.get("references"):
                out[wire["references"]] = images[1:]
    if request.mask is not None and wire.get("mask"):
        mask = mask_black_marks_edit(request.mask) if wire.get("mask_black") else request.mask
        out[wire["mask"]] = data_uri(mask)
    if request.strength is not None and wire.get("strength"):
        out[wire["strength"]] = request.strength
    return out


def same_origin(url: httpx.URL, base: httpx.URL) -> bool:
    return (url.scheme, (url.host or "").lower(), url.port) == (
        base.scheme, (base.host or "").lower(), base.port)
