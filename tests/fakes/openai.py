"""A fake of OpenAI's Images API and of the gateways that copy it.

``FakeOpenAI(kind)`` answers like OpenAI, APIYI, APIpie, the AIGC gateway or a
generic OpenAI-compatible gateway: base URL ``fake.url + "/v1"``. It is strict
where the real ones are: a field the model does not take is a 400
``unknown_parameter``, so a test fails if the adapter sends one. A prompt
containing ``forbidden`` is refused by the safety system. URL answers point at
``/files/<id>.png`` on the same server; ``expire_files()`` makes them 404, as
APIYI's do after 10 minutes.

Faults: ``fake.push(openai_error(...))``, ``rate_limited()``, ``server_error()``.

As OpenAI on 2026-12-01: the shut-down models answer 404 ``model_not_found``
with OpenAI's own body; ``GET /v1/models`` lists what exists, each entry with
``shutdown_date``; GPT image answers carry token ``usage`` that grows with
quality and pixels.
"""
from __future__ import annotations

import base64
import itertools

from .base import FakeServer, Reply, Request, png_bytes

API_KEY = "sk-test-0123456789abcdef"
MODERATION_WORD = "forbidden"

_GPT_FIELDS = {"model", "prompt", "n", "size", "quality", "output_format", "output_compression",
               "background", "moderation", "stream", "partial_images", "user"}
_DALLE2_FIELDS = {"model", "prompt", "n", "size", "quality", "response_format", "user"}
_DALLE3_FIELDS = _DALLE2_FIELDS | {"style"}
_APIYI_FIELDS = {"model", "prompt", "n", "size", "width", "height", "seed", "safety_tolerance",
                 "output_format", "prompt_upsampling"}
_APIYI_FLEX_FIELDS = _APIYI_FIELDS | {"steps", "guidance"}
_APIPIE_FIELDS = {"model", "prompt", "provider", "n", "size", "quality", "style",
                  "response_format", "image"}
_AIGC_FIELDS = {"model", "prompt", "negative_prompt", "width", "height", "num_inference_steps",
                "guidance_scale", "seed"}


def openai_error(status: int, message: str, *, type: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None,
                 headers: dict | None = None) -> Reply:
    """OpenAI's error envelope."""
    body = {"error": {"message": message, "type": type, "param": param, "code": code}}
    return Reply(status, body, headers={"x-request-id": "req_err", **(headers or {})})


def apipie_error(status: int, code: str, message: str, headers: dict | None = None) -> Reply:
    """APIpie's envelope: code and message only."""
    return Reply(status, {"error": {"code": code, "message": message}}, headers=headers or {})


def rate_limited(retry_after: str | None = "2", retry_after_ms: str | None = None) -> Reply:
    headers = {}
    if retry_after is not None:
        headers["retry-after"] = retry_after
    if retry_after_ms is not None:
        headers["retry-after-ms"] = retry_after_ms
    return openai_error(429, "Rate limit exceeded for images per minute in organization org-x. "
                        "Limit: 0/1min. Current: 1/1min.", type="requests",
                        code="rate_limit_exceeded", headers=headers)


# OpenAI's shutdowns (its deprecations page): these ids now answer 404.
SHUT_DOWN = {"dall-e-2": "2026-05-12", "dall-e-3": "2026-05-12", "gpt-image-1": "2026-10-23",
             "gpt-image-1-mini": "2026-12-01", "gpt-image-1.5": "2026-12-01",
             "gpt-image-1.5-2025-12-16": "2026-12-01", "chatgpt-image-latest": "2026-12-01"}
LISTED = ["gpt-image-2", "gpt-image-2-2026-04-21", "gpt-image-2.5-sunburst",
          "gpt-image-2.5-sunburst-2026-09-08", "gpt-image-2.5-flare", "gpt-image-2.5-flare-2026-09-08",
          "gpt-image-2.6-sunburst", "gpt-image-2.6-flare", "gpt-4o", "whisper-1"]
# Output image tokens of one 1024×1024 image per quality (gpt-image-2's $0.006/0.053/0.211 at $30/1M).
IMAGE_TOKENS_1024 = {"low": 200, "medium": 1767, "high": 7033}


def _flagged(image: bytes) -> bool:
    from .openai_edits import is_flagged

    return is_flagged(image)


def model_not_found(model: str) -> Reply:
    """OpenAI's answer for a model that does not exist (or no longer does)."""
    return openai_error(404, f"The model `{model}` does not exist or you do not have access to it.",
                        code="model_not_found", param="model")


def image_usage(prompt: str, quality: str | None, size: str | None, n: int) -> dict:
    """Token usage as OpenAI reports it, scaled by quality and pixel area."""
    quality = quality if quality in IMAGE_TOKENS_1024 else "medium"  # auto renders at medium here
    width, _, height = (size or "1024x1024").partition("x")
    area = int(width) * int(height) / 1024**2 if width.isdigit() and height.isdigit() else 1.0
    image_tokens = round(IMAGE_TOKENS_1024[quality] * area) * n
    text_tokens = max(1, len(prompt) // 4)
    return {"input_tokens": text_tokens,
            "input_tokens_details": {"text_tokens": text_tokens, "image_tokens": 0},
            "output_tokens": image_tokens,
            "output_tokens_details": {"image_tokens": image_tokens, "text_tokens": 0},
            "total_tokens": text_tokens + image_tokens}


def server_error() -> Reply:
    return openai_error(500, "The server had an error while processing your request.",
                        type="server_error")


def allowed_fields(kind: str, model: str) -> set[str] | None:
    """The body fields this kind and model accept; None means anything goes."""
    if kind == "openai":
        if model.startswith("gpt-image-2.6"):
            return _GPT_FIELDS | {"complexity"}  # 2.6 only
        if model.startswith(("gpt-image", "chatgpt-image")):
            return _GPT_FIELDS
        return _DALLE3_FIELDS if model == "dall-e-3" else _DALLE2_FIELDS
    if kind == "apiyi":
        return _APIYI_FLEX_FIELDS if model == "flux-2-flex" else _APIYI_FIELDS
    return {"apipie": _APIPIE_FIELDS, "aigc": _AIGC_FIELDS}.get(kind)


class FakeOpenAI(FakeServer):
    api_key = API_KEY
    relays_openai = False  # a proxy in front of OpenAI passes its 404s on

    def __init__(self, kind: str = "openai", api_key: str | None = None):
        self.kind = kind
        self.image = png_bytes(32, 24)
        # What GET /v1/models lists: {"id": …, "shutdown_date": None or "YYYY-MM-DD"}.
        self.model_list = [{"id": m, "shutdown_date": None} for m in LISTED]
        super().__init__(api_key)

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def reset(self) -> None:
        """Forget requests, queued faults and files: lets tests share one server
        (stopping a server takes half a second, its poll interval)."""
        super().reset()
        self.files: dict[str, bytes] = {}
        self.edits: list[dict] = []  # each /images/edits call: fields, images, mask
        self.expired = False
        self._ids, self._names = itertools.count(1), itertools.count(1)  # request ids, file names

    def expire_files(self) -> None:
        """Every image URL handed out so far now answers 404."""
        self.expired = True

    # --- routing --------------------------------------------------------------

    def route(self, req: Request) -> Reply:
        if req.method == "GET" and req.path.startswith("/files/"):
            return self._file(req.path.rsplit("/", 1)[-1])
        if req.headers.get("authorization") != f"Bearer {self.api_key}":
            given = req.headers.get("authorization", "").removeprefix("Bearer ")
            # Echo the key (OpenAI masks most of it) so tests prove the adapter redacts it.
            return openai_error(401, f"Incorrect API key provided: {given}.",
                                code="invalid_api_key")
        if req.method == "GET" and req.path == "/v1/models":
            return Reply(200, {"object": "list", "data": [
                {"id": m["id"], "object": "model", "created": 1776729600, "owned_by": "system",
                 "shutdown_date": m.get("shutdown_date")} for m in self.model_list]})
        if req.method == "POST" and req.path == "/v1/images/generations":
            return self._generate(req)
        if req.method == "POST" and req.path == "/v1/images/edits" and self.kind == "openai":
            return self._edit(req)
        return openai_error(404, f"Invalid URL ({req.method} {req.path})")

    def _file(self, name: str) -> Reply:
        data = self.files.get(name)
        if data is None or self.expired:
            return Reply(404, "<Error><Code>AccessDenied</Code></Error>",
                         headers={"Content-Type": "application/xml"})
        return Reply(200, data, headers={"Content-Type": "image/png"})

    def _generate(self, req: Request) -> Reply:
        try:
            body = req.json
        except ValueError:
            return openai_error(400, "We could not parse the JSON body of your request.")
        model, prompt = body.get("model", "dall-e-2"), body.get("prompt")
        if (self.kind == "openai" or self.relays_openai) and model in SHUT_DOWN:
            return model_not_found(model)
        if not prompt:
            return openai_error(400, "Missing required parameter: 'prompt'.",
                                code="missing_required_parameter", param="prompt")
        allowed = allowed_fields(self.kind, model)
        for name in body:
            if allowed is not None and name not in allowed:
                return self._unknown(name)
        if invalid := self._invalid(model, body):
            return openai_error(400, invalid)
        if MODERATION_WORD in prompt:
            return self._refuse(model)
        return self._images(model, prompt, body)

    def _invalid(self, model: str, body: dict) -> str | None:
        """The few value checks tests lean on, with OpenAI's wording."""
        if self.kind == "openai" and model == "dall-e-3" and body.get("n", 1) != 1:
            return "You must provide n=1 for this model."
        if body.get("output_compression", 100) < 100 and body.get("output_format", "png") == "png":
            return "Compression less than 100 is not supported for PNG output format."
        return None

    def _unknown(self, name: str) -> Reply:
        if self.kind == "apipie":
            return apipie_error(400, "invalid_parameter", f"Unknown parameter: '{name}'.")
        return openai_error(400, f"Unknown parameter: '{name}'.", code="unknown_parameter",
                            param=name)

    def _refuse(self, model: str) -> Reply:
        if self.kind == "apipie":
            return apipie_error(400, "content_policy_violation",
                                "Your request was rejected as it violates our content policy.")
        if model.startswith("gpt-image"):
            return openai_error(400, "Your request was rejected by the safety system. "
                                "safety_violations=[sexual].", type="image_generation_user_error",
                                code="moderation_blocked")
        return openai_error(400, "Your request was rejected as a result of our safety system.",
                            code="content_policy_violation")

    def _edit(self, req: Request) -> Reply:
        """``/images/edits`` as OpenAI checks it: 1–16 images, a mask with an
        alpha channel the size of the first image, GPT image fields only."""
        from .openai_edits import edit_problem

        if not req.headers.get("content-type", "").startswith("multipart/form-data"):
            return openai_error(400, "Invalid Content-Type header, expected multipart/form-data.")
        parts = req.parts()
        fields = {name: data.decode() for name, filename, data in parts if filename is None}
        images = [data for name, filename, data in parts if name in ("image", "image[]") and filename]
        mask = next((data for name, filename, data in parts if name == "mask" and filename), None)
        model = fields.get("model", "")
        if model in SHUT_DOWN:
            return model_not_found(model)
        for name in fields:
            if name not in _GPT_FIELDS | {"input_fidelity"}:
                return self._unknown(name)
        if problem := edit_problem(fields, images, mask):
            return openai_error(400, problem[0], code=problem[1], param=problem[2])
        self.edits.append({"fields": fields, "images": images, "mask": mask})
        if MODERATION_WORD in fields["prompt"] or any(_flagged(i) for i in images):
            return self._refuse(model)
        reply = self._images(model, fields["prompt"], {**fields, "n": fields.get("n", "1")})
        reply.body["usage"]["input_tokens_details"]["image_tokens"] = 194 * len(images)
        return reply

    # --- success --------------------------------------------------------------

    def _images(self, model: str, prompt: str, body: dict) -> Reply:
        gpt = model.startswith(("gpt-image", "chatgpt-image"))
        inline = gpt or body.get("response_format") == "b64_json"
        headers = {"x-request-id": f"req_{next(self._ids)}"}
        data = []
        for _ in range(int(body.get("n") or 1)):
            item = {"b64_json": base64.b64encode(self.image).decode()} if inline else {
                "url": self._store()}
            if model == "dall-e-3" or self.kind == "apipie":
                item["revised_prompt"] = f"A detailed rendering of {prompt}"
            data.append(item)
        payload: dict = {"created": 1776832476, "data": data}
        if gpt:
            quality = body.get("quality") if body.get("quality") in IMAGE_TOKENS_1024 else "medium"
            payload.update(output_format=body.get("output_format", "png"), quality=quality,
                           size=body.get("size", "1024x1024"),
                           usage=image_usage(prompt, quality, body.get("size"), len(data)))
        if self.kind == "apipie":
            payload["usage"] = {"cost": 0.04, "latency_ms": 4521, "image_size": body.get("size"),
                                "model_used": model}
            headers = {}  # APIpie documents no request id
        return Reply(200, payload, headers=headers)

    def _store(self) -> str:
        name = f"{next(self._names)}.png"
        self.files[name] = self.image
        return f"{self.url}/files/{name}?signature=abc"
