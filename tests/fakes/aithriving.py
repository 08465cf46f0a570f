"""A fake aithriving Basic Text To Image server (seed 001, reference §8b).

It checks the bare-key ``Authorization`` header and the documented limits,
and answers as the seed shows: HTTP 200 with ``code`` 0 and a base64 image,
or ``code`` -1 with the reason in ``message``. Faults are pushed with the
helpers below, e.g. ``fake.push(failure("Server busy, please try again"))``.
"""
from __future__ import annotations

import base64

from .base import FakeServer, Reply, Request, png_bytes

PATH = "/api/generate/basic/textToImage"
SAMPLERS = {"DDIM", "DDPM", "K_DPMPP_2M", "K_DPMPP_2S_ANCESTRAL", "K_DPM_2",
            "K_DPM_2_ANCESTRAL", "K_EULER", "K_EULER_ANCESTRAL", "K_HEUN", "K_LMS"}


def failure(message: str, status: int = 200) -> Reply:
    """aithriving's failure shape (HTTP 200 unless told otherwise)."""
    return Reply(status, {"code": -1, "message": message})


def rate_limited(retry_after: str = "5") -> Reply:
    return Reply(429, {"code": -1, "message": "Too many requests"}, {"Retry-After": retry_after})


def server_error() -> Reply:
    return Reply(500, {"code": -1, "message": "Internal server error"})


def gateway_page(status: int = 502) -> Reply:
    return Reply(status, "<html><body><h1>502 Bad Gateway</h1></body></html>",
                 {"Content-Type": "text/html"})


class FakeAithriving(FakeServer):
    api_key = "aith-secret-key-123"
    seed = 1050625087  # the seed document's example

    def reset(self) -> None:
        """Back to a fresh state, so one running server can serve many tests
        (stopping a server takes half a second, its poll interval)."""
        super().reset()
        # True: unknown paths get the website's HTML page with 200, as a
        # single-page site does (a wrong base URL looks like this).
        self.website = False

    def route(self, req: Request) -> Reply:
        if req.path != PATH:
            if self.website:
                return Reply(200, "<!doctype html><html><title>aithriving</title></html>",
                             {"Content-Type": "text/html"})
            return Reply(404, {"code": -1, "message": "Not Found"})
        if req.method != "POST":
            return Reply(405, {"code": -1, "message": "Method Not Allowed"})
        if req.headers.get("authorization") != self.api_key:
            return failure("Invalid API key")
        try:
            body = req.json or {}
        except ValueError:
            return failure("Request body must be JSON")
        problem = self.problem(body)
        if problem:
            return failure(problem)
        seed = body.get("seed") or self.seed  # 0 or absent: a random seed
        image = png_bytes(body["width"] // 8, body["height"] // 8)
        return Reply(200, {"code": 0, "message": "success",
                           "data": {"image": base64.b64encode(image).decode(), "seed": seed}},
                     {"x-request-id": "req-aith-1"})

    @staticmethod
    def problem(body: dict) -> str:
        """The reason a request is refused, or "" (the seed's documented limits)."""
        if not body.get("prompt"):
            return "prompt is required"
        for side in ("width", "height"):
            value = body.get(side)
            if not isinstance(value, int) or not 320 <= value <= 1536 or value % 64:
                return f"{side} must be between 320 and 1536 and divisible by 64"
        if not 0 <= body.get("cfg_scale", 7) <= 35:
            return "cfg_scale must be in [0, 35]"
        if not 10 <= body.get("steps", 30) <= 50:
            return "steps must be in [10, 50]"
        if body.get("sampler", "DDIM") not in SAMPLERS:
            return "invalid sampler"
        return ""
