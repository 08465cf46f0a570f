"""Black Forest Labs (FLUX): submit a task, then poll its polling URL.

``POST {base}/v1/<model>`` with ``x-key`` answers ``{id, polling_url, cost?}``;
``GET polling_url`` answers ``{status, result, progress, details}`` until the
status is terminal. A Ready result carries ``result.sample``, a signed URL
that expires after 10 minutes: we hand it back and the caller fetches it.
One image per request: the caller makes several requests for n > 1.
"""
from __future__ import annotations

import base64
import time
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from .base import (
    Adapter, CancelledError, ContentPolicyError, GenerationRequest, GenerationResult, Hooks,
    ProviderError, ResultImage, error_for_status, json_or_none, redact,
)
from .masks import white_where_editable
from .rules import AspectRatios

# Parameters GenerationRequest holds that BFL endpoints take (negative_prompt,
# sampler, style… are never sent: no BFL endpoint takes them).
_STANDARD = ("seed", "steps", "guidance", "output_format")
_USAGE_KEYS = ("cost", "input_mp", "output_mp")
_MODERATED = ("Request Moderated", "Content Moderated")
# Transient poll failures (5xx, 429, network) tolerated in a row before giving
# up: a failed job is resubmitted and paid again, so ride out short hiccups.
_MAX_POLL_HICCUPS = 5


def _provider_message(response: httpx.Response) -> str:
    """The provider's own words from a FastAPI ``detail`` or an ``error``/``message`` body."""
    body = json_or_none(response)
    if body is None:
        return response.text.strip()[:300]
    if not isinstance(body, dict):
        return str(body)[:300]
    detail = body.get("detail")
    if isinstance(detail, list):  # 422: [{"loc": [...], "msg": ...}, ...]
        return "; ".join(
            f"{'.'.join(str(p) for p in item.get('loc', [])[1:]) or 'body'}: {item.get('msg', '')}"
            if isinstance(item, dict) else str(item) for item in detail)
    if detail:
        return str(detail)
    return str(body.get("message") or body.get("error") or body)[:300]


def _looks_like_gateway_page(response: httpx.Response) -> bool:
    return response.text.lstrip()[:1] == "<"


def _json_object(response: httpx.Response, what: str, secrets: tuple[str, ...]) -> dict:
    """A JSON object body, or a ProviderError (passing for an HTML gateway page)."""
    body = json_or_none(response)
    if isinstance(body, dict):
        return body
    raise ProviderError(
        redact(f"BFL sent an unreadable {what}: {response.text.strip()[:200]!r}", *secrets),
        permanent=not _looks_like_gateway_page(response), status=response.status_code,
        code="bad_response")


def _fraction(progress: Any) -> float | None:
    """BFL reports progress as 0..1 or as a percentage; normalise to 0..1.

    Values above 1 are percentages; exactly 1 reads as done, not as 1 %.
    """
    if isinstance(progress, bool) or not isinstance(progress, (int, float)):
        return None
    value = progress / 100 if progress > 1 else progress
    return min(max(float(value), 0.0), 1.0)


def _details_text(task: dict) -> str:
    """The reason a task failed: BFL puts it in ``error`` or in ``details``."""
    error = task.get("error")
    if isinstance(error, str) and error.strip():
        return error.strip()
    if isinstance(error, dict) and (error.get("message") or error.get("detail")):
        return str(error.get("message") or error.get("detail"))
    details = task.get("details")
    if isinstance(details, dict):
        return "; ".join(f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
                         for k, v in details.items())
    return str(details) if details else ""


def is_trusted_polling_host(url: httpx.URL, base: httpx.URL) -> bool:
    """Whether we may send the key to ``url``.

    Tasks are regional, so polling URLs come back on other BFL hosts
    (api.eu1.bfl.ai, gateway.bfl.ai…). The key goes with every poll, so only
    https BFL hosts, or the connection's own origin (a proxy, a fake), qualify.
    """
    host = (url.host or "").lower()
    if url.scheme == "https" and (host.endswith((".bfl.ai", ".bfl.ml")) or host in ("bfl.ai", "bfl.ml")):
        return True
    return (url.scheme, host, url.port) == (base.scheme, (base.host or "").lower(), base.port)


class BFLAdapter(Adapter):
    def _headers(self) -> dict[str, str]:
        return {"x-key": self.connection.api_key, "accept": "application/json"}

    def _error(self, response: httpx.Response) -> ProviderError:
        message = _provider_message(response)
        if response.status_code == 402:
            return error_for_status(response, message or "Insufficient credits",
                                    secrets=self.secrets, code="insufficient_credits")
        error = error_for_status(response, message, secrets=self.secrets)
        if response.status_code == 429 and error.retry_after is None:
            try:  # the skills doc shows {"retry_after": 5} in the body
                error.retry_after = float(response.json().get("retry_after"))
            except (ValueError, TypeError, AttributeError):
                pass
        return error

    # --- generate -------------------------------------------------------------

    def generate(self, request: GenerationRequest, spec, hooks: Hooks) -> GenerationResult:
        response = self.send("POST", self.url(f"/v1/{request.model}"),
                             json=self._body(request, spec), headers=self._headers())
        if response.status_code != 200:
            raise self._error(response)
        submitted = _json_object(response, "task receipt", self.secrets)
        task_id = submitted.get("id")
        if not isinstance(task_id, str) or not task_id:
            raise ProviderError("BFL accepted the request but returned no task id",
                                permanent=True, code="bad_response")
        task = self._poll(self._polling_url(submitted, task_id), task_id, hooks)
        return self._result(task, submitted, task_id, request)

    def _body(self, request: GenerationRequest, spec) -> dict[str, Any]:
        takes = spec.takes if spec is not None else None

        def wanted(name, value):
            return value is not None and (takes is None or name in takes)

        body: dict[str, Any] = {"prompt": request.prompt}
        if spec is None or not isinstance(spec.size, AspectRatios):
            if request.width is not None and request.height is not None:
                body["width"], body["height"] = request.width, request.height
        if (spec is None or isinstance(spec.size, AspectRatios)) and request.aspect_ratio:
            body["aspect_ratio"] = request.aspect_ratio
        for name in _STANDARD:
            if wanted(name, getattr(request, name)):
                body[name] = getattr(request, name)
        for name, value in request.extras.items():
            if wanted(name, value):
                body[name] = value
        body.update(input_fields(request))
        return body

    def _polling_url(self, submitted: dict, task_id: str) -> str:
        base = httpx.URL(self.connection.base_url)
        raw = submitted.get("polling_url")
        if not raw:  # older answers carried only the id
            return self.url(f"/v1/get_result?id={task_id}")
        try:
            url = base.join(str(raw))
        except httpx.InvalidURL:
            url = None
        if url is None or not is_trusted_polling_host(url, base):
            raise ProviderError(
                f"BFL returned a polling URL on an unexpected host ({redact(str(raw), *self.secrets)}); "
                "refused, so the API key is not sent there", permanent=True, code="bad_polling_url")
        return str(url)

    # --- polling --------------------------------------------------------------

    def _poll(self, url: str, task_id: str, hooks: Hooks) -> dict:
        options = self.connection.options
        interval = float(options.get("poll_interval") or 1.0)
        timeout = float(options.get("poll_timeout") or 600.0)
        sleep = hooks.sleep or time.sleep
        deadline = time.monotonic() + timeout
        hiccups = 0
        while True:
            if time.monotonic() > deadline:
                raise ProviderError(f"BFL did not finish task {task_id} within {timeout:g} s",
                                    permanent=False, code="timeout", request_id=task_id)
            sleep(interval)
            if hooks.cancelled():
                raise CancelledError()
            try:
                task = self._fetch_task(url)
            except ProviderError as exc:
                hiccups += 1
                if exc.permanent or hiccups > _MAX_POLL_HICCUPS:
                    exc.request_id = exc.request_id or task_id
                    raise
                continue
            hiccups = 0
            status = task.get("status")
            if status == "Ready":
                return task
            self._raise_if_failed(status, task, task_id)
            fraction = _fraction(task.get("progress"))
            if fraction is not None:
                hooks.progress(fraction)

    def _fetch_task(self, url: str) -> dict:
        response = self.send("GET", url, headers=self._headers())
        if response.status_code == 404:
            return {"status": "Task not found", "details": _provider_message(response)}
        if response.status_code == 422:  # sometimes a task result rides on a 422
            body = json_or_none(response)
            if isinstance(body, dict) and "status" in body:
                return body
        if response.status_code != 200:
            raise self._error(response)
        task = _json_object(response, "task status", self.secrets)
        if "status" not in task:  # counted as a hiccup by _poll, not waited on forever
            raise ProviderError(redact(f"BFL sent a task answer without a status: {task!r:.200}",
                                       *self.secrets), permanent=False, code="bad_response")
        return task

    def _raise_if_failed(self, status: Any, task: dict, task_id: str) -> None:
        details = redact(_details_text(task), *self.secrets)
        if status in _MODERATED:
            which = "input" if status == "Request Moderated" else "output"
            raise ContentPolicyError(
                f"The provider refused this prompt: {status} ({which} moderation)"
                + (f": {details}" if details else ""), request_id=task_id)
        if status == "Error":
            # BFL charges at submit (the receipt carries ``cost``), so a task
            # that failed may already be paid for: retrying would pay again.
            raise ProviderError(f"BFL reported an error for task {task_id}"
                                + (f": {details}" if details else " (no reason given)"),
                                permanent=True, code="task_error", request_id=task_id)
        if status == "Task not found":
            # We poll the URL BFL gave us, so a lost task will not come back;
            # resubmitting silently could pay twice. Let the user decide.
            raise ProviderError(f"BFL no longer knows task {task_id} (Task not found)"
                                + (f": {details}" if details else ""),
                                permanent=True, code="task_not_found", request_id=task_id)
        if status != "Pending":
            # A status BFL's spec does not name will not turn into "Ready" by
            # waiting for it: say what came back now rather than at the timeout.
            raise ProviderError(f"BFL answered task {task_id} with an unknown status "
                                f"{redact(str(status), *self.secrets)[:80]!r}"
                                + (f": {details}" if details else ""),
                                permanent=True, code="task_status", request_id=task_id)

    # --- result ---------------------------------------------------------------

    def _result(self, task: dict, submitted: dict, task_id: str,
                request: GenerationRequest) -> GenerationResult:
        result = task.get("result")
        sample = result.get("sample") if isinstance(result, dict) else None
        if not isinstance(sample, str) or not sample:
            raise ProviderError(f"BFL said task {task_id} is Ready but gave no image URL",
                                permanent=True, code="bad_response", request_id=task_id)
        seed = result.get("seed")
        prompt = result.get("prompt")
        image = ResultImage(
            url=sample, seed=seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
            revised_prompt=prompt if isinstance(prompt, str) and prompt and prompt != request.prompt
            else None)
        usage = {key: submitted[key] for key in _USAGE_KEYS if submitted.get(key) is not None}
        return GenerationResult(images=[image], usage=usage, cost=_decimal(submitted.get("cost")),
                                request_id=task_id)

    # --- check ----------------------------------------------------------------

    def check(self) -> str:
        response = self.send("GET", self.url("/v1/credits"), headers=self._headers())
        if response.status_code != 200:
            raise self._error(response)
        credits = _json_object(response, "credits answer", self.secrets).get("credits")
        if isinstance(credits, (int, float)) and not isinstance(credits, bool):
            return f"The key works: {credits:g} credits left."
        return "The key works."


def input_fields(request: GenerationRequest) -> dict[str, str]:
    """Input images as BFL names them, each a base64 string (BFL takes a URL or base64):

    - Fill (``flux-pro-1.0-fill``): ``image`` and ``mask``;
    - FLUX1.1 [pro] and ultra: one ``image_prompt`` (ultra: ``image_prompt_strength``);
    - FLUX.2 and Kontext: ``input_image``, ``input_image_2`` … ``input_image_8``.
    How many a model takes is its catalog rule, checked before anything is queued.
    """
    images = request.images_in
    if not images:
        return {}
    encoded = [base64.b64encode(data).decode() for data in images]
    model = request.model
    if "fill" in model:
        fields = {"image": encoded[0]}
        if request.mask:
            fields["mask"] = base64.b64encode(white_where_editable(request.mask)).decode()
        return fields
    if model.startswith("flux-pro-1.1"):
        fields = {"image_prompt": encoded[0]}
        if request.strength is not None and "ultra" in model:
            fields["image_prompt_strength"] = request.strength
        return fields
    return {("input_image" if i == 1 else f"input_image_{i}"): data
            for i, data in enumerate(encoded, 1)}


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
