"""A fake OpenRouter: image output through chat completions, and the model list.

As OpenRouter answers on 2026-12-01: a Bearer key; ``modalities`` must be
``["image", "text"]`` for Gemini and GPT-5 Image and ``["image"]`` for
image-only models (the fake refuses the wrong one, as an upstream would);
images come back as data URLs in ``choices[0].message.images[]`` with the
text in ``message.content`` and the charge in ``usage.cost`` (USD). A prompt
with ``forbidden`` is flagged by moderation: 403 with ``metadata.reasons``.
Base URL: ``fake.url + "/api/v1"``.
"""
from __future__ import annotations

import base64

from .base import FakeServer, Reply, Request, png_bytes

API_KEY = "sk-or-v1-test-77aa01"
MODERATION_WORD = "forbidden"
TEXT_AND_IMAGE = ("google/gemini-3-pro-image", "google/gemini-3.1-flash-image-preview",
                  "openai/gpt-5-image")
IMAGE_ONLY = ("black-forest-labs/flux.2-pro", "black-forest-labs/flux.2-flex",
              "bytedance/seedream-4.5", "recraft/recraft-v4", "recraft/recraft-v4-vector",
              "sourceful/riverflow-v2-pro", "newcomer/image-model-9")


def or_error(code: int, message: str, **metadata) -> Reply:
    error = {"code": code, "message": message}
    if metadata:
        error["metadata"] = metadata
    return Reply(code, {"error": error})


class FakeOpenRouter(FakeServer):
    api_key = API_KEY

    def reset(self) -> None:
        super().reset()
        self.text_only = False

    @property
    def chats(self) -> list[Request]:
        return [r for r in self.requests if r.path == "/api/v1/chat/completions"]

    def route(self, req: Request) -> Reply:
        if req.headers.get("authorization") != f"Bearer {self.api_key}":
            return or_error(401, "No auth credentials found")
        if req.method == "GET" and req.path == "/api/v1/models":
            if req.query.get("output_modalities") != ["image"]:
                return Reply(200, {"data": [{"id": "openai/gpt-5"}]})
            return Reply(200, {"data": [{"id": m, "architecture": {"output_modalities": ["image"]}}
                                        for m in TEXT_AND_IMAGE + IMAGE_ONLY]})
        if req.method == "POST" and req.path == "/api/v1/chat/completions":
            return self._chat(req.json)
        return or_error(404, "Not Found")

    def _chat(self, body: dict) -> Reply:
        model = body.get("model")
        if model not in TEXT_AND_IMAGE + IMAGE_ONLY:
            return or_error(400, f"{model} is not a valid model ID")
        wanted = ["image", "text"] if model in TEXT_AND_IMAGE else ["image"]
        if sorted(body.get("modalities") or []) != sorted(wanted):
            return or_error(404, "No endpoints found that support the requested output modalities")
        content = body["messages"][0]["content"]
        parts = content if isinstance(content, list) else [{"type": "text", "text": content}]
        prompt = " ".join(p.get("text", "") for p in parts if p.get("type") == "text")
        for part in parts:
            if part.get("type") == "image_url":
                url = part["image_url"]["url"]
                if not url.startswith("data:image/"):
                    return or_error(400, "Invalid image URL")
                base64.b64decode(url.partition(",")[2], validate=True)
        if MODERATION_WORD in prompt:
            return or_error(403, f"{model} requires moderation on OpenRouter. Your input was flagged for \"violence\"",
                            reasons=["violence"], flagged_input=prompt[:100],
                            provider_name="OpenRouter", model_slug=model)
        images = [] if self.text_only else [{"type": "image_url", "image_url": {
            "url": "data:image/png;base64," + base64.b64encode(png_bytes(48, 48)).decode()}}]
        message = {"role": "assistant", "content": "Here you go." if model in TEXT_AND_IMAGE else "",
                   "images": images}
        return Reply(200, {"id": "gen-123", "model": model, "object": "chat.completion",
                           "choices": [{"index": 0, "finish_reason": "stop", "message": message}],
                           "usage": {"prompt_tokens": 10, "completion_tokens": 1300,
                                     "total_tokens": 1310, "cost": 0.0391}})
