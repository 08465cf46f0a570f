"""fal.ai: the queue protocol, with ``Authorization: Key <key>``.

Submit ``POST {base}/{model_id}`` (base ``https://queue.fal.run``; the id may
carry a sub-path such as ``fal-ai/flux-2-pro/edit``) with the model's input
as the body; the receipt gives ``request_id``, ``status_url``,
``response_url`` and ``cancel_url``, which we use as given (sub-path ids do
not map one-to-one onto them). ``GET status_url`` answers ``IN_QUEUE``,
``IN_PROGRESS`` or ``COMPLETED``; then ``GET response_url`` is the output
(or the model's error: 422 ``{"detail": [{loc, msg, type}]}``, with
``X-Fal-Retryable`` saying whether a retry could help). A job cancelled in
the studio sends ``PUT cancel_url``. Images come back as CDN URLs
(``{"images": [{url, width, height, content_type}], "seed"}``), downloaded
at once.

Inputs: ``image_size`` is ``{"width", "height"}`` or a named size,
``aspect_ratio`` for models sized by ratio, ``num_images`` for a count; edit
endpoints take ``image_urls`` (several) or ``image_url`` (one), which accept
data URIs, plus ``mask_url`` and ``strength`` where offered. Staff add any
model by id: its input schema (``model_schema``) becomes its form.
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx

from .base import (
    Adapter, CancelledError, ContentPolicyError, GenerationRequest, GenerationResult, Hooks,
    ProviderError, ResultImage, error_for_status, json_or_none, page_text, redact,
)
from .limits import seconds_option
from .queue_common import joined_url, optional_fields, queue_wait, same_origin, wire_map

# ⚠ Where fal publishes an endpoint's OpenAPI schema: seen in fal's own site
# and in third-party tools, not in its API reference. A connection option
# ``schema_url`` replaces it.
SCHEMA_URL = "https://fal.ai/api/openapi/queue/openapi.json"
POLICY_TYPES = ("content_policy_violation", "nsfw", "safety")


def fal_wire(spec) -> dict[str, Any]:
    """fal's conventions, for catalog models: image_urls or image_url, mask_url, strength."""
    inputs = (spec.inputs if spec is not None else None) or {}
    wire: dict[str, Any] = {"count": "num_images"} if spec is not None and spec.max_n > 1 else {}
    if inputs.get("max_images"):
        many = inputs["max_images"] > 1
        wire.update(images="image_urls" if many else "image_url", images_list=many)
    if inputs.get("mask"):
        wire["mask"] = "mask_url"
    if inputs.get("strength"):
        wire["strength"] = "strength"
    return wire


def is_trusted_queue_url(url: httpx.URL, base: httpx.URL) -> bool:
    """Whether the key may go to ``url``: https fal.run hosts, or the connection's own origin."""
    host = (url.host or "").lower()
    return (url.scheme == "https" and (host == "fal.run" or host.endswith(".fal.run"))) \
        or same_origin(url, base)


def _detail(response: httpx.Response) -> tuple[str, bool]:
    """(the provider's words, whether they name a content-policy refusal)."""
    body = json_or_none(response)
    if not isinstance(body, dict):
        return page_text(response), False
    detail = body.get("detail", body.get("error", body.get("message", "")))
    if isinstance(detail, list):
        items = [d for d in detail if isinstance(d, dict)]
        policy = any(str(d.get("type", "")).lower() in POLICY_TYPES for d in items)
        words = "; ".join(f"{'.'.join(str(p) for p in d.get('loc', [])[1:]) or 'input'}: "
                          f"{d.get('msg', '')}" for d in items)
        return words, policy
    words = str(detail)[:300]
    return words, any(t in words.lower() for t in POLICY_TYPES)


class FalAdapter(Adapter):
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Key {self.connection.api_key}", "Accept": "application/json"}

    def error(self, response: httpx.Response) -> ProviderError:
        words, policy = _detail(response)
        if policy:
            return ContentPolicyError(f"The provider refused this prompt: "
                                      f"{redact(words, *self.secrets)}", status=response.status_code)
        error = error_for_status(response, words, secrets=self.secrets)
        retryable = response.headers.get("x-fal-retryable", "").lower()
        if retryable in ("true", "false"):  # fal says whether trying again can help
            error.permanent = retryable == "false"
        return error

    # --- generate -----------------------------------------------------------------

    def generate(self, request: GenerationRequest, spec, hooks: Hooks) -> GenerationResult:
        if hooks.cancelled():
            raise CancelledError()
        headers = self.headers()
        # fal keeps inputs and outputs on its CDN per this preference; the studio has its own
        # copy within seconds, so an hour (or the connection's ``media_expiry_seconds``) is plenty.
        expiry = int(seconds_option(self.connection.options, "media_expiry_seconds", 3600))
        headers["X-Fal-Object-Lifecycle-Preference"] = json.dumps(
            {"expiration_duration_seconds": expiry})
        response = self.send("POST", self.url(request.model), json=self.body(request, spec),
                             headers=headers)
        if response.status_code >= 400:
            raise self.error(response)
        receipt = self.json_body(response)
        if not isinstance(receipt, dict) or not receipt.get("request_id"):
            raise ProviderError("fal accepted the request but returned no request id",
                                permanent=True, code="bad_response")
        rid = str(receipt["request_id"])
        urls = {name: self._trusted(receipt.get(name), rid)
                for name in ("status_url", "response_url", "cancel_url")}
        self._wait(urls, rid, hooks)
        response = self.send("GET", urls["response_url"], headers=self.headers())
        if response.status_code >= 400:
            error = self.error(response)
            error.request_id = rid
            raise error
        return self._result(self.json_body(response), rid, request)

    def body(self, request: GenerationRequest, spec) -> dict[str, Any]:
        takes = spec.takes if spec is not None else frozenset()
        stored = wire_map(self.connection.options, request.model, {})
        wire = stored or fal_wire(spec)
        body: dict[str, Any] = {"prompt": request.prompt}
        if request.aspect_ratio:
            body["aspect_ratio"] = request.aspect_ratio
        elif request.width and request.height:
            body["image_size"] = {"width": request.width, "height": request.height}
        if request.n > 1:
            body[wire.get("count") or "num_images"] = request.n
        body.update(optional_fields(request, takes, wire))
        return body

    def _trusted(self, raw: Any, rid: str) -> str:
        base = httpx.URL(self.connection.base_url)
        url = joined_url(base, raw)
        if url is None or not is_trusted_queue_url(url, base):
            raise ProviderError("fal gave a queue URL on an unexpected host; refused, so the key "
                                "is not sent there", permanent=True, code="bad_polling_url",
                                request_id=rid)
        return str(url)

    def _wait(self, urls: dict[str, str], rid: str, hooks: Hooks) -> None:
        timeout = seconds_option(self.connection.options, "poll_timeout", 900.0)

        def status() -> Any:
            response = self.send("GET", urls["status_url"], headers=self.headers())
            if response.status_code >= 400:
                raise self.error(response)
            return self.json_body(response)

        def completed(status: Any) -> bool:
            state = status.get("status") if isinstance(status, dict) else None
            if state in ("COMPLETED", "IN_QUEUE", "IN_PROGRESS"):
                return state == "COMPLETED"
            raise ProviderError(f"fal answered request {rid} with an unknown status "
                                f"{redact(str(state), *self.secrets)[:80]!r}", permanent=True,
                                code="task_status", request_id=rid)

        try:
            queue_wait(fetch=status, done=completed, hooks=hooks, timeout=timeout,
                       interval=seconds_option(self.connection.options, "poll_interval", 1.0),
                       cancel=lambda: self._cancel(urls["cancel_url"]),
                       timed_out=lambda: ProviderError(
                           f"fal did not finish request {rid} within {timeout:g} s",
                           permanent=False, code="timeout", request_id=rid))
        except ProviderError as exc:
            exc.request_id = exc.request_id or rid
            raise

    def _cancel(self, url: str) -> None:
        try:
            self.send("PUT", url, headers=self.headers())
        except (ProviderError, CancelledError):
            pass

    def _result(self, output: Any, rid: str, request: GenerationRequest) -> GenerationResult:
        if not isinstance(output, dict):
            raise ProviderError("fal's output is not a JSON object", permanent=True,
                                code="bad_response", request_id=rid)
        items = output.get("images")
        if not isinstance(items, list):
            items = [output["image"]] if isinstance(output.get("image"), dict) else []
        flags = output.get("has_nsfw_concepts") or []
        seed = output.get("seed") if isinstance(output.get("seed"), int) else request.seed
        images, notes = [], []
        for index, item in enumerate(items):
            url = item.get("url") if isinstance(item, dict) else None
            if not isinstance(url, str) or not url:
                continue
            if index < len(flags) and flags[index] is True:
                notes.append("fal's safety checker withheld an image")
                continue
            images.append(ResultImage(url=url, seed=seed))
        if not images and notes:
            raise ContentPolicyError("The provider refused this prompt: its safety checker "
                                     "flagged every image", request_id=rid)
        if not images:
            raise ProviderError(f"fal finished request {rid} without an image URL",
                                permanent=True, code="no_images", request_id=rid)
        timings = output.get("timings") if isinstance(output.get("timings"), dict) else {}
        return GenerationResult(images=images, usage=timings, request_id=rid, notes=notes)

    # --- schema and check -------------------------------------------------------

    def model_schema(self, model_id: str) -> tuple[dict, dict, dict]:
        """(input schema, components, {label, notes}) from the endpoint's OpenAPI document.

        The document is public: the key is not sent with this call.
        """
        base = str(self.connection.options.get("schema_url") or SCHEMA_URL)
        response = self.send("GET", f"{base}?endpoint_id={quote(model_id, safe='')}",
                             headers={"Accept": "application/json"})
        if response.status_code >= 400:
            raise ProviderError(f"fal publishes no schema for {model_id} "
                                f"({response.status_code})", permanent=True, code="no_schema")
        document = self.json_body(response)
        components = ((document or {}).get("components") or {}).get("schemas") or {}
        schema = None
        for path, operations in ((document or {}).get("paths") or {}).items():
            post = operations.get("post") if isinstance(operations, dict) else None
            if isinstance(post, dict) and path.strip("/") == model_id:
                schema = (((post.get("requestBody") or {}).get("content") or {})
                          .get("application/json") or {}).get("schema")
        if isinstance(schema, dict) and "$ref" in schema:
            schema = components.get(schema["$ref"].rsplit("/", 1)[-1])
        if not isinstance(schema, dict):
            raise ProviderError(f"fal's schema for {model_id} has no input", permanent=True,
                                code="no_schema")
        info = (document or {}).get("info") or {}
        return schema, components, {"label": str(info.get("title") or model_id)[:100],
                                    "notes": str(info.get("description") or "")[:300]}

    def check(self) -> str:
        """fal has no account endpoint in its queue API: ask for the status of a request
        that does not exist, which a bad key answers 401 and a good one 404."""
        model = "fal-ai/flux/dev"
        response = self.send("GET", self.url(f"{model}/requests/00000000-0000-0000-0000-000000000000/status"),
                             headers=self.headers())
        if response.status_code in (401, 403) or response.status_code >= 500 \
                or response.status_code == 429:
            raise self.error(response)
        return "The key works: fal's queue accepted it."
