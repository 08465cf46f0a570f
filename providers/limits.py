"""How long a provider may take and how much it may send.

Each limit has a default here, an environment setting for the whole studio,
and, for the time limits, a per-connection option staff set in the admin:

- ``timeout`` (connection option, seconds, default 300): the wall-clock limit
  of one provider call, headers and body together, however slowly it drips.
- ``download_timeout`` (connection option, seconds, default 120): the same for
  fetching one result image, redirects included.
- ``STUDIO_MAX_RESPONSE_BYTES`` (default 64 MB): a provider's JSON or text
  answer, counted after gzip is undone. It holds one 48 MB image in base64.
- ``STUDIO_MAX_DOWNLOAD_BYTES`` (default 50 MB): one image, downloaded or
  inline (base64 in JSON), counted after decoding.

A job's own deadline, when the job engine passes one, ends every call earlier.
"""
from __future__ import annotations

import os
import zlib

import httpx

from .base import ProviderError

MB = 2**20
DEFAULT_CALL_SECONDS = 300.0
DEFAULT_DOWNLOAD_SECONDS = 120.0
DEFAULT_RESPONSE_BYTES = 64 * MB
DEFAULT_IMAGE_BYTES = 50 * MB
# Provider text we keep: an error message, a revised prompt, a request id.
MAX_MESSAGE_CHARS = 2000
MAX_PROMPT_CHARS = 4000
MAX_REQUEST_ID_CHARS = 200  # JobAttempt.request_id is a CharField(200)
MAX_USAGE_CHARS = 8000
# Seeds are stored in a signed 64-bit column; ComfyUI's go to 2**64 - 1.
SEED_RANGE = range(0, 2**63)
_INFLATE_STEP = 256 * 1024  # decoded bytes produced per step, so a bomb never lands at once


def _setting(name: str, default: int) -> int:
    """A byte limit from Django settings, else the environment, else ``default``."""
    try:
        from django.conf import settings

        if settings.configured and hasattr(settings, name):
            return int(getattr(settings, name))
    except ImportError:  # pragma: no cover - adapters run without Django in scripts
        pass
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip().isdecimal() else default


def max_response_bytes() -> int:
    return _setting("STUDIO_MAX_RESPONSE_BYTES", DEFAULT_RESPONSE_BYTES)


def max_image_bytes() -> int:
    return _setting("STUDIO_MAX_DOWNLOAD_BYTES", DEFAULT_IMAGE_BYTES)


def seconds_option(options: dict, name: str, default: float) -> float:
    """A positive duration from a connection's options; nonsense gives the default."""
    try:
        value = float(options.get(name) or default)
    except (TypeError, ValueError):
        return default
    return value if 0 < value < float("inf") else default


def too_large(limit: int, what: str = "answer") -> ProviderError:
    return ProviderError(f"The provider's {what} is larger than the {limit / MB:g} MB limit",
                         permanent=True, code="too_large")


class _Inflater:
    """gzip or zlib ("deflate"), undone a step at a time."""

    def __init__(self):
        self._z = zlib.decompressobj(zlib.MAX_WBITS | 32)  # 32: either header

    def feed(self, data: bytes):
        while data and not self._z.eof:
            try:
                piece = self._z.decompress(data, _INFLATE_STEP)
            except zlib.error:
                raise ProviderError("The provider sent a compressed answer that is corrupt",
                                    permanent=False, code="bad_response") from None
            yield piece
            data = self._z.unconsumed_tail


class _Identity:
    def feed(self, data: bytes):
        yield data


def _decoder(encoding: str):
    codings = [c.strip() for c in encoding.lower().split(",") if c.strip() not in ("", "identity")]
    if not codings:
        return _Identity()
    if codings in (["gzip"], ["x-gzip"], ["deflate"]):
        return _Inflater()
    raise ProviderError(f"The provider answered in an encoding we did not ask for ({encoding[:40]})",
                        permanent=True, code="bad_response")


def read_capped(response: httpx.Response, limit: int, what: str = "answer") -> bytes:
    """The body, decoded while it streams; ProviderError once it passes ``limit``.

    A declared length over the limit is refused before a byte is read; a gzip
    bomb is refused as soon as its decoded bytes pass the limit.
    """
    decoder = _decoder(response.headers.get("content-encoding", ""))
    if isinstance(decoder, _Identity) and int(response.headers.get("content-length") or 0) > limit:
        raise too_large(limit, what)
    body = bytearray()
    for raw in response.iter_raw():
        for piece in decoder.feed(raw):
            if len(body) + len(piece) > limit:
                raise too_large(limit, what)
            body += piece
    return bytes(body)


_DROPPED_HEADERS = {"content-encoding", "content-length", "transfer-encoding"}


class ReadResponse(httpx.Response):
    """A response whose body is already read; ``json()`` fails only with ValueError."""

    def json(self, **kwargs):
        try:
            return super().json(**kwargs)
        except RecursionError:  # "[[[[…" a million deep: every adapter expects ValueError
            raise ValueError("The JSON is nested too deeply") from None


def with_body(response: httpx.Response, body: bytes) -> httpx.Response:
    """A finished response holding the decoded ``body``, for adapters to read as usual."""
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _DROPPED_HEADERS]
    extensions = {k: v for k, v in response.extensions.items() if k in ("http_version", "reason_phrase")}
    return ReadResponse(response.status_code, headers=headers, content=body,
                        request=response.request, extensions=extensions)
