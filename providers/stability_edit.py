"""Stability's v2beta edit and upscale endpoints.

Each is a catalog model whose id names its endpoint:
``inpaint``, ``outpaint``, ``erase``, ``search-and-replace``,
``remove-background`` → ``/v2beta/stable-image/edit/<id>``; ``upscale-fast``,
``upscale-conservative``, ``upscale-creative`` → ``/v2beta/stable-image/upscale/<kind>``.
All take multipart with the source as ``image``; inpaint and erase take a
greyscale ``mask`` (white is changed: ours is converted). fast and
conservative answer the image at once; creative answers ``{"id"}`` and the
image is fetched from ``GET /v2beta/results/{id}`` (202 while it runs, 200
with the image, kept 24 hours).
"""
from __future__ import annotations

import time

from .base import CancelledError, GenerationRequest, GenerationResult, Hooks, ProviderError
from .masks import white_where_editable

EDITS = ("inpaint", "outpaint", "erase", "search-and-replace", "remove-background")
UPSCALES = ("fast", "conservative", "creative")
# What each endpoint reads besides ``image``, in the catalog's parameter names.
TAKES_PROMPT = ("inpaint", "outpaint", "search-and-replace", "upscale-conservative",
                "upscale-creative")
TAKES_MASK = ("inpaint", "erase")
_STANDARD = ("negative_prompt", "seed", "output_format")
_POLL_SECONDS = 3.0


def edit_path(model: str) -> str | None:
    if model in EDITS:
        return f"/v2beta/stable-image/edit/{model}"
    if model.startswith("upscale-") and model.removeprefix("upscale-") in UPSCALES:
        return f"/v2beta/stable-image/upscale/{model.removeprefix('upscale-')}"
    return None


def edit_files(request: GenerationRequest, takes) -> list[tuple]:
    """The multipart parts: ``image``, ``mask`` where taken, then the text fields."""
    if not request.images_in:
        raise ProviderError(f"{request.model} needs an input image", permanent=True,
                            code="input_required")
    model = request.model
    files: list[tuple] = [("image", ("image", request.images_in[0], "application/octet-stream"))]
    if request.mask and model in TAKES_MASK:
        files.append(("mask", ("mask.png", white_where_editable(request.mask), "image/png")))
    fields = {}
    if model in TAKES_PROMPT and request.prompt:
        fields["prompt"] = request.prompt
    for name in _STANDARD:
        value = getattr(request, name)
        if value not in (None, "") and (takes is None or name in takes):
            fields[name] = value
    for name, value in request.extras.items():
        if value not in (None, "") and (takes is None or name in takes):
            fields[name] = value
    return files + [(name, (None, str(value))) for name, value in fields.items()]


def edit(adapter, request: GenerationRequest, path: str, takes, hooks: Hooks) -> GenerationResult:
    response = adapter.send("POST", adapter.url(path), files=edit_files(request, takes),
                            headers={**adapter._auth(), "accept": "image/*"})
    if request.model != "upscale-creative":
        return adapter.image_answer(response)
    if response.status_code != 200:
        raise adapter._error(response)
    body = adapter.json_body(response)
    task_id = body.get("id") if isinstance(body, dict) else None
    if not isinstance(task_id, str) or not task_id:
        raise ProviderError("Stability accepted the upscale but returned no id", permanent=True,
                            code="bad_response")
    return _poll(adapter, task_id, hooks)


def _poll(adapter, task_id: str, hooks: Hooks) -> GenerationResult:
    options = adapter.connection.options
    interval = float(options.get("poll_interval") or _POLL_SECONDS)
    timeout = float(options.get("poll_timeout") or 600.0)
    sleep = hooks.sleep or time.sleep
    deadline = time.monotonic() + timeout
    while True:
        if time.monotonic() > deadline:
            raise ProviderError(f"Stability did not finish upscale {task_id} within {timeout:g} s",
                                permanent=False, code="timeout", request_id=task_id)
        sleep(interval)
        if hooks.cancelled():
            raise CancelledError()
        response = adapter.send("GET", adapter.url(f"/v2beta/results/{task_id}"),
                                headers={**adapter._auth(), "accept": "image/*"})
        if response.status_code == 202:  # still running
            continue
        result = adapter.image_answer(response)
        result.request_id = result.request_id or task_id
        return result
