"""A small threaded HTTP server that fakes one provider.

Subclasses implement ``route(req) -> Reply``. Every request is recorded so
contract tests can assert exactly what an adapter sent. ``push(reply)`` makes
the next request(s) get a canned reply first (429, 500, moderation…), which is
how tests inject faults; ``push(reply, method="POST", path="/sdapi/v1/txt2img")``
keeps it for the next request to that endpoint, so a progress poll running
alongside cannot take the reply meant for the render.
"""
from __future__ import annotations

import io
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from PIL import Image


def png_bytes(width: int = 64, height: int = 64, colour=(200, 40, 40), fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, fmt)
    return out.getvalue()


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        """Text fields of a multipart/form-data body (files as bytes)."""
        from email.parser import BytesParser
        from email.policy import HTTP

        ctype = self.headers.get("content-type", "")
        msg = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {ctype}\r\n\r\n".encode() + self.body)
        fields = {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            fields[name] = payload if part.get_filename() else payload.decode()
        return fields


    def parts(self) -> list[tuple[str, str | None, bytes]]:
        """Every multipart part in order as (name, filename, bytes): repeated
        names such as ``image[]`` stay separate."""
        from email.parser import BytesParser
        from email.policy import HTTP

        ctype = self.headers.get("content-type", "")
        msg = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {ctype}\r\n\r\n".encode() + self.body)
        return [(part.get_param("name", header="content-disposition"), part.get_filename(),
                 part.get_payload(decode=True)) for part in msg.iter_parts()]


@dataclass
class Reply:
    status: int = 200
    body: Any = b""  # bytes, str, or anything JSON-serialisable
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (slow provider)

    def encode(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        body = self.body
        if isinstance(body, (bytes, bytearray)):
            data = bytes(body)
        elif isinstance(body, str):
            data = body.encode()
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        else:
            data = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        return data, headers


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # An http.server handler speaking HTTP/1.1 keep-alive adds about 44 ms to
    # every reply (the client's delayed ACK meets Nagle) unless these are set.
    disable_nagle_algorithm = True
    wbufsize = -1

    def log_message(self, *args):  # keep test output clean
        pass

    def _serve(self):
        fake: FakeServer = self.server.fake  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        req = Request(self.command, parts.path, parse_qs(parts.query),
                      {k.lower(): v for k, v in self.headers.items()}, body)
        reply = fake._dispatch(req)
        if reply.delay:
            time.sleep(reply.delay)
        data, headers = reply.encode()
        try:
            self.send_response(reply.status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = do_POST = do_PUT = do_DELETE = _serve


class _Server(ThreadingHTTPServer):
    # socketserver listens with a backlog of 5: a burst of connections beyond
    # it has its SYNs dropped, and the client retries a second later, which
    # a latency benchmark then measures instead of the code.
    request_queue_size = 1024


class Served:
    """An HTTP fake served from a thread: ``url``, ``start``/``stop`` and ``with fake:``.

    Subclasses name their ``handler`` (and may change ``server_class`` or ``address``);
    the handler reaches the fake as ``self.server.fake``.
    """

    handler: type[BaseHTTPRequestHandler]
    server_class: type[ThreadingHTTPServer] = _Server
    address: tuple[str, int] = ("127.0.0.1", 0)
    _httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._httpd = self.server_class(self.address, self.handler)
        self._httpd.daemon_threads = True
        self._httpd.fake = self  # type: ignore[attr-defined]
        # A short poll interval: shutdown() waits for it, 0.5 s by default.
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class FakeServer(Served):
    """Start with ``with FakeX() as fake:`` or ``fake.start()``; ``fake.url`` is its base."""

    handler = _Handler

    def __init__(self, api_key: str | None = None):
        if api_key is not None:  # else the subclass's own ``api_key``
            self.api_key = api_key
        self.requests: list[Request] = []
        self._queued: deque[tuple[str | None, str | None, Reply]] = deque()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self.reset()  # subclasses set their per-test state there

    # --- to override ---
    def route(self, req: Request) -> Reply:
        return Reply(404, {"error": "not found"})

    # --- controls ---
    def reset(self) -> None:
        """Forget requests and queued replies, so tests can share one server
        (starting a fresh one per test costs more than a test)."""
        with self._lock:
            self.requests.clear()
            self._queued.clear()

    def push(self, *replies: Reply, method: str | None = None, path: str | None = None) -> None:
        """The next len(replies) requests (to ``method``/``path`` when given) get these replies, in order."""
        with self._lock:
            self._queued.extend((method, path, reply) for reply in replies)

    def _dispatch(self, req: Request) -> Reply:
        with self._lock:
            self.requests.append(req)
            queued = None
            for entry in self._queued:
                method, path, reply = entry
                if (method is None or method == req.method) and (path is None or path == req.path):
                    queued = reply
                    self._queued.remove(entry)
                    break
        return queued or self.route(req)
