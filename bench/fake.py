"""A loopback OpenAI-compatible gateway that takes L seconds per image, and the baseline call.

The fake is the tests' ``FakeOpenAI`` (Nagle off and keep-alive, so replies
do not wait ~44 ms for a delayed ACK; a listen backlog of 1024, so a burst's
connections are not dropped and retried a second later) with a sleep added
to image replies; the warm-up model answers at once.
"""
from __future__ import annotations

import time

import httpx

from tests.fakes.base import Reply, Request
from tests.fakes.openai import API_KEY, FakeOpenAI

WARMUP_MODEL = "bench-warmup"


class SlowOpenAI(FakeOpenAI):
    """``openai-compatible`` (any body field goes) answering each image request after ``latency`` s."""

    def __init__(self, latency: float):
        super().__init__(kind="openai-compatible")
        self.latency = latency

    def route(self, req: Request) -> Reply:
        reply = super().route(req)
        if req.method == "POST" and req.path == "/v1/images/generations" and reply.status == 200:
            if (req.json or {}).get("model") != WARMUP_MODEL:
                reply.delay = self.latency
        return reply


def model_dicts(count: int, latency: float) -> list[dict]:
    """Custom models for the bench connection: ``count`` timed ones and the warm-up one."""
    ids = [f"bench-{i}" for i in range(count)] + [WARMUP_MODEL]
    return [{"id": model_id, "label": model_id, "size": {"type": "list", "sizes": ["256x256"]},
             "max_n": 1, "latency_s": latency} for model_id in ids]


def direct_call_seconds(base_url: str, model: str = "bench-0") -> float:
    """The baseline: one image call straight to the fake over a warm keep-alive connection."""
    with httpx.Client(timeout=60) as client:
        headers = {"Authorization": f"Bearer {API_KEY}"}
        client.get(f"{base_url}/models", headers=headers).raise_for_status()  # opens the connection
        started = time.monotonic()
        response = client.post(f"{base_url}/images/generations", headers=headers,
                               json={"model": model, "prompt": "baseline", "size": "256x256",
                                     "response_format": "b64_json"})
        elapsed = time.monotonic() - started
    response.raise_for_status()
    return elapsed
