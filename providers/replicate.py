"""Replicate: a prediction, waited on with ``Prefer: wait``, then polled.

``POST {base}/v1/models/{owner}/{name}/predictions`` (or ``/v1/predictions``
with ``version`` for an ``owner/name:version`` id) with a Bearer token and
``{"input": {…}}``. ``Prefer: wait=N`` holds the answer up to N seconds; a
prediction that is not done by then is polled at ``urls.get`` until it is
``succeeded``, ``failed``, ``canceled`` or ``aborted``; a job cancelled in the
studio posts ``urls.cancel``. ``output`` is a URL or a list of URLs, deleted
by Replicate after an hour, so the runner downloads them at once.

Each model names its inputs as it likes (``image_input``, ``input_images``,
``num_outputs``…): the wire map (``queue_common``) says which name takes what;
staff's schema import (``GET /v1/models/{owner}/{name}`` →
``latest_version.openapi_schema.components.schemas.Input``) stores one per
model on the connection.
"""
from __future__ import annotations

from typing import Any

import httpx

from .base import (
    Adapter, CancelledError, ContentPolicyError, GenerationRequest, GenerationResult, Hooks,
    ProviderError, ResultImage, error_for_status, json_or_none, page_text, redact,
)
from .limits import seconds_option as option_seconds
from .openai import decode_b64
from .queue_common import joined_url, optional_fields, queue_wait, same_origin, wire_map

TERMINAL = ("succeeded", "failed", "canceled", "aborted")
# Replicate's words when its safety checker stops a prediction (E005 and older NSFW texts).
POLICY_WORDS = ("nsfw", "flagged as sensitive", "e005", "safety", "content policy")
# Where the catalog's own models take their inputs (read from their schemas).
WIRE = {
    "google/nano-banana-2": {"images": "image_input", "images_list": True,
                             "size": "aspect_ratio"},
    "openai/gpt-image-2.6-sunburst": {"images": "input_images", "images_list": True,
                                      "count": "number_of_images", "size": "aspect_ratio"},
    "black-forest-labs/flux-1.1-pro": {"images": "image_prompt", "images_list": False,
                                       "size": "aspect_ratio"},
    "ideogram-ai/ideogram-4-5-precise-edit": {
        "images": "image", "images_list": False, "references": "reference_images",
        "mask": "mask", "mask_black": True, "count": "num_images"},
    "recraft-ai/recraft-v4-pro": {"size": "aspect_ratio"},
}


def _detail(response: httpx.Response) -> str:
    body = json_or_none(response)
    if not isinstance(body, dict):
        return page_text(response)
    words = str(body.get("detail") or body.get("title") or "")
    fields = body.get("invalid_fields")
    if isinstance(fields, list) and fields:
        words += ": " + "; ".join(f"{f.get('field', '?')}: {f.get('description', '')}"
                                  for f in fields if isinstance(f, dict))
    return words


class ReplicateAdapter(Adapter):
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.connection.api_key}", "Accept": "application/json"}

    def error(self, response: httpx.Response) -> ProviderError:
        words = _detail(response)
        if response.status_code == 402:
            return ProviderError(f"The Replicate account has no credit left: "
                                 f"{redact(words, *self.secrets)}", permanent=True, status=402,
                                 code="insufficient_credits")
        if response.status_code == 404:
            return ProviderError(f"Replicate does not know this model: "
                                 f"{redact(words, *self.secrets)}", permanent=True, status=404,
                                 code="model_not_found")
        return error_for_status(response, words, secrets=self.secrets)

    # --- generate -----------------------------------------------------------------

    def generate(self, request: GenerationRequest, spec, hooks: Hooks) -> GenerationResult:
        if hooks.cancelled():
            raise CancelledError()
        wait = int(option_seconds(self.connection.options, "wait_seconds", 60))
        owner_name, _, version = request.model.partition(":")
        body: dict[str, Any] = {"input": self.input(request, spec)}
        if version:
            url, body["version"] = self.url("/v1/predictions"), version
        else:
            url = self.url(f"/v1/models/{owner_name}/predictions")
        headers = {**self.headers(), "Prefer": f"wait={max(1, min(wait, 60))}"}
        response = self.send("POST", url, json=body, headers=headers, limit=wait + 30)
        if response.status_code >= 400:
            raise self.error(response)
        prediction = self._prediction(response)
        if prediction.get("status") not in TERMINAL:
            prediction = self._poll(prediction, hooks)
        return self._result(prediction, request)

    def input(self, request: GenerationRequest, spec) -> dict[str, Any]:
        takes = spec.takes if spec is not None else frozenset()
        wire = wire_map(self.connection.options, request.model, WIRE)
        body: dict[str, Any] = {"prompt": request.prompt}
        if request.aspect_ratio:
            body["aspect_ratio"] = request.aspect_ratio
        elif request.width and request.height:
            body["width"], body["height"] = request.width, request.height
        if request.n > 1 and wire.get("count"):
            body[wire["count"]] = request.n
        body.update(optional_fields(request, takes, wire))
        return body

    def _prediction(self, response: httpx.Response) -> dict:
        prediction = self.json_body(response)
        if not isinstance(prediction, dict) or not isinstance(prediction.get("id"), str):
            raise ProviderError("Replicate's answer is not a prediction", permanent=True,
                                code="bad_response")
        return prediction

    def _trusted(self, raw: Any, what: str) -> str:
        """A ``urls`` entry we may send the token to: only on the connection's own origin."""
        base = httpx.URL(self.connection.base_url)
        url = joined_url(base, raw)
        if url is None or not same_origin(url, base):
            raise ProviderError(f"Replicate gave a {what} URL on another host; refused, so the "
                                "token is not sent there", permanent=True, code="bad_polling_url")
        return str(url)

    def _poll(self, prediction: dict, hooks: Hooks) -> dict:
        urls = prediction.get("urls") if isinstance(prediction.get("urls"), dict) else {}
        get_url = self._trusted(urls.get("get"), "status")
        pid = prediction["id"]
        timeout = option_seconds(self.connection.options, "poll_timeout", 1800.0)

        def latest() -> dict:
            response = self.send("GET", get_url, headers=self.headers())
            if response.status_code >= 400:
                raise self.error(response)
            return self._prediction(response)

        return queue_wait(
            fetch=latest, done=lambda p: p.get("status") in TERMINAL, hooks=hooks,
            interval=option_seconds(self.connection.options, "poll_interval", 1.0),
            timeout=timeout, cancel=lambda: self._cancel(urls.get("cancel")),
            timed_out=lambda: ProviderError(f"Replicate did not finish prediction {pid} within "
                                            f"{timeout:g} s", permanent=False, code="timeout",
                                            request_id=pid))

    def _cancel(self, raw: Any) -> None:
        """Ask Replicate to stop; a failure here must not hide why we stopped."""
        try:
            self.send("POST", self._trusted(raw, "cancel"), headers=self.headers())
        except (ProviderError, CancelledError):
            pass

    def _result(self, prediction: dict, request: GenerationRequest) -> GenerationResult:
        status, pid = prediction.get("status"), prediction["id"]
        error = redact(str(prediction.get("error") or ""), *self.secrets)[:300]
        if status == "failed":
            if any(word in error.lower() for word in POLICY_WORDS):
                raise ContentPolicyError(f"The provider refused this prompt: {error}",
                                         request_id=pid)
            raise ProviderError(f"Replicate prediction {pid} failed"
                                + (f": {error}" if error else ""), permanent=True,
                                code="task_error", request_id=pid)
        if status in ("canceled", "aborted"):
            raise ProviderError(f"Replicate prediction {pid} was {status}", permanent=True,
                                code="cancelled", request_id=pid)
        output = prediction.get("output")
        items = output if isinstance(output, list) else [output]
        images = []
        for item in items:
            if isinstance(item, str) and item.startswith("data:"):
                images.append(ResultImage(data=decode_b64(item.partition(",")[2], pid),
                                          seed=request.seed))
            elif isinstance(item, str) and item:
                images.append(ResultImage(url=item, seed=request.seed))
        if not images:
            raise ProviderError(f"Replicate prediction {pid} succeeded without an image URL",
                                permanent=True, code="no_images", request_id=pid)
        metrics = prediction.get("metrics") if isinstance(prediction.get("metrics"), dict) else {}
        return GenerationResult(images=images, usage=metrics, request_id=pid)

    # --- schema and check -------------------------------------------------------

    def model_schema(self, model_id: str) -> tuple[dict, dict, dict]:
        """(input schema, its components, {label, notes}) of ``owner/name``'s latest version."""
        response = self.send("GET", self.url(f"/v1/models/{model_id.partition(':')[0]}"),
                             headers=self.headers())
        if response.status_code >= 400:
            raise self.error(response)
        model = self.json_body(response)
        version = model.get("latest_version") if isinstance(model, dict) else None
        schema = (version or {}).get("openapi_schema") if isinstance(version, dict) else None
        schemas = ((schema or {}).get("components") or {}).get("schemas") or {}
        if not isinstance(schemas.get("Input"), dict):
            raise ProviderError(f"Replicate publishes no input schema for {model_id}",
                                permanent=True, code="no_schema")
        about = str(model.get("description") or "")[:300]
        return schemas["Input"], schemas, {"label": str(model.get("name") or model_id),
                                           "notes": about}

    def check(self) -> str:
        response = self.send("GET", self.url("/v1/account"), headers=self.headers())
        if response.status_code >= 400:
            raise self.error(response)
        account = self.json_body(response)
        name = account.get("username") if isinstance(account, dict) else None
        return f"The token works: Replicate account {name}." if name else "The token works."
