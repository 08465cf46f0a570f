"""Fetching a provider's result URL at once, before it expires.

Only http(s) URLs on a public address, or on the connection's own origin
(its scheme, host and port), are fetched: a hostile gateway must not make us
read our own network. The name is resolved once, every address checked, and
the connection made to the checked address (so a second DNS answer cannot
point it elsewhere). Then a size cap, an overall deadline, the stop check, a
content-type check and Pillow verification.
"""
from __future__ import annotations

import ipaddress
import socket
import time
from typing import Callable
from urllib.parse import urlsplit

import httpx

from . import http, limits
from .base import CancelledError, ProviderError, redact, transport_error
from .images import BadImage, inspect_image

DOWNLOAD_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
MAX_REDIRECTS = 3
# IPv6 ranges that carry an IPv4 address, which Python may call global
# whatever the IPv4 inside: judge the embedded IPv4 instead.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: never public
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
_V4_COMPATIBLE = ipaddress.ip_network("::/96")


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return address_is_public(str(ip.ipv4_mapped))
        if ip in _NAT64_LOCAL:
            return False
        if ip in _NAT64 or ip in _V4_COMPATIBLE:
            return address_is_public(str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
        if ip.sixtofour is not None:
            return address_is_public(str(ip.sixtofour))
        if ip.teredo is not None:
            return False
    return ip.is_global


def _resolve(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return []
    return list(dict.fromkeys(info[4][0] for info in infos))


def origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the scheme's default port filled in."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    return parts.scheme, parts.hostname.lower(), port


def check_url(url: str, own_origins: tuple[tuple[str, str, int], ...] = ()) -> str:
    """The address to connect to for ``url``; ProviderError if it is not allowed."""
    where = origin(url)
    if where is None:
        raise ProviderError("The provider returned an image address that is not http(s)",
                            permanent=True, code="bad_url")
    addresses = _resolve(where[1])
    private = ProviderError("The provider returned an image address on a private network; refused",
                            permanent=True, code="bad_url")
    if not addresses:
        raise private
    if where in own_origins:
        return addresses[0]
    if not all(address_is_public(a) for a in addresses):
        raise private
    return addresses[0]


def download_image(url: str, *, client: httpx.Client | None = None, own_url: str | None = None,
                   own_host: str | None = None, also_allowed: tuple[str, ...] = (),
                   max_bytes: int, secrets: tuple[str, ...] = (), deadline: float | None = None,
                   should_stop: Callable[[], bool] = lambda: False,
                   seconds: float | None = None) -> bytes:
    """The image bytes at ``url``; ProviderError if it cannot be had safely.

    ``own_url`` is the connection's base URL: its origin may be private (a
    self-hosted server). ``also_allowed`` lists more origins staff allowed.
    ``own_host`` (a bare host) is the older form and means that host on
    http's and https's default ports only. The download ends by ``deadline``
    (monotonic seconds) or after ``seconds`` (default 120), whichever is first,
    and raises CancelledError within a quarter second of ``should_stop()``.
    """
    allowed = [origin(u) for u in (own_url, *also_allowed) if u]
    if own_host:
        allowed += [("http", own_host.lower(), 80), ("https", own_host.lower(), 443)]
    own_origins = tuple(o for o in allowed if o)
    budget = limits.seconds_option({"s": seconds}, "s", limits.DEFAULT_DOWNLOAD_SECONDS)
    ends = time.monotonic() + budget
    if deadline is not None and deadline < ends:
        ends, budget = deadline, max(0.0, deadline - time.monotonic())
    client = http.guarded(client)
    # Redirects are followed by hand so that every hop passes check_url (a
    # signed link that bounces to a CDN is common; one that bounces to
    # 127.0.0.1 must not be followed).
    for _ in range(MAX_REDIRECTS + 1):
        address = check_url(url, own_origins)
        # Keyed as httpcore names the host when it connects (IDNA names in punycode).
        wire_host = httpx.URL(url).raw_host.decode("ascii").lower()
        scope = http.CallLimits(deadline=ends, should_stop=should_stop,
                                pins={wire_host: address}, pinned_only=True)
        try:
            with http.call_scope(scope):
                scope.check()
                with client.stream("GET", url, timeout=DOWNLOAD_TIMEOUT,
                                   follow_redirects=False) as response:
                    if response.is_redirect:
                        url = str(response.url.join(response.headers["location"]))
                        continue
                    data = _read(response, max_bytes)
        except http.CallEnded as ended:
            if ended.reason == "stop":
                raise CancelledError() from None
            raise _too_slow(budget, deadline) from None
        except httpx.TimeoutException as exc:
            if time.monotonic() >= ends:
                raise _too_slow(budget, deadline) from None
            raise transport_error(exc, secrets=secrets) from None
        except httpx.HTTPError as exc:
            raise transport_error(exc, secrets=secrets) from None
        break
    else:
        raise ProviderError("The image address redirected too many times", permanent=True,
                            code="download")
    try:
        inspect_image(data)
    except BadImage as exc:
        raise ProviderError(redact(str(exc), *secrets), permanent=True, code="bad_image") from None
    return data


def _too_slow(budget: float, deadline: float | None) -> ProviderError:
    if deadline is not None and time.monotonic() >= deadline:
        return ProviderError("The job's time ran out while the image was downloading",
                             permanent=True, code="timeout")
    return ProviderError(f"The image did not arrive in time ({round(budget, 1):g} s)",
                         permanent=False, code="timeout")


def _read(response: httpx.Response, max_bytes: int) -> bytes:
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
    return limits.read_capped(response, max_bytes, "image")
