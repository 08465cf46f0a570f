"""Google's Gemini API image models (Nano Banana): one ``generateContent`` call.

``POST {base}/v1beta/models/{model}:generateContent`` with the key in
``x-goog-api-key`` answers at once. Generating and editing are the same call:
the prompt is a text part and every input image an ``inlineData`` part before
it; ``generationConfig.responseModalities`` asks for images and
``generationConfig.imageConfig`` carries ``aspectRatio`` and ``imageSize``
("1K", "2K", "4K", upper-case K). The answer's
``candidates[0].content.parts[]`` mixes text parts and ``inlineData``
(base64, no URLs). There is no mask: editing is by instruction only.

A refusal is not an HTTP error: the prompt's ``promptFeedback.blockReason``
or a candidate's ``finishReason`` (SAFETY, IMAGE_SAFETY, PROHIBITED_CONTENT…)
says so. Errors come in Google's envelope ``{"error": {code, message, status}}``;
a bad key is a 400 whose reason is API_KEY_INVALID. Imagen (``:predict``) was
shut down on 2026-08-17 and has no adapter: the catalog keeps it for history.
"""
from __future__ import annotations

import base64
from typing import Any

import httpx

from .base import (
    Adapter, CancelledError, ContentPolicyError, GenerationRequest, GenerationResult, Hooks,
    ProviderError, ResultImage, error_for_status, json_or_none, model_list, page_text, redact,
)
from .inputs import mime_of
from .openai import decode_b64

# finishReason values Google uses when its safety systems stop a candidate.
SAFETY_REASONS = ("SAFETY", "IMAGE_SAFETY", "PROHIBITED_CONTENT", "IMAGE_PROHIBITED_CONTENT",
                  "BLOCKLIST", "SPII", "RECITATION", "IMAGE_RECITATION")
DEFAULT_TIMEOUT = 300.0  # a 4K image from the Pro model takes a minute or more



def google_error_fields(payload: Any) -> tuple[str, str, str]:
    """(message, status, reason) from ``{"error": {code, message, status, details}}``."""
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        return "", "", ""
    reason = ""
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("reason"):
            reason = str(detail["reason"])
    return str(error.get("message") or ""), str(error.get("status") or ""), reason


class GeminiAdapter(Adapter):
    def headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self.connection.api_key, "Accept": "application/json"}

    def generate(self, request: GenerationRequest, spec, hooks: Hooks) -> GenerationResult:
        if hooks.cancelled():
            raise CancelledError()
        seconds = float(self.connection.options.get("timeout") or DEFAULT_TIMEOUT)
        response = self.send("POST", self.url(f"/v1beta/models/{request.model}:generateContent"),
                             json=self.body(request, spec), headers=self.headers(), limit=seconds)
        if response.status_code >= 400:
            raise self.error(response)
        return self.result(self.json_body(response), request)

    def body(self, request: GenerationRequest, spec) -> dict[str, Any]:
        takes = spec.takes if spec is not None else frozenset()
        parts: list[dict] = [{"inlineData": {"mimeType": mime_of(data),
                                             "data": base64.b64encode(data).decode()}}
                             for data in request.images_in]
        parts.append({"text": request.prompt})
        image_config: dict[str, Any] = {}
        if request.aspect_ratio:
            image_config["aspectRatio"] = request.aspect_ratio
        if request.extras.get("image_size") and "image_size" in takes:
            image_config["imageSize"] = request.extras["image_size"]
        config: dict[str, Any] = {"responseModalities": ["TEXT", "IMAGE"]}
        if image_config:
            config["imageConfig"] = image_config
        if request.seed is not None and "seed" in takes:
            config["seed"] = request.seed
        return {"contents": [{"role": "user", "parts": parts}], "generationConfig": config}

    def result(self, payload: Any, request: GenerationRequest) -> GenerationResult:
        if not isinstance(payload, dict):
            raise ProviderError("Gemini's answer is not a JSON object", permanent=True,
                                code="bad_response")
        feedback = payload.get("promptFeedback")
        if isinstance(feedback, dict) and feedback.get("blockReason"):
            raise ContentPolicyError(
                f"The provider refused this prompt: blocked ({feedback['blockReason']})"
                + (f": {feedback['blockReasonMessage']}" if feedback.get("blockReasonMessage")
                   else ""))
        candidates = payload.get("candidates")
        candidate = candidates[0] if isinstance(candidates, list) and candidates else {}
        candidate = candidate if isinstance(candidate, dict) else {}
        content = candidate.get("content") if isinstance(candidate.get("content"), dict) else {}
        parts = [p for p in content.get("parts") or [] if isinstance(p, dict)]
        images, texts = [], []
        for part in parts:
            inline = part.get("inlineData") or part.get("inline_data")
            if isinstance(inline, dict) and isinstance(inline.get("data"), str) and not part.get("thought"):
                images.append(ResultImage(data=decode_b64(inline["data"]), seed=request.seed))
            elif isinstance(part.get("text"), str) and not part.get("thought"):
                texts.append(part["text"].strip())
        reason = str(candidate.get("finishReason") or "")
        if not images and reason in SAFETY_REASONS:
            raise ContentPolicyError(f"The provider refused this prompt: generation stopped "
                                     f"({reason})")
        if not images:
            said = redact(" ".join(t for t in texts if t)[:300], *self.secrets)
            raise ProviderError("Gemini answered without an image"
                                + (f" ({reason})" if reason else "")
                                + (f": {said}" if said else ""), permanent=True, code="no_images")
        usage = payload.get("usageMetadata") if isinstance(payload.get("usageMetadata"), dict) else {}
        return GenerationResult(images=images, usage=usage,
                                request_id=str(payload.get("responseId") or "") or None)

    def error(self, response: httpx.Response) -> ProviderError:
        message, status, reason = google_error_fields(json_or_none(response))
        if not message:
            message = page_text(response)
        words = redact(message, *self.secrets)
        if reason == "API_KEY_INVALID" or status == "UNAUTHENTICATED":
            return ProviderError(f"The provider rejected the API key ({response.status_code}): "
                                 f"{words}", permanent=True, status=response.status_code,
                                 code="auth")
        if response.status_code == 404:
            return ProviderError(f"The provider no longer offers this model: {words}",
                                 permanent=True, status=404, code="model_not_found")
        if status == "RESOURCE_EXHAUSTED" and "quota" in message.lower() and "per day" in message.lower():
            return ProviderError(f"The provider account's daily quota is used up: {words}",
                                 permanent=True, status=response.status_code, code="quota")
        return error_for_status(response, f"{status}: {message}" if status else message,
                                secrets=self.secrets)

    def check(self) -> str:
        models = model_list(self, self.url("/v1beta/models?pageSize=1000"), key="models",
                            owner="Gemini's")
        names = [str(m.get("name", "")).removeprefix("models/") for m in models if isinstance(m, dict)]
        images = [n for n in names if "image" in n or "banana" in n]
        return (f"The key works: it sees {len(names)} models, {len(images)} of them image models"
                + (f" ({', '.join(images[:4])})." if images else "."))
