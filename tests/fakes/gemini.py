"""A fake Gemini API: ``generateContent`` for the image models and the model list.

As Google's API answers on 2026-12-01: the key in ``x-goog-api-key`` (a bad
one is a 400 INVALID_ARGUMENT with reason API_KEY_INVALID); images come back
as base64 ``inlineData`` parts, with a text part beside them; unknown models
are a 404 NOT_FOUND; errors use ``{"error": {code, message, status}}``.

Switches: ``block_prompt`` (a promptFeedback.blockReason), ``finish_reason``
(e.g. IMAGE_SAFETY: a candidate with no image), ``text_only`` (the model
answers in words only). A prompt with ``forbidden`` is blocked as SAFETY.
"""
from __future__ import annotations

import base64

from .base import FakeServer, Reply, Request, png_bytes

API_KEY = "AIzaSy-test-gemini-4b1d"
MODERATION_WORD = "forbidden"
IMAGE_MODELS = ("gemini-nano-banana-2.1", "gemini-3-pro-image", "gemini-3.1-flash-lite-image",
                "gemini-3.1-flash-image")
IMAGE_SIZES = {"1K": 64, "2K": 96, "4K": 128}


def google_error(code: int, status: str, message: str, reason: str | None = None) -> Reply:
    error = {"code": code, "message": message, "status": status}
    if reason:
        error["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason,
                             "domain": "googleapis.com"}]
    return Reply(code, {"error": error})


class FakeGemini(FakeServer):
    api_key = API_KEY

    def reset(self) -> None:
        super().reset()
        self.block_prompt: str | None = None
        self.finish_reason: str | None = None
        self.text_only = False

    @property
    def generations(self) -> list[Request]:
        return [r for r in self.requests if r.path.endswith(":generateContent")]

    def route(self, req: Request) -> Reply:
        if req.headers.get("x-goog-api-key") != self.api_key:
            return google_error(400, "INVALID_ARGUMENT",
                                "API key not valid. Please pass a valid API key.", "API_KEY_INVALID")
        if req.method == "GET" and req.path == "/v1beta/models":
            names = [*IMAGE_MODELS, "gemini-3-pro", "gemini-3.1-flash"]
            return Reply(200, {"models": [{"name": f"models/{n}", "displayName": n} for n in names]})
        if req.method == "POST" and req.path.startswith("/v1beta/models/") \
                and req.path.endswith(":generateContent"):
            model = req.path.removeprefix("/v1beta/models/").removesuffix(":generateContent")
            return self._generate(model, req.json)
        return google_error(404, "NOT_FOUND", "Not found")

    def _generate(self, model: str, body) -> Reply:
        if model not in IMAGE_MODELS:
            return google_error(404, "NOT_FOUND", f"models/{model} is not found for API version "
                                                  "v1beta, or is not supported for generateContent.")
        try:
            parts = body["contents"][0]["parts"]
            prompt = " ".join(p["text"] for p in parts if "text" in p)
            config = body.get("generationConfig", {})
        except (KeyError, IndexError, TypeError):
            return google_error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        for part in parts:
            inline = part.get("inlineData")
            if inline is not None:
                try:
                    base64.b64decode(inline["data"], validate=True)
                except (KeyError, ValueError):
                    return google_error(400, "INVALID_ARGUMENT", "Unable to process input image.")
        if len([p for p in parts if "inlineData" in p]) > 14:
            return google_error(400, "INVALID_ARGUMENT",
                                "Too many images in the request: at most 14 are supported.")
        size = config.get("imageConfig", {}).get("imageSize", "1K")
        if size not in IMAGE_SIZES:
            return google_error(400, "INVALID_ARGUMENT", f"Invalid image size {size}.")
        if self.block_prompt or MODERATION_WORD in prompt:
            return Reply(200, {"promptFeedback": {"blockReason": self.block_prompt or "SAFETY"},
                               "usageMetadata": {"promptTokenCount": 9}})
        if self.finish_reason:
            return Reply(200, {"candidates": [{"finishReason": self.finish_reason, "index": 0,
                                               "content": {"role": "model", "parts": []}}]})
        out = [{"text": "Here is your image."}]
        if not self.text_only:
            side = IMAGE_SIZES[size]
            out.append({"inlineData": {"mimeType": "image/png",
                                       "data": base64.b64encode(png_bytes(side, side)).decode()}})
        return Reply(200, {
            "candidates": [{"content": {"role": "model", "parts": out}, "finishReason": "STOP",
                            "index": 0}],
            "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 1120,
                              "totalTokenCount": 1132},
            "modelVersion": model, "responseId": "resp-gem-1"})
