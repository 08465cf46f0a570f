"""Fetching a provider's result URL at once, before it expires.

Only http(s) URLs on a public address, or on the connection's own host, are
fetched (a hostile gateway must not make us read our own network), with a
size cap, a timeout, a content-type check and Pillow verification.
"""
from __future__ import annotations

import ipaddress
import socket
import time
from typing import Callable
from urllib.parse import urlsplit

import httpx

from .base import CancelledError, ProviderError, redact, transport_error
from .images import BadImage, inspect_image

DOWNLOAD_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
MAX_REDIRECTS = 3


def _host_is_public(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror:
        return False
    return all(ipaddress.ip_address(info[4][0].split("%")[0]).is_global for info in infos)


def check_url(url: str, own_host: str | None) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProviderError("The provider returned an image address that is not http(s)",
                            permanent=True, code="bad_url")
    if own_host and parts.hostname.lower() == own_host.lower():
        return
    if not _host_is_public(parts.hostname):
        raise ProviderError("The provider returned an image address on a private network; refused",
                            permanent=True, code="bad_url")


def download_image(url: str, *, client: httpx.Client, own_host: str | None,
                   max_bytes: int, secrets: tuple[str, ...] = (), deadline: float | None = None,
                   should_stop: Callable[[], bool] = lambda: False) -> bytes:
    """The image bytes at ``url``; ProviderError if it cannot be had safely.

    ``deadline`` (time.monotonic() seconds) and ``should_stop`` are the job's:
    no new hop starts past the one or once the other turns true.
    """
    # Redirects are followed by hand so that every hop passes check_url (a
    # signed link that bounces to a CDN is common; one that bounces to
    # 127.0.0.1 must not be followed).
    for _ in range(MAX_REDIRECTS + 1):
        if should_stop() or (deadline is not None and time.monotonic() >= deadline):
            raise CancelledError()
        check_url(url, own_host)
        try:
            with client.stream("GET", url, timeout=DOWNLOAD_TIMEOUT, follow_redirects=False) as response:
                if response.is_redirect:
                    url = str(response.url.join(response.headers["location"]))
                    continue
                chunks = _read(response, max_bytes)
        except httpx.HTTPError as exc:
            raise transport_error(exc, secrets=secrets) from None
        break
    else:
        raise ProviderError("The image address redirected too many times", permanent=True,
                            code="download")
    data = b"".join(chunks)
    try:
        inspect_image(data)
    except BadImage as exc:
        raise ProviderError(redact(str(exc), *secrets), permanent=True, code="bad_image") from None
    return data


def _read(response: httpx.Response, max_bytes: int) -> list[bytes]:
    if response.status_code in (404, 410, 403):
        raise ProviderError(
            f"The image address had expired or was refused ({response.status_code}) "
            "before it could be downloaded", permanent=True, status=response.status_code,
            code="expired")
    if response.status_code >= 400:
        raise ProviderError(f"Downloading the image failed ({response.status_code})",
                            permanent=response.status_code < 500,
                            status=response.status_code, code="download")
    ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype and not (ctype.startswith("image/") or ctype == "application/octet-stream"):
        raise ProviderError(f"The image address returned {ctype}, not an image",
                            permanent=True, code="download")
    too_large = ProviderError(f"The image is larger than the {max_bytes // 2**20} MB limit",
                              permanent=True, code="too_large")
    if int(response.headers.get("content-length") or 0) > max_bytes:
        raise too_large
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        chunks.append(chunk)
    return chunks
