"""A provider that misbehaves on purpose: drips, floods, bombs, lies and echoes.

It speaks OpenAI's ``POST /v1/images/generations`` (and answers any other
path the same way), so the real OpenAIAdapter and A1111Adapter can be pointed
at it. Each test sets ``fake.behaviour`` to one of the functions below; a
behaviour writes the raw HTTP answer itself, so it can do what no honest
server does: stop half-way, send one byte every few seconds, or send for ever.
It lies with ``images(300)`` (image count), ``images(seed=2**64 - 1)``,
``images(usage={"cost": 1e30})`` (cost) and echoes secrets through ``error``
and ``images(headers=…, revised_prompt=…)``.
"""
from __future__ import annotations

import base64
import gzip
import itertools
import json
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

from tests.fakes.base import Request, Served, png_bytes

PNG = png_bytes(16, 16)
PNG_B64 = base64.b64encode(PNG).decode()


class Wire:
    """The socket of one answer, with the writes a hostile server makes."""

    def __init__(self, handler: BaseHTTPRequestHandler, fake: "HostileProvider"):
        self.handler, self.fake = handler, fake

    def raw(self, data: bytes) -> None:
        self.handler.wfile.write(data)
        self.handler.wfile.flush()
        self.fake.sent += len(data)

    def head(self, status: int, headers: dict[str, str]) -> None:
        self.handler.send_response(status)
        # Every answer closes its connection, and says so: a client that pooled
        # it would otherwise race the close and see "Server disconnected".
        headers = {"Connection": "close", **headers}
        for name, value in headers.items():
            self.handler.send_header(name, value)
        self.handler.end_headers()
        self.handler.wfile.flush()

    def answer(self, status: int, body: bytes | dict, headers: dict[str, str] | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.head(status, {"Content-Type": "application/json", "Content-Length": str(len(data)),
                           **(headers or {})})
        self.raw(data)

    def stopped(self) -> bool:
        return self.fake.stopping.is_set()


# --- behaviours ------------------------------------------------------------------

def images(count: int = 1, *, seed=None, revised_prompt=None, status: int = 200,
           headers: dict[str, str] | None = None, b64: str = PNG_B64, usage=None):
    """An honest-looking answer that may lie: ``count`` images whatever n was."""
    def behave(wire: Wire, req: Request) -> None:
        item = {"b64_json": b64}
        if seed is not None:
            item["seed"] = seed
        if revised_prompt is not None:
            item["revised_prompt"] = revised_prompt
        body = {"created": 1, "data": [dict(item) for _ in range(count)]}
        if usage is not None:
            body["usage"] = usage
        wire.answer(status, body, headers)
    return behave


def error(status: int, message: str, headers: dict[str, str] | None = None):
    def behave(wire: Wire, req: Request) -> None:
        wire.answer(status, {"error": {"message": message, "type": "invalid_request_error"}}, headers)
    return behave


def drip(every: float = 0.3, *, headers_too: bool = False, content_type: str = "application/json"):
    """One byte every ``every`` seconds, for ever (until the client hangs up).

    With ``headers_too`` even the status line drips, so no response exists yet.
    """
    def behave(wire: Wire, req: Request) -> None:
        if headers_too:
            start = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Pad: "
        else:
            wire.head(200, {"Content-Type": content_type, "Content-Length": "5000000"})
            start = b'{"data": ['
        for byte in itertools.chain(start, itertools.repeat(ord("a"))):
            if wire.stopped():
                return
            wire.raw(bytes([byte]))
            time.sleep(every)
    return behave


def flood(total: int, *, content_type: str = "application/json"):
    """A chunked JSON answer of ``total`` bytes: a base64 image that never ends."""
    def behave(wire: Wire, req: Request) -> None:
        wire.head(200, {"Content-Type": content_type, "Transfer-Encoding": "chunked"})
        block = b"A" * 65536
        head = b'{"data": [{"b64_json": "'
        wire.raw(b"%x\r\n%s\r\n" % (len(head), head))
        while wire.fake.sent < total and not wire.stopped():
            wire.raw(b"%x\r\n%s\r\n" % (len(block), block))
        tail = b'"}]}'
        wire.raw(b"%x\r\n%s\r\n0\r\n\r\n" % (len(tail), tail))
    return behave


def gzip_bomb(decoded: int, *, content_type: str = "application/json", encoding: str = "gzip"):
    """Valid JSON of ``decoded`` bytes, gzipped to about a thousandth of that."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31 if encoding == "gzip" else 15)
    body = [packer.compress(b'{"data": [{"b64_json": "')]
    block = b"A" * 2**20
    for _ in range(decoded // len(block)):
        body.append(packer.compress(block))
    body.append(packer.compress(b'"}]}') + packer.flush())
    data = b"".join(body)

    def behave(wire: Wire, req: Request) -> None:
        wire.head(200, {"Content-Type": content_type, "Content-Encoding": encoding,
                        "Content-Length": str(len(data))})
        wire.raw(data)
    behave.size = len(data)  # type: ignore[attr-defined]
    return behave


def gzipped(body: dict):
    data = gzip.compress(json.dumps(body).encode())

    def behave(wire: Wire, req: Request) -> None:
        wire.head(200, {"Content-Type": "application/json", "Content-Encoding": "gzip",
                        "Content-Length": str(len(data))})
        wire.raw(data)
    return behave


# --- the server --------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else every small write waits for a delayed ACK

    def log_message(self, *args):
        pass

    def _serve(self):
        fake: HostileProvider = self.server.fake  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        req = Request(self.command, self.path.split("?")[0], {},
                      {k.lower(): v for k, v in self.headers.items()}, body)
        with fake.lock:
            fake.requests.append(req)
        try:
            fake.behaviour(Wire(self, fake), req)
        except (BrokenPipeError, ConnectionResetError):
            fake.hung_up.set()
        self.close_connection = True

    do_GET = do_POST = _serve


class HostileProvider(Served):
    """``with HostileProvider() as fake:``; ``fake.base_url`` for OpenAI-shaped kinds."""

    handler = _Handler
    server_class = ThreadingHTTPServer

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.address = (host, port)
        self.behaviour: Callable[[Wire, Request], None] = images()
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        self.sent = 0
        self.hung_up = threading.Event()
        self.stopping = threading.Event()

    def reset(self) -> None:
        self.behaviour, self.sent = images(), 0
        self.requests.clear()
        self.hung_up.clear()

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def stop(self) -> None:
        self.stopping.set()
        super().stop()
