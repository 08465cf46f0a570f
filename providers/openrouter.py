"""OpenRouter: images out of the chat-completions API.

``POST {base}/chat/completions`` (base ``https://openrouter.ai/api/v1``) with a
Bearer key and ``modalities``: ``["image", "text"]`` for models that answer in
both (Gemini, GPT-5 Image), ``["image"]`` for image-only ones (FLUX,
Seedream, Recraft, Sourceful). ``image_config`` carries ``aspect_ratio`` and
``image_size``. Input images are ``image_url`` content parts (data URLs).
Images come back as data URLs in ``choices[0].message.images[]``; the text
stays in ``message.content``. ``usage.cost`` is the charge in US dollars.
The model list ``GET /models?output_modalities=image`` is image models only.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from .base import (
    Adapter, CancelledError, ContentPolicyError, GenerationRequest, GenerationResult, Hooks,
    ProviderError, ResultImage, error_for_status, json_or_none, model_list, page_text, redact,
)
from .inputs import data_uri
from .openai import decode_b64

# Model families that answer with text beside the image; the others reject "text".
TEXT_AND_IMAGE = ("google/", "openai/")
DEFAULT_TIMEOUT = 300.0


def modalities(model: str) -> list[str]:
    return ["image", "text"] if model.startswith(TEXT_AND_IMAGE) else ["image"]


class OpenRouterAdapter(Adapter):
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.connection.api_key}", "Accept": "application/json"}

    def generate(self, request: GenerationRequest, spec, hooks: Hooks) -> GenerationResult:
        if hooks.cancelled():
            raise CancelledError()
        seconds = float(self.connection.options.get("timeout") or DEFAULT_TIMEOUT)
        response = self.send("POST", self.url("chat/completions"), json=self.body(request, spec),
                             headers=self.headers(), limit=seconds)
        if response.status_code >= 400:
            raise self.error(response)
        return self.result(self.json_body(response), request)

    def body(self, request: GenerationRequest, spec) -> dict[str, Any]:
        takes = spec.takes if spec is not None else frozenset()
        content: Any = request.prompt
        if request.images_in:
            content = [{"type": "text", "text": request.prompt}] + [
                {"type": "image_url", "image_url": {"url": data_uri(data)}}
                for data in request.images_in]
        body: dict[str, Any] = {"model": request.model,
                                "messages": [{"role": "user", "content": content}],
                                "modalities": modalities(request.model)}
        image_config = {}
        if request.aspect_ratio:
            image_config["aspect_ratio"] = request.aspect_ratio
        for name, value in request.extras.items():
            if value in (None, "") or name not in takes:
                continue
            if name == "image_size":
                image_config["image_size"] = value
            else:  # model-specific extras (Recraft's strength…) ride at the top level
                body[name] = value
        if request.strength is not None and "strength" not in body and request.images_in:
            body["strength"] = request.strength
        if image_config:
            body["image_config"] = image_config
        if request.seed is not None and "seed" in takes:
            body["seed"] = request.seed
        return body

    def result(self, payload: Any, request: GenerationRequest) -> GenerationResult:
        if not isinstance(payload, dict):
            raise ProviderError("OpenRouter's answer is not a JSON object", permanent=True,
                                code="bad_response")
        if isinstance(payload.get("error"), dict):  # an upstream failure inside a 200
            raise self.error_from(payload["error"], 200)
        choices = payload.get("choices")
        choice = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else {}
        message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
        images = []
        for item in message.get("images") or []:
            url = (item.get("image_url") or {}).get("url") if isinstance(item, dict) else None
            if isinstance(url, str) and url.startswith("data:"):
                images.append(ResultImage(data=decode_b64(url.partition(",")[2]), seed=request.seed))
            elif isinstance(url, str) and url:
                images.append(ResultImage(url=url, seed=request.seed))
        request_id = str(payload.get("id") or "") or None
        if not images:
            said = message.get("content") if isinstance(message.get("content"), str) else ""
            reason = str(choice.get("finish_reason") or choice.get("native_finish_reason") or "")
            if reason.lower() in ("content_filter", "safety", "image_safety", "prohibited_content"):
                raise ContentPolicyError(f"The provider refused this prompt ({reason})",
                                         request_id=request_id)
            raise ProviderError("OpenRouter answered without an image"
                                + (f": {redact(said[:300], *self.secrets)}" if said else ""),
                                permanent=True, code="no_images", request_id=request_id)
        usage = payload.get("usage") if isinstance(payload.get("usage"), dict) else {}
        return GenerationResult(images=images, usage=usage, cost=_decimal(usage.get("cost")),
                                request_id=request_id)

    def error(self, response: httpx.Response) -> ProviderError:
        payload = json_or_none(response)
        error = payload.get("error") if isinstance(payload, dict) else None
        if not isinstance(error, dict):
            error = {"message": page_text(response)}
        return self.error_from(error, response.status_code, response)

    def error_from(self, error: dict, status: int, response: httpx.Response | None = None
                   ) -> ProviderError:
        message = str(error.get("message") or "")
        metadata = error.get("metadata") if isinstance(error.get("metadata"), dict) else {}
        words = redact(message, *self.secrets)
        if metadata.get("reasons") or metadata.get("flagged_input") or "moderation" in message.lower():
            reasons = ", ".join(map(str, metadata.get("reasons") or []))
            return ContentPolicyError(f"The provider refused this prompt: {words}"
                                      + (f" ({reasons})" if reasons else ""), status=status)
        if status == 402:
            return ProviderError(f"The OpenRouter account has too few credits: {words}",
                                 permanent=True, status=402, code="insufficient_credits")
        if response is None:
            return ProviderError(f"The provider rejected the request: {words}",
                                 permanent=int(error.get("code") or 400) < 500, status=status,
                                 code="upstream")
        return error_for_status(response, message, secrets=self.secrets)

    def listed_models(self) -> list[dict]:
        listed = model_list(self, self.url("models?output_modalities=image"), owner="OpenRouter's")
        return [{"id": item["id"][:200], "shutdown_date": None} for item in listed
                if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]]

    def check(self) -> str:
        ids = [m["id"] for m in self.listed_models()]
        from .catalog import models_for

        ours = [s.id for s in models_for("openrouter")]
        found = sum(1 for model in ours if model in ids)
        return (f"The key works: OpenRouter lists {len(ids)} image models; {found} of the "
                f"{len(ours)} catalog models are among them.")


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
