"""302.AI's unified image API (v1): one synchronous POST for some seventy models.

``POST /302/image/generate`` with ``Authorization: Bearer <key>`` and a JSON
body: model, prompt, the model's one way of sizing (``aspect_ratio``,
``width``+``height`` or ``size``) and, for image-to-image models, the input
image as a data URL in ``image``. The answer carries ``image_url`` (the v2
task shape adds ``image_urls``): URLs the caller downloads at once.

Errors come as ``{code, message, request_id}``, on an error status or on
HTTP 200; 302.AI's gateway also answers ``{"error": {"err_code", "message"}}``.
Codes 1002 (rate limited) and 1004 (authentication failed) are the vendor's.
"""
from __future__ import annotations

import base64
import io
import re

import httpx
from PIL import Image

from .aithriving import not_json  # generic; its home would be base.py (not ours to edit)
from .base import (
    Adapter, ContentPolicyError, GenerationRequest, GenerationResult, Hooks, ProviderError,
    ResultImage, error_for_status, json_or_none, parse_retry_after, redact,
)

PATH = "/302/image/generate"
MODELS_PATH = "/v1/models"

# Standard parameters travel under their own names when a (custom) model
# declares them; the built-in catalog declares none, as the seed documents none.
STANDARD = ("negative_prompt", "seed", "steps", "guidance", "sampler", "style_preset",
            "quality", "style", "output_format")

# Vendor codes: numeric ones from the seed's gateway, string ones from 302's
# ErrorResponse schema.
RATE_LIMITED = {"1002", "RateLimitExceeded"}
AUTH_FAILED = {"1004", "Unauthorized"}
NO_BALANCE = {"InsufficientBalance"}
PASSING = {"InternalError"}
_SUCCESS_CODES = {"", "0", "200"}
_POLICY = re.compile(
    r"content.?polic|moderat|nsfw|sensitive|safety (check|system|filter)|inappropriate", re.I)


def data_url(image: bytes) -> str:
    """The input image as ``data:<mime>;base64,…``, the mime type read from the bytes."""
    try:
        kind = Image.open(io.BytesIO(image)).format
    except OSError:  # UnidentifiedImageError included
        raise ProviderError("The input image is not a picture the studio can read",
                            permanent=True, code="invalid") from None
    mime = Image.MIME.get(kind, "image/png")
    return f"data:{mime};base64,{base64.b64encode(image).decode('ascii')}"


def request_body(request: GenerationRequest) -> dict:
    """The JSON body: only the sizing field the model uses and the values chosen."""
    body = {"model": request.model, "prompt": request.prompt}
    if request.aspect_ratio:
        body["aspect_ratio"] = request.aspect_ratio
    elif request.size:
        if request.size != "auto":  # "auto": the provider decides (from the input image)
            body["size"] = request.size
    elif request.width is not None and request.height is not None:
        body["width"], body["height"] = request.width, request.height
    if request.n > 1:
        body["n"] = request.n
    for name in STANDARD:
        value = getattr(request, name)
        if value not in (None, ""):
            body[name] = value
    body.update({name: value for name, value in request.extras.items() if value not in (None, "")})
    if request.images_in:  # the i2i models take one image (an edit from the gallery, or an upload)
        body["image"] = data_url(request.images_in[0])
    return body


def envelope(body) -> tuple[str, str]:
    """(vendor code, message) from any of 302.AI's error shapes; empty when absent."""
    if not isinstance(body, dict):
        return "", ""
    error = body.get("error")
    if isinstance(error, dict):
        code = error.get("err_code", error.get("code", error.get("type", "")))
        message = error.get("message") or error.get("message_en") or ""
    else:
        code = body.get("code", "")
        message = body.get("message") or body.get("msg") or body.get("detail") or error or ""
    return str(code if code is not None else ""), str(message)


class AI302Adapter(Adapter):
    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.connection.api_key}"}

    def generate(self, request: GenerationRequest, spec, hooks: Hooks) -> GenerationResult:
        if spec is not None and spec.needs_image and not request.images_in:
            raise ProviderError(f"{request.model} needs an input image", permanent=True,
                                code="invalid")
        response = self.send("POST", self.url(PATH), json=request_body(request),
                             headers=self.headers)
        body = self._read(response)
        request_id = self._request_id(response, body)
        urls = body.get("image_urls")
        if not (isinstance(urls, list) and urls):
            urls = [body.get("image_url")]
        images = [ResultImage(url=url) for url in urls if isinstance(url, str) and url]
        if not images:
            # The v1 call waits a bounded time for the upstream model; an answer
            # still "pending"/"processing" means it gave up waiting, not that we erred.
            waiting = body.get("status") in ("pending", "processing")
            raise ProviderError(
                "302.AI stopped waiting for the model before it finished" if waiting
                else "302.AI answered without an image URL",
                permanent=not waiting, status=response.status_code,
                code="timeout" if waiting else "bad_response", request_id=request_id)
        return GenerationResult(images=images, request_id=request_id)

    def check(self) -> str:
        """List the models: free, and it checks the key like every other call.

        302.AI has no free image call: each ``/302/image/generate`` is billed.
        ``GET /v1/models`` costs nothing and goes through the same Bearer key
        check, so a 200 proves the base URL and the key (``llm=0`` keeps the list
        to non-chat models). ``/dashboard/balance`` is free too and would show
        the balance, but it needs a key with the "manage keys" permission, so a
        perfectly good generation key could fail it. What this cannot prove is
        that the balance covers an image.
        """
        response = self.send("GET", self.url(MODELS_PATH), params={"llm": "0"},
                             headers=self.headers)
        body = self._read(response)
        models = body.get("data")
        if not isinstance(models, list):
            raise ProviderError("302.AI answered the model list without a list: check the "
                                "base URL", permanent=True, code="bad_response")
        return f"302.AI accepted the key and lists {len(models)} non-chat models."

    def _read(self, response: httpx.Response) -> dict:
        """The JSON body of a success; every failure shape raises a ProviderError."""
        body = json_or_none(response)
        code, message = envelope(body)
        failed = (response.status_code >= 400 or code not in _SUCCESS_CODES
                  or (isinstance(body, dict) and (body.get("status") == "failed"
                                                  or isinstance(body.get("error"), dict))))
        if failed:
            raise self._error(response, body, code, message)
        if not isinstance(body, dict):
            error = not_json(response, "302.AI", self.secrets)
            error.request_id = self._request_id(response, None)
            raise error
        return body

    def _error(self, response: httpx.Response, body, code: str, message: str) -> ProviderError:
        status = response.status_code
        message = redact(message or response.text[:200] or response.reason_phrase, *self.secrets)
        shown = f"{message} (code {code})" if code else message
        request_id = self._request_id(response, body)
        kw = {"status": status, "request_id": request_id}
        if code in RATE_LIMITED:
            error = ProviderError(f"Rate limited by 302.AI: {shown}", permanent=False,
                                  retry_after=parse_retry_after(response.headers),
                                  code="rate_limit", **kw)
        elif code in AUTH_FAILED:
            error = ProviderError(f"302.AI rejected the API key: {shown}", permanent=True,
                                  code="auth", **kw)
        elif _POLICY.search(message):
            error = ContentPolicyError(f"The provider refused this prompt: {shown}", **kw)
        elif code in NO_BALANCE:
            error = ProviderError(f"302.AI balance too low: {shown}", permanent=True,
                                  code="quota", **kw)
        elif code in PASSING:
            error = ProviderError(f"302.AI had an internal error: {shown}", permanent=False,
                                  retry_after=parse_retry_after(response.headers),
                                  code="server", **kw)
        elif status >= 400:
            error = error_for_status(response, shown, secrets=self.secrets)
            error.request_id = error.request_id or request_id
        else:
            # A failure on HTTP 200 with a code we do not know: retrying the same
            # request is unlikely to help, so say so rather than loop.
            error = ProviderError(f"302.AI could not make the image: {shown}", permanent=True,
                                  code="invalid", **kw)
        return error

    @staticmethod
    def _request_id(response: httpx.Response, body) -> str | None:
        from_body = body.get("request_id") if isinstance(body, dict) else None
        return (response.headers.get("request-id") or response.headers.get("x-request-id")
                or (str(from_body) if from_body else None))
