"""What a provider's failure means, and the helpers that read one from an answer.

A ProviderError says whether retrying can help (``permanent``); its text is
what a person sees, so every helper here redacts the connection's secrets.
"""
from __future__ import annotations

from typing import Any

import httpx


class ProviderError(Exception):
    """A failed provider call.

    ``permanent`` errors (bad key, invalid input, content policy) are never
    retried; passing ones (429, 5xx, timeouts) may be, after ``retry_after``.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        status: int | None = None,
        retry_after: float | None = None,
        code: str = "error",
        request_id: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.status = status
        self.retry_after = retry_after
        self.code = code
        self.request_id = request_id

    def __str__(self) -> str:
        return self.message


class ContentPolicyError(ProviderError):
    """The provider refused the prompt or its output on content grounds."""

    def __init__(self, message: str, **kw):
        kw.setdefault("code", "content_policy")
        super().__init__(message, permanent=True, **kw)


class CancelledError(Exception):
    """The job was cancelled while the adapter was waiting on the provider."""


def redact(text: str, *secrets: str) -> str:
    """Remove secrets from text that may reach a user or a log (see ``secrets.redact``)."""
    from .secrets import redact as redact_all

    return redact_all(text, secrets)


def parse_retry_after(headers: httpx.Headers) -> float | None:
    """Seconds to wait, from retry-after-ms or retry-after (seconds or HTTP date)."""
    if ms := headers.get("retry-after-ms"):
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime
        from datetime import datetime, timezone

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def error_for_status(
    response: httpx.Response, message: str, *, secrets: tuple[str, ...] = (), code: str | None = None
) -> ProviderError:
    """Map an HTTP error status to a ProviderError that says whether to retry."""
    status = response.status_code
    message = redact(message or response.reason_phrase or f"HTTP {status}", *secrets)
    request_id = response.headers.get("x-request-id")
    if status in (401, 403):
        return ProviderError(
            f"The provider rejected the API key ({status}): {message}",
            permanent=True, status=status, code=code or "auth", request_id=request_id,
        )
    if status == 429:
        return ProviderError(
            f"Rate limited by the provider: {message}", permanent=False, status=status,
            retry_after=parse_retry_after(response.headers), code=code or "rate_limit",
            request_id=request_id,
        )
    if status >= 500 or status in (408, 409):
        return ProviderError(
            f"The provider had a server error ({status}): {message}", permanent=False,
            status=status, retry_after=parse_retry_after(response.headers),
            code=code or "server", request_id=request_id,
        )
    return ProviderError(
        f"The provider rejected the request ({status}): {message}", permanent=True,
        status=status, code=code or "invalid", request_id=request_id,
    )


def json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def page_text(response: httpx.Response) -> str:
    """A non-JSON body as words for an error: its first 300 characters, or "" for an
    HTML page (a proxy's or gateway's, never worth showing a user)."""
    text = response.text.strip()
    return "" if text.startswith("<") else text[:300]


def option_seconds(options: dict, name: str, default: float) -> float:
    """A duration from a connection's options (poll_interval, poll_timeout…)."""
    value = options.get(name)
    return default if value in (None, "") else float(value)


def transport_error(exc: httpx.HTTPError, *, secrets: tuple[str, ...] = ()) -> ProviderError:
    """A network-level failure: always worth retrying."""
    if isinstance(exc, httpx.TimeoutException):
        text, code = "The provider did not answer in time", "timeout"
    elif isinstance(exc, httpx.ConnectError):
        text, code = "Could not connect to the provider", "connect"
    else:
        text, code = "Network error talking to the provider", "network"
    detail = redact(str(exc), *secrets)
    return ProviderError(f"{text}: {detail}" if detail else text, permanent=False, code=code)
