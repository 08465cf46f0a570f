"""aithriving's Basic Text To Image API: Stable Diffusion 1.6, one synchronous call.

``POST /api/generate/basic/textToImage`` with the bare key in ``Authorization``
(no "Bearer"). The answer is JSON with a ``code``: 0 carries the image as
base64 in ``data.image``, -1 a failure reason in ``message`` — usually on
HTTP 200, so a 200 is not yet a success. (The seed's sample writes the base64
text to a .png undecoded; we decode it.)
"""
from __future__ import annotations

import base64
import binascii
import io
import re

import httpx
from PIL import Image, UnidentifiedImageError

from .base import (
    Adapter, ContentPolicyError, GenerationRequest, GenerationResult, Hooks, ProviderError,
    ResultImage, error_for_status, json_or_none, redact,
)

PATH = "/api/generate/basic/textToImage"

# A failure says only "the reason" in words; the seed documents no codes. We
# read the words: refusals, key and credit problems are permanent, and so is
# anything we do not recognise, because most failures (a bad parameter, a
# refused prompt, no credits) fail the same way again and a retry loop would
# only delay telling the user. Only a reason that says it will pass (busy,
# timeout, try again) is retried; failures cost nothing, so that retry is free.
_POLICY = re.compile(
    r"nsfw|inappropriate|moderat|content.?polic|sensitive|prohibited|safety (check|system|filter)",
    re.I)
_AUTH = re.compile(r"auth|api.?key|unauthori[sz]ed|forbidden|invalid.?token", re.I)
_CREDITS = re.compile(r"credit|balance|insufficient|quota", re.I)
_PASSING = re.compile(
    r"timed? ?out|busy|overload|try again|temporar|unavailable|too many|rate.?limit|"
    r"server error|internal error", re.I)


def failure(message: str, *, secrets: tuple[str, ...] = (), status: int | None = None,
            request_id: str | None = None) -> ProviderError:
    """The error for a ``code: -1`` answer, judged by its message."""
    text = redact(message or "no reason given", *secrets)
    kw = {"status": status, "request_id": request_id}
    if _POLICY.search(text):
        return ContentPolicyError(f"The provider refused this prompt: {text}", **kw)
    if _AUTH.search(text):
        return ProviderError(f"aithriving rejected the API key: {text}", permanent=True,
                             code="auth", **kw)
    if _CREDITS.search(text):
        return ProviderError(f"aithriving cannot charge this account: {text}", permanent=True,
                             code="quota", **kw)
    if _PASSING.search(text):
        return ProviderError(f"aithriving failed for a passing reason: {text}", permanent=False,
                             code="server", **kw)
    return ProviderError(f"aithriving could not make the image: {text}", permanent=True,
                         code="invalid", **kw)


def decode_image(text) -> bytes:
    """The image bytes from ``data.image``: base64 (a data: prefix tolerated)."""
    if not isinstance(text, str) or not text.strip():
        raise ProviderError("aithriving reported success but sent no image", permanent=True,
                            code="bad_response")
    if text.startswith("data:"):
        text = text.partition(",")[2]
    try:
        data = base64.b64decode("".join(text.split()), validate=True)
        Image.open(io.BytesIO(data))  # reads the header only: is it a picture at all?
    except (binascii.Error, ValueError, UnidentifiedImageError):
        raise ProviderError("aithriving sent an image that is not valid base64 image data",
                            permanent=True, code="bad_response") from None
    return data


def not_json(response: httpx.Response, provider: str, secrets: tuple[str, ...]) -> ProviderError:
    """A success status whose body is not JSON. A web page is what a proxy in the
    way sends (passing), but also what a wrong base URL gets, so say both."""
    text = response.text.strip()
    page = not text or text.startswith("<") or "html" in response.headers.get("content-type", "")
    what = ("an empty body" if not text else "a web page" if page
            else repr(redact(text[:200], *secrets)))
    return ProviderError(
        f"{provider} answered HTTP {response.status_code} with {what} instead of its JSON API: "
        "a proxy in the way, or a wrong base URL", permanent=not page,
        status=response.status_code, code="bad_response",
        request_id=response.headers.get("x-request-id"))


def request_body(request: GenerationRequest) -> dict:
    """The JSON body; fields the user did not choose are left to aithriving."""
    if request.width is None or request.height is None:
        raise ProviderError("aithriving needs a width and a height", permanent=True,
                            code="invalid")
    body = {"prompt": request.prompt, "width": request.width, "height": request.height}
    optional = {
        # cfg_scale is an integer on the wire; the catalog only offers whole numbers.
        "cfg_scale": None if request.guidance is None else round(request.guidance),
        "clip_guidance_preset": request.extras.get("clip_guidance_preset") or None,
        "sampler": request.sampler or None,
        "seed": request.seed,
        "steps": request.steps,
        "style_preset": request.style_preset or None,
    }
    body.update({name: value for name, value in optional.items() if value is not None})
    return body


class AithrivingAdapter(Adapter):
    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": self.connection.api_key, "Accept": "application/json"}

    def generate(self, request: GenerationRequest, spec, hooks: Hooks) -> GenerationResult:
        response = self.send("POST", self.url(PATH), json=request_body(request),
                             headers=self.headers)
        error, body = self._read(response)
        if error:
            raise error
        data = body.get("data")
        if not isinstance(data, dict):
            raise ProviderError("aithriving reported success without a data object",
                                permanent=True, code="bad_response")
        seed = data.get("seed")
        image = ResultImage(data=decode_image(data.get("image")),
                            seed=seed if isinstance(seed, int) else None)
        return GenerationResult(images=[image], request_id=response.headers.get("x-request-id"))

    def check(self) -> str:
        """Ask for an image with an empty body: the call is free, and the answer tells a lot.

        aithriving documents no free call (no balance, no model list), and a
        real image costs 0.4–2 credits, so we do not make one. Failed requests
        are never charged, so we POST ``{}``: without the required prompt and
        size the server cannot make an image. A rejected key, a wrong base URL
        (404, or the website's HTML page) and an outage are each reported as
        errors. A validation failure means the API answered and did not object
        to the key; we say exactly that and no more, because the seed does not
        say whether the key is checked before the body.
        """
        response = self.send("POST", self.url(PATH), json={}, headers=self.headers)
        if response.status_code in (404, 405):
            raise ProviderError(
                f"No aithriving API at {self.url(PATH)} ({response.status_code}): "
                "check the base URL", permanent=True, status=response.status_code, code="invalid")
        error, body = self._read(response)
        if error is None:
            return "aithriving accepted the key."
        if error.code != "invalid" or body is None:
            raise error
        reason = redact(str(body.get("message") or "no reason given"), *self.secrets)
        return (f"aithriving answered and did not reject the key; it refused the empty test "
                f"request as expected ({reason}). There is no free check, so only a real "
                f"image (0.4–2 credits) proves the key fully.")

    def _read(self, response: httpx.Response) -> tuple[ProviderError | None, dict | None]:
        """(the failure, the JSON body): the failure is None on ``code: 0``."""
        body = json_or_none(response)
        body = body if isinstance(body, dict) else None
        message = str(body.get("message") or "") if body else ""
        request_id = response.headers.get("x-request-id")
        status = response.status_code
        if status in (401, 403, 429) or status >= 500:
            return error_for_status(response, message or response.text[:200],
                                    secrets=self.secrets), body
        if status >= 400:  # a refusal with a reason: read it like a code -1
            return failure(message or response.text[:200], secrets=self.secrets, status=status,
                           request_id=request_id), body
        if body is None:
            return not_json(response, "aithriving", self.secrets), None
        if str(body.get("code")) != "0":  # tolerate "0" as a string
            return failure(message, secrets=self.secrets, status=status,
                           request_id=request_id), body
        return None, body
