"""One shared httpx client per process, whose sockets obey each call's limits.

Building a client loads the CA bundle (18–20 ms, measured); reusing one costs
0.4 ms a call. httpx.Client is thread-safe, so worker threads share it.

httpx timeouts apply to each read, so a provider that sends one byte every
few seconds would keep a call alive for ever. Here every socket read waits in
slices of a quarter second, and between slices checks the call's wall-clock
deadline and its stop check (cancel): a call ends within a slice of either.
A call's limits live in a thread-local ``call_scope``; the same scope may pin
host names to the addresses that were checked, so a download connects to the
address that passed the private-network check and not to whatever a second
DNS lookup answers (DNS rebinding). Outside a scope the client acts as plain
httpx.
"""
from __future__ import annotations

import atexit
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

import httpcore
import httpx

# Connect fast, but let a slow provider take its time to render.
DEFAULT_TIMEOUT = httpx.Timeout(120.0, connect=10.0)
LIMITS = httpx.Limits(max_connections=200, max_keepalive_connections=50)
# How long one socket wait lasts before the deadline and stop check run again.
SLICE_SECONDS = 0.25
_client: httpx.Client | None = None
_lock = threading.Lock()
_local = threading.local()


class CallEnded(Exception):
    """Raised inside a read when the call's deadline passed or it was stopped."""

    def __init__(self, reason: str):  # "deadline" or "stop"
        super().__init__(reason)
        self.reason = reason


@dataclass
class CallLimits:
    deadline: float  # time.monotonic() seconds
    should_stop: Callable[[], bool] = lambda: False
    # host name → the address to connect to; with ``pinned_only`` any other
    # host is refused, so nothing in a scope connects to an unchecked address.
    pins: dict[str, str] = field(default_factory=dict)
    pinned_only: bool = False

    def check(self) -> None:
        if self.should_stop():
            raise CallEnded("stop")
        if time.monotonic() >= self.deadline:
            raise CallEnded("deadline")

    def clip(self, timeout: float | None) -> float:
        left = max(0.001, self.deadline - time.monotonic())
        return left if timeout is None else max(0.001, min(timeout, left))


@contextmanager
def call_scope(limits: CallLimits):
    """Every request this thread makes inside the block obeys ``limits``."""
    previous = getattr(_local, "call", None)
    _local.call = limits
    try:
        yield limits
    finally:
        _local.call = previous


def _current() -> CallLimits | None:
    return getattr(_local, "call", None)


class _GuardedStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream):
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        call = _current()
        if call is None:
            return self._inner.read(max_bytes, timeout)
        give_up = None if timeout is None else time.monotonic() + timeout
        while True:
            call.check()
            wait = call.clip(SLICE_SECONDS)
            if give_up is not None:
                wait = max(0.001, min(wait, give_up - time.monotonic()))
            try:
                # A timed-out recv consumed nothing (TLS keeps a partial
                # record buffered), so reading again is safe.
                return self._inner.read(max_bytes, wait)
            except httpcore.ReadTimeout:
                if give_up is not None and time.monotonic() >= give_up:
                    raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        call = _current()
        if call is not None:
            call.check()
            timeout = call.clip(timeout)
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        call = _current()
        if call is not None:
            timeout = call.clip(timeout)
        return _GuardedStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str):
        return self._inner.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    def __init__(self):
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        call = _current()
        if call is not None:
            call.check()
            timeout = call.clip(timeout)
            pinned = call.pins.get(host.lower())
            if pinned is None and call.pinned_only:
                raise httpcore.ConnectError(f"{host} was not checked before connecting; refused")
            host = pinned or host
        return _GuardedStream(self._inner.connect_tcp(host, port, timeout, local_address,
                                                      socket_options))

    def connect_unix_socket(self, path, timeout=None, socket_options=None):  # pragma: no cover
        return _GuardedStream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self):
        super().__init__(limits=LIMITS)
        # httpx takes no network backend, so its pool is replaced by one that
        # has ours (``_pool`` is the one attribute HTTPTransport delegates to).
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), max_connections=LIMITS.max_connections,
            max_keepalive_connections=LIMITS.max_keepalive_connections,
            keepalive_expiry=LIMITS.keepalive_expiry, network_backend=_GuardedBackend())


def client() -> httpx.Client:
    global _client
    with _lock:
        if _client is None or _client.is_closed:
            # trust_env=False: a proxy from the environment would get a transport
            # of its own that knows nothing of deadlines or pinned addresses.
            _client = httpx.Client(
                transport=_GuardedTransport(), trust_env=False, timeout=DEFAULT_TIMEOUT,
                follow_redirects=False,
                # Only codings we decode step by step under a size cap.
                headers={"User-Agent": "ImageStudio/0.1", "Accept-Encoding": "gzip, deflate"},
            )
            _client.studio_guarded = True  # type: ignore[attr-defined]
        return _client


def guarded(candidate: httpx.Client | None) -> httpx.Client:
    """``candidate`` if it is our guarded client, else the shared one: a plain
    httpx.Client can neither end a dripping call nor pin an address."""
    if candidate is not None and getattr(candidate, "studio_guarded", False):
        return candidate
    return client()


@atexit.register
def _close() -> None:
    if _client is not None:
        _client.close()
