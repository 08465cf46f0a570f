"""What the two marketplace adapters (fal, Replicate) share: their wire maps,
which say under which input names a model takes images, a mask, a strength
and a count; the optional input fields; the trust rule for the status URLs a
provider hands back; and the wait on a queued request."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from .base import CancelledError, GenerationRequest, Hooks, ProviderError

# Transient poll failures (5xx, 429, network) tolerated in a row before giving
# up: a failed request is resubmitted and paid again, so ride out short hiccups.
MAX_POLL_HICCUPS = 5
T = TypeVar("T")
from .inputs import data_uri, mask_black_marks_edit


def wire_map(options: dict, model: str, defaults: dict[str, dict]) -> dict[str, Any]:
    """The wire map staff's schema import stored on the connection, else the built-in one."""
    stored = (options.get("wire") or {}).get(model) if isinstance(options.get("wire"), dict) else None
    return dict(stored) if isinstance(stored, dict) else dict(defaults.get(model, {}))


def optional_fields(request: GenerationRequest, takes, wire: dict[str, Any]) -> dict[str, Any]:
    """Seed, negative prompt, output format and extras the model takes, then the edit inputs."""
    out: dict[str, Any] = {}
    for name in ("seed", "negative_prompt", "output_format"):
        value = getattr(request, name)
        if value not in (None, "") and name in takes:
            out[name] = value
    out.update({k: v for k, v in request.extras.items() if v not in (None, "") and k in takes})
    out.update(image_fields(request, wire))
    return out


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


def joined_url(base: httpx.URL, raw: Any) -> httpx.URL | None:
    """``raw`` (absolute, or relative to ``base``) as a URL; None if missing or malformed."""
    try:
        return base.join(str(raw)) if raw else None
    except httpx.InvalidURL:
        return None


def queue_wait(*, fetch: Callable[[], T], done: Callable[[T], bool], hooks: Hooks,
               interval: float, timeout: float, cancel: Callable[[], None],
               timed_out: Callable[[], ProviderError]) -> T:
    """Poll ``fetch`` every ``interval`` seconds until ``done`` says its answer is final.

    A stop asked by the user, or ``timeout`` passing, first calls ``cancel`` (an
    aborted request is not charged). A passing ``fetch`` failure is retried up to
    MAX_POLL_HICCUPS times in a row; a permanent one is raised at once.
    """
    sleep = hooks.sleep or time.sleep
    ends, hiccups = time.monotonic() + timeout, 0
    while True:
        if hooks.cancelled():
            cancel()
            raise CancelledError()
        if time.monotonic() > ends:
            cancel()
            raise timed_out()
        sleep(interval)
        try:
            answer = fetch()
        except ProviderError as exc:
            hiccups += 1
            if exc.permanent or hiccups > MAX_POLL_HICCUPS:
                raise
            continue
        hiccups = 0
        if done(answer):
            return answer
