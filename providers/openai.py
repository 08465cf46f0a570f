"""OpenAI's Images API, and the gateways that copy it (APIYI, APIpie, AIGC, others).

One call, ``POST {base_url}/images/generations`` with a JSON body and a Bearer
key, answers with the images inline (``b64_json``) or as URLs. The kinds
differ only in the body they take, so one adapter shapes it from the
connection kind and the model spec:

- openai: ``size`` strings; DALL·E takes ``response_format`` (we ask for
  base64 so nothing has to be fetched), GPT image models reject it outright.
- apiyi: FLUX through BFL-native ``width``/``height``, ``steps``, ``guidance``;
  answers with a URL that lives 10 minutes.
- apipie: DALL·E-style fields plus a ``provider`` routing field, and a
  ``usage`` object that carries the gateway's own cost.
- aigc, openai-compatible: diffusers-style ``num_inference_steps`` and
  ``guidance_scale``.
"""
from __future__ import annotations

import base64
import binascii
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urljoin

import httpx

from .base import (
    Adapter, CancelledError, ContentPolicyError, GenerationRequest, GenerationResult, Hooks,
    ProviderError, ResultImage, error_for_status, json_or_none, model_list, page_text, redact,
)
from .catalog import models_for
from .rules import STANDARD_PARAMS

# Kinds whose body sizes an image with one "WxH" string, as OpenAI does.
SIZE_STRING_KINDS = ("openai", "apipie")
# Our standard parameter names where a gateway uses the diffusers names.
DIFFUSERS_NAMES = {"steps": "num_inference_steps", "guidance": "guidance_scale"}
WIRE_NAMES = {"aigc": DIFFUSERS_NAMES, "openai-compatible": DIFFUSERS_NAMES}
# Error codes that mean "the safety system refused this", not "bad request".
MODERATION_CODES = ("content_policy_violation", "moderation_blocked")
# A synchronous call: the provider renders while we wait. GPT image models at
# high quality take well over a minute, so the shared client's 120 s is short.
DEFAULT_TIMEOUT = 300.0
# Fields only ``/images/edits`` takes: never sent with a generation.
EDIT_ONLY = ("input_fidelity",)
# And the reverse: the edits reference lists no ``complexity`` (a 2.6 generation
# field), so an edit leaves it out rather than risk a 400 unknown_parameter.
GENERATION_ONLY = ("complexity",)


def is_gpt_image(model: str) -> bool:
    """GPT image models always answer in base64 and reject ``response_format``."""
    return model.startswith(("gpt-image", "chatgpt-image"))


def size_fields(kind: str, request: GenerationRequest) -> dict[str, Any]:
    """The body's sizing fields: "WxH" for OpenAI-shaped kinds, width/height otherwise."""
    width, height = request.width, request.height
    if request.aspect_ratio:
        return {"aspect_ratio": request.aspect_ratio}
    if kind in SIZE_STRING_KINDS or (kind == "openai-compatible" and request.size):
        size = request.size or (f"{width}x{height}" if width and height else None)
        return {"size": size} if size else {}
    if width and height:
        return {"width": width, "height": height}
    return {"size": request.size} if request.size else {}


class OpenAIAdapter(Adapter):
    """One adapter for every kind that speaks ``/images/generations``."""

    def generate(self, request: GenerationRequest, spec, hooks: Hooks) -> GenerationResult:
        if hooks.cancelled():
            raise CancelledError()
        body = self.body(request, spec)
        if request.images_in:
            return self.edit(request, body)
        for name in EDIT_ONLY:
            body.pop(name, None)
        response = self.send("POST", self.url("images/generations"), json=body,
                             headers=self.headers(), timeout=self.timeout())
        if response.status_code >= 400:
            raise self.error(response)
        return self.result(response, sent_seed=body.get("seed"))

    def edit(self, request: GenerationRequest, body: dict[str, Any]) -> GenerationResult:
        """``POST /images/edits`` as multipart: one ``image`` (or repeated
        ``image[]``), an optional ``mask`` PNG for the first, and the body's
        other fields as text parts, as OpenAI's own SDK sends them."""
        images = request.images_in
        name = "image[]" if len(images) > 1 else "image"
        files = [(name, (f"image-{i}.{image_extension(data)}", data, f"image/{image_extension(data)}"))
                 for i, data in enumerate(images, 1)]
        if request.mask:
            files.append(("mask", ("mask.png", request.mask, "image/png")))
        body = {key: value for key, value in body.items() if key not in GENERATION_ONLY}
        files += [(key, (None, form_text(value))) for key, value in body.items()]
        response = self.send("POST", self.url("images/edits"), files=files,
                             headers=self.headers(), timeout=self.timeout())
        if response.status_code >= 400:
            raise self.error(response)
        return self.result(response, sent_seed=body.get("seed"))

    def check(self) -> str:
        listed = model_list(self, self.url("models"))
        ids = {m.get("id") for m in listed if isinstance(m, dict)}
        sentence = f"The key works: it sees {len(listed)} model{'' if len(listed) == 1 else 's'}."
        ours = [spec.id for spec in models_for(self.connection.kind)]
        if ours:
            found = sum(1 for model in ours if model in ids)
            sentence += f" {found} of the {len(ours)} catalog models for this kind are among them."
        return sentence

    def listed_models(self) -> list[dict]:
        """``GET /models``: [{"id", "shutdown_date" (YYYY-MM-DD or None)}, …], every model listed."""
        out = []
        for item in model_list(self, self.url("models")):
            if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
                when = item.get("shutdown_date")
                out.append({"id": item["id"][:200],
                            "shutdown_date": when if isinstance(when, str) and _is_date(when) else None})
        return out

    # --- the request ----------------------------------------------------------

    def headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.connection.api_key:
            headers["Authorization"] = f"Bearer {self.connection.api_key}"
        options = self.connection.options
        if options.get("organization"):
            headers["OpenAI-Organization"] = str(options["organization"])
        if options.get("project"):
            headers["OpenAI-Project"] = str(options["project"])
        return headers

    def timeout(self) -> httpx.Timeout:
        seconds = float(self.connection.options.get("timeout") or DEFAULT_TIMEOUT)
        return httpx.Timeout(seconds, connect=10.0)

    def body(self, request: GenerationRequest, spec) -> dict[str, Any]:
        """The JSON body: only fields that were chosen and that the model takes."""
        kind = self.connection.kind
        takes = spec.takes if spec is not None else None

        def wanted(name: str, value: Any) -> bool:
            return value not in (None, "") and (takes is None or name in takes)

        body: dict[str, Any] = {"model": request.model, "prompt": request.prompt}
        if request.n > 1:  # 1 is every gateway's default; some document no `n` at all
            body["n"] = request.n
        body.update(size_fields(kind, request))
        names = WIRE_NAMES.get(kind, {})
        for name in STANDARD_PARAMS:
            value = getattr(request, name)
            if wanted(name, value):
                body[names.get(name, name)] = value
        for name, value in request.extras.items():
            if wanted(name, value):
                body[name] = value
        # OpenAI rejects compression below 100 for PNG, and PNG is the default.
        if "output_compression" in body and body.get("output_format", "png") == "png":
            del body["output_compression"]
        if fmt := self.response_format(request.model):
            body["response_format"] = fmt
        provider = self.connection.options.get("provider")
        if kind == "apipie" and provider and "provider" not in body:
            body["provider"] = provider
        return body

    def response_format(self, model: str) -> str | None:
        """``b64_json`` where the model takes the field, so no URL has to be fetched.

        ``connection.options["response_format"] = "url"`` asks for URLs instead.
        APIYI and AIGC document URL answers only, and GPT image models answer
        400 unknown_parameter to the field, so those never get it.
        """
        kind, option = self.connection.kind, self.connection.options.get("response_format")
        if is_gpt_image(model):
            return None
        if (kind == "openai" and model.startswith("dall-e")) or kind == "apipie":
            return option or "b64_json"
        if kind == "openai-compatible":
            return option or None
        return None

    # --- the answer -----------------------------------------------------------


    def result(self, response: httpx.Response, *, sent_seed: int | None) -> GenerationResult:
        payload = self.json_body(response)
        request_id = response.headers.get("x-request-id") or response.headers.get("x-litellm-call-id")
        if not isinstance(payload, dict):
            raise ProviderError("The provider's answer is not a JSON object", permanent=True,
                                code="bad_response", request_id=request_id)
        data = payload.get("data")
        if data is None and payload.get("error"):  # some gateways send errors with a 200
            raise self.error_from(response, *error_fields(payload), error_type(payload))
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise ProviderError("The provider's answer has no image list ('data')", permanent=True,
                                code="bad_response", request_id=request_id)
        if not data:
            raise ProviderError("The provider answered without any image", permanent=True,
                                code="no_images", request_id=request_id)
        usage = payload.get("usage") if isinstance(payload.get("usage"), dict) else {}
        return GenerationResult(
            images=[self.image(item, sent_seed, request_id) for item in data],
            usage=usage, cost=cost_of(usage),
            request_id=request_id or (str(payload["id"]) if payload.get("id") else None),
        )

    def image(self, item: dict, sent_seed: int | None, request_id: str | None) -> ResultImage:
        seed = item.get("seed") if isinstance(item.get("seed"), int) else sent_seed
        revised = item.get("revised_prompt") or None
        b64, url = item.get("b64_json"), item.get("url")
        if isinstance(url, str) and url.startswith("data:"):  # a data URI is base64 too
            b64, url = url.partition(",")[2], None
        if isinstance(b64, str) and b64:
            return ResultImage(data=decode_b64(b64, request_id), seed=seed, revised_prompt=revised)
        if isinstance(url, str) and url:
            # A gateway may answer with a path on itself; the caller needs a full URL.
            return ResultImage(url=urljoin(self.connection.base_url, url), seed=seed,
                               revised_prompt=revised)
        raise ProviderError("An image in the provider's answer has neither b64_json nor url",
                            permanent=True, code="bad_response", request_id=request_id)

    # --- errors ---------------------------------------------------------------

    def error(self, response: httpx.Response) -> ProviderError:
        payload = json_or_none(response)
        message, code = error_fields(payload)
        if not message and payload is None:
            message = page_text(response)
        return self.error_from(response, message, code, error_type(payload))

    def error_from(self, response: httpx.Response, message: str, code: str | None,
                   kind: str | None = None) -> ProviderError:
        status = response.status_code
        # LiteLLM sends its own call id where OpenAI sends x-request-id.
        request_id = response.headers.get("x-request-id") or response.headers.get("x-litellm-call-id")
        # Gateways such as LiteLLM put the HTTP status in error.code ("429") and
        # wrap the upstream error in the message, so the meaning is looked for
        # in the code, the type and the words alike.
        signals = " ".join(filter(None, (code, kind, message))).lower()
        words = redact(message, *self.secrets)
        if any(c in signals for c in MODERATION_CODES) or "safety system" in signals:
            return ContentPolicyError(f"The provider refused this prompt: {words}",
                                      status=status, request_id=request_id)
        if "insufficient_quota" in signals or "exceeded your current quota" in signals:
            # a 429 that waiting will not cure
            return ProviderError(f"The provider account has no quota left: {words}",
                                 permanent=True, status=status, code="quota", request_id=request_id)
        if is_model_gone(status, code, signals):
            return ProviderError(f"The provider no longer offers this model: {words}",
                                 permanent=True, status=status, code="model_not_found",
                                 request_id=request_id)
        if status < 400:  # an error envelope on a 200: the request itself was refused
            return ProviderError(f"The provider rejected the request: "
                                 f"{redact(message, *self.secrets)}", permanent=True,
                                 status=status, code="invalid", request_id=request_id)
        error = error_for_status(response, message, secrets=self.secrets)
        error.request_id = request_id
        return error


def form_text(value: Any) -> str:
    """A multipart text part: booleans as JSON writes them, the rest as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def image_extension(data: bytes) -> str:
    """png, jpeg or webp from the file's first bytes (OpenAI checks the type)."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return "png"


def is_model_gone(status: int, code: str | None, signals: str) -> bool:
    """OpenAI's 404 model_not_found, or a 400/404 saying the model was deprecated or shut down."""
    if code == "model_not_found" or "model_not_found" in signals:
        return True
    if status not in (400, 404) or "model" not in signals:
        return False
    return any(w in signals for w in ("does not exist", "deprecated", "shut down", "shutdown",
                                      "decommissioned", "no longer available"))


def error_type(payload: Any) -> str | None:
    error = payload.get("error") if isinstance(payload, dict) else None
    value = error.get("type") if isinstance(error, dict) else None
    return str(value) if isinstance(value, str) else None


def _is_date(text: str) -> bool:
    from datetime import date

    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def error_fields(payload: Any) -> tuple[str, str | None]:
    """(message, code) from OpenAI's ``{"error": {message, type, param, code}}`` or a look-alike."""
    if not isinstance(payload, dict):
        return "", None
    error = payload.get("error")
    if isinstance(error, dict):
        message = str(error.get("message") or error.get("type") or "")
        code = error.get("code")
        return message, str(code) if code is not None else None
    if isinstance(error, str):  # {"error": "rate_limit_exceeded", "message": "..."}
        return str(payload.get("message") or error), error
    for key in ("message", "detail"):
        if isinstance(payload.get(key), str):
            code = payload.get("code")
            return payload[key], str(code) if code is not None else None
    return "", None


def decode_b64(text: str, request_id: str | None = None) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ProviderError("The provider sent an image that is not valid base64", permanent=True,
                            code="bad_response", request_id=request_id) from None


def cost_of(usage: dict) -> Decimal | None:
    """APIpie reports its charge as ``usage.cost``; OpenAI reports tokens only."""
    cost = usage.get("cost")
    if isinstance(cost, bool) or not isinstance(cost, (int, float, str)):
        return None
    try:
        return Decimal(str(cost))
    except InvalidOperation:
        return None
