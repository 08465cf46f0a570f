"""A fake 302.AI unified image API (seed 004, reference §8a).

``POST /302/image/generate`` checks the Bearer key, requires ``image`` for
``-i2i`` models, and answers ``{"image_url": …}`` pointing at a PNG the fake
serves itself under ``/files/``; ``expire()`` makes those 404, as hosted
results do. ``shape = "image_urls"`` answers the v2 task shape instead.
``GET /v1/models`` is the free listing. Faults: ``push()`` the helpers below.
"""
from __future__ import annotations

import base64
import itertools

from .base import FakeServer, Reply, Request, png_bytes

PATH = "/302/image/generate"


def vendor_error(status: int, code, message: str, headers: dict | None = None) -> Reply:
    """302.AI's documented error body, on any status (200 included)."""
    return Reply(status, {"code": code, "message": message, "request_id": "rid-err-1"},
                 headers or {})


def rate_limited(status: int = 429, retry_after: str = "7") -> Reply:
    return vendor_error(status, 1002, "触发限流 rate limited", {"Retry-After": retry_after})


def auth_failed(status: int = 401, message: str = "账号鉴权失败 authentication failed") -> Reply:
    return vendor_error(status, 1004, message)


def moderated() -> Reply:
    return vendor_error(400, "InvalidParameter",
                        "Your prompt was rejected by the content moderation system")


def server_error() -> Reply:
    return vendor_error(500, "InternalError", "upstream service error")


def gateway_error(status: int = 401) -> Reply:
    """The gateway's own envelope, seen before a request reaches the image API."""
    return Reply(status, {"error": {"err_code": -10001, "message": "Invalid API key",
                                    "message_cn": "无效的API密钥", "type": "api_error"}})


def gateway_page(status: int = 502) -> Reply:
    return Reply(status, "<html><body>502 Bad Gateway</body></html>",
                 {"Content-Type": "text/html"})


class Fake302(FakeServer):
    api_key = "sk-302-secret-key"

    def reset(self) -> None:
        """Back to a fresh state, so one running server can serve many tests
        (stopping a server takes half a second, its poll interval)."""
        super().reset()
        self.shape = "image_url"  # or "image_urls" (v2 task shape, several URLs)
        self.files: dict[str, bytes] = {}
        self.expired = False
        self.last_image: bytes | None = None  # the decoded input image, if one came
        self._ids = itertools.count(1)

    def expire(self) -> None:
        self.expired = True

    def route(self, req: Request) -> Reply:
        if req.method == "GET" and req.path.startswith("/files/"):
            data = self.files.get(req.path.rsplit("/", 1)[-1])
            if data is None or self.expired:
                return Reply(404, "Not Found")
            return Reply(200, data, {"Content-Type": "image/png"})
        if req.headers.get("authorization") != f"Bearer {self.api_key}":
            return auth_failed()
        if req.method == "GET" and req.path == "/v1/models":
            return Reply(200, {"object": "list", "data": [
                {"id": "flux-pro-1.1", "object": "model"}, {"id": "dall-e-3", "object": "model"}]})
        if req.method == "POST" and req.path == PATH:
            return self.generate(req.json or {})
        return vendor_error(404, "NotFound", "endpoint not found")

    def generate(self, body: dict) -> Reply:
        for field in ("model", "prompt"):
            if not body.get(field):
                return vendor_error(400, "MissingParameter", f"{field} is required")
        if body["model"].endswith("-i2i"):
            image = body.get("image", "")
            if not image:
                return vendor_error(400, "MissingParameter", "image is required for this model")
            if image.startswith("data:"):
                self.last_image = base64.b64decode(image.partition(",")[2])
        urls = [self.store() for _ in range(body.get("n", 1))]
        reply = {"image_url": urls[0]}
        if self.shape == "image_urls":
            reply.update(status="completed", image_urls=urls, task_type="image")
        return Reply(200, reply, {"request-id": f"rid-{len(self.requests)}"})

    def store(self) -> str:
        name = f"{next(self._ids)}.png"
        self.files[name] = png_bytes(32, 32)
        return f"{self.url}/files/{name}"
