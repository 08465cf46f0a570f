"""Stability AI: the v2beta Stable Image endpoints and the v1 engines.

The model id picks the protocol:
- ``ultra`` / ``core``: ``POST /v2beta/stable-image/generate/<id>``;
- ``sd3…`` (sd3.5-large, -large-turbo, -medium, -flash): the ``sd3`` endpoint
  with ``model=<id>``;
- anything else is a v1 engine id: ``POST /v1/generation/<id>/text-to-image``;
- the edit and upscale ids (inpaint, erase, upscale-fast…): see ``stability_edit``.
v2beta takes multipart/form-data (even with no file) and answers one image as
raw bytes; v1 takes JSON and answers ``artifacts[].base64``, up to 10 at once.
"""
from __future__ import annotations

import base64
import binascii
from typing import Any

import httpx

from .base import (
    Adapter, ContentPolicyError, GenerationRequest, GenerationResult, Hooks, ProviderError,
    ResultImage, error_for_status, json_or_none, redact,
)

V2_ENDPOINTS = ("ultra", "core")
# v2beta refusals on content grounds (403 input moderation, 422 public figure).
_V2_POLICY_NAMES = ("content_moderation", "public_figure")
# The reference: over 150 requests in 10 s times the caller out for 60 s.
_RATE_LIMIT_WAIT = 60.0


def route(model: str) -> tuple[str, str, str | None]:
    """(protocol, path, sd3 model field) for a model id."""
    from .stability_edit import edit_path

    if path := edit_path(model):
        return "edit", path, None
    if model in V2_ENDPOINTS:
        return "v2beta", f"/v2beta/stable-image/generate/{model}", None
    if model.startswith("sd3"):
        return "v2beta", "/v2beta/stable-image/generate/sd3", model
    return "v1", f"/v1/generation/{model}/text-to-image", None


def _error_body(response: httpx.Response) -> tuple[str, str]:
    """(name, message) from {id, name, errors[]} (v2beta) or {id, name, message} (v1)."""
    body = json_or_none(response)
    if body is None:
        return "", response.text.strip()[:300]
    if not isinstance(body, dict):
        return "", str(body)[:300]
    name = str(body.get("name") or "")
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        message = "; ".join(map(str, errors))
    else:
        message = str(body.get("message") or name or body)[:500]
    return name, message


def _decode(b64: Any) -> bytes:
    try:
        data = base64.b64decode("".join(b64.split()), validate=True) if isinstance(b64, str) else b""
    except (binascii.Error, ValueError):
        data = b""
    if not data:
        raise ProviderError("Stability sent an image that is not valid base64",
                            permanent=True, code="bad_response")
    return data


def _int(value: Any) -> int | None:
    """A seed from a JSON number or a header's digits."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        return int(value)
    except ValueError:
        return None


class StabilityAdapter(Adapter):
    def _auth(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.connection.api_key}"}

    def _error(self, response: httpx.Response) -> ProviderError:
        name, message = _error_body(response)
        request_id = response.headers.get("x-request-id")
        if name in _V2_POLICY_NAMES or (response.status_code == 400 and name == "invalid_prompts"):
            return ContentPolicyError(
                f"The provider refused this prompt: {redact(message, *self.secrets)}",
                status=response.status_code, request_id=request_id)
        error = error_for_status(response, message, secrets=self.secrets,
                                 code="insufficient_credits" if response.status_code == 402 else None)
        if response.status_code == 429 and error.retry_after is None:
            error.retry_after = _RATE_LIMIT_WAIT
        return error

    def _bad_body(self, response: httpx.Response) -> ProviderError:
        text = response.text.strip()
        return ProviderError(
            redact(f"Stability sent an unreadable answer: {text[:200]!r}", *self.secrets),
            permanent=text[:1] != "<", status=response.status_code, code="bad_response",
            request_id=response.headers.get("x-request-id"))

    def generate(self, request: GenerationRequest, spec, hooks: Hooks) -> GenerationResult:
        protocol, path, sd3_model = route(request.model)
        takes = spec.takes if spec is not None else None
        if protocol == "edit":
            from .stability_edit import edit

            return edit(self, request, path, takes, hooks)
        if protocol == "v2beta":
            return self._v2beta(request, path, sd3_model, takes)
        return self._v1(request, path, takes)

    # --- v2beta ---------------------------------------------------------------

    def _v2beta(self, request: GenerationRequest, path: str, sd3_model: str | None,
                takes) -> GenerationResult:
        fields = self._v2beta_fields(request, sd3_model, takes)
        # httpx sends multipart only when given files: (None, value) parts are
        # plain form fields, which is how a text-only request becomes multipart.
        files = [(name, (None, str(value))) for name, value in fields.items()]
        if request.images_in:  # image-to-image: the first image and how far to move from it
            # aspect_ratio is for text-to-image only: the input image sets the shape.
            files = [part for part in files if part[0] != "aspect_ratio"]
            files.append(("image", ("image", request.images_in[0], "application/octet-stream")))
            if sd3_model:
                files.append(("mode", (None, "image-to-image")))
            if request.strength is not None:
                files.append(("strength", (None, str(request.strength))))
        response = self.send("POST", self.url(path), files=files,
                             headers={**self._auth(), "accept": "image/*"})
        return self.image_answer(response)

    def image_answer(self, response: httpx.Response) -> GenerationResult:
        """One v2beta image: raw bytes (``accept: image/*``) or base64 JSON."""
        if response.status_code != 200:
            raise self._error(response)
        ctype = response.headers.get("content-type", "").lower()
        if ctype.startswith("image/"):
            data, finish = response.content, response.headers.get("finish-reason", "SUCCESS")
            seed = _int(response.headers.get("seed"))
        elif ctype.startswith("application/json"):  # "application/json; type=image/png"
            data, finish, seed = self._v2beta_json(response)
        else:
            raise self._bad_body(response)
        request_id = response.headers.get("x-request-id")
        if finish == "CONTENT_FILTERED":
            # Stability answers 200 with a blurred picture: not worth storing.
            raise ContentPolicyError(
                "The provider refused this prompt: CONTENT_FILTERED (Stability's filter blurred "
                "the result)", status=200, request_id=request_id)
        if not data:
            raise self._bad_body(response)
        return GenerationResult(images=[ResultImage(data=data, seed=seed)],
                                usage={"finish_reason": finish}, request_id=request_id)

    @staticmethod
    def _v2beta_fields(request: GenerationRequest, sd3_model: str | None, takes) -> dict[str, Any]:
        def wanted(name, value):
            return value not in (None, "") and (takes is None or name in takes)

        fields: dict[str, Any] = {"prompt": request.prompt}
        if sd3_model:
            fields["model"] = sd3_model
        if wanted("negative_prompt", request.negative_prompt):
            fields["negative_prompt"] = request.negative_prompt
        if request.aspect_ratio:
            fields["aspect_ratio"] = request.aspect_ratio
        for name in ("seed", "output_format", "style_preset"):
            if wanted(name, getattr(request, name)):
                fields[name] = getattr(request, name)
        if wanted("guidance", request.guidance):  # sd3 only: cfg_scale
            fields["cfg_scale"] = request.guidance
        return fields

    def _v2beta_json(self, response: httpx.Response) -> tuple[bytes, str, int | None]:
        try:
            body = response.json()
        except ValueError:
            raise self._bad_body(response) from None
        if not isinstance(body, dict) or "finish_reason" not in body:
            raise self._bad_body(response)
        finish = str(body["finish_reason"])
        data = b"" if finish == "CONTENT_FILTERED" else _decode(body.get("image"))
        return data, finish, _int(body.get("seed"))

    # --- v1 -------------------------------------------------------------------

    def _v1(self, request: GenerationRequest, path: str, takes) -> GenerationResult:
        response = self.send("POST", self.url(path), json=self._v1_body(request, takes),
                             headers={**self._auth(), "accept": "application/json"})
        if response.status_code != 200:
            raise self._error(response)
        try:
            body = response.json()
        except ValueError:
            raise self._bad_body(response) from None
        artifacts = body.get("artifacts") if isinstance(body, dict) else None
        if not artifacts or not isinstance(artifacts, list) \
                or not all(isinstance(a, dict) for a in artifacts):
            raise self._bad_body(response)
        return self._v1_result(artifacts, response.headers.get("x-request-id"))

    @staticmethod
    def _v1_body(request: GenerationRequest, takes) -> dict[str, Any]:
        def wanted(name, value):
            return value not in (None, "") and (takes is None or name in takes)

        prompts = [{"text": request.prompt, "weight": 1.0}]
        if wanted("negative_prompt", request.negative_prompt):
            prompts.append({"text": request.negative_prompt, "weight": -1.0})
        body: dict[str, Any] = {"text_prompts": prompts}
        width, height = request.width, request.height
        if (width is None or height is None) and request.size and "x" in request.size:
            width, height = (int(v) for v in request.size.split("x"))
        if width is not None and height is not None:
            body["width"], body["height"] = width, height
        body["samples"] = request.n
        for name, wire in (("guidance", "cfg_scale"), ("steps", "steps"), ("sampler", "sampler"),
                           ("style_preset", "style_preset"), ("seed", "seed")):
            if wanted(name, getattr(request, name)):
                body[wire] = getattr(request, name)
        clip = request.extras.get("clip_guidance_preset")
        if wanted("clip_guidance_preset", clip):
            body["clip_guidance_preset"] = clip
        return body

    def _v1_result(self, artifacts: list[dict], request_id: str | None) -> GenerationResult:
        reasons = [str(a.get("finishReason", "SUCCESS")) for a in artifacts]
        images = [ResultImage(data=_decode(a.get("base64")), seed=_int(a.get("seed")))
                  for a, reason in zip(artifacts, reasons) if reason == "SUCCESS"]
        if not images:
            if "CONTENT_FILTERED" in reasons:
                raise ContentPolicyError(
                    "The provider refused this prompt: CONTENT_FILTERED (Stability's filter "
                    "blurred every result)", request_id=request_id)
            raise ProviderError(f"Stability produced no image (finish reasons: "
                                f"{', '.join(reasons) or 'none'})",
                                permanent=False, code="no_image", request_id=request_id)
        # Filtered or failed samples are dropped (blurred pictures are not kept)
        # and counted, so the job can say why it has fewer images than asked.
        usage = {"samples": len(artifacts), "filtered": reasons.count("CONTENT_FILTERED"),
                 "failed": len(artifacts) - len(images) - reasons.count("CONTENT_FILTERED")}
        return GenerationResult(images=images, usage=usage, request_id=request_id)

    # --- check ----------------------------------------------------------------

    def check(self) -> str:
        response = self.send("GET", self.url("/v1/user/balance"),
                             headers={**self._auth(), "accept": "application/json"})
        if response.status_code != 200:
            raise self._error(response)
        try:
            credits = response.json().get("credits")
        except (ValueError, AttributeError):
            raise self._bad_body(response) from None
        if isinstance(credits, (int, float)) and not isinstance(credits, bool):
            return f"The key works: {credits:g} credits left."
        return "The key works."
