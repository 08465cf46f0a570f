"""AUTOMATIC1111 / Forge web UI API (`--api`): `POST /sdapi/v1/txt2img`.

The call blocks until every image is done, so it runs on a helper thread
while this thread reads the progress and watches for a cancel. The hooks are
only ever called from the caller's thread (they may touch the database, whose
connections are per thread).

A1111 serves one task at a time from a queue that the web UI's users share
with us. We name our task (``force_task_id``), ask ``POST /internal/progress``
whether that task is the one running (``active``) and interrupt only then:
``/sdapi/v1/interrupt`` stops whatever runs, which may be someone else's.
Servers without ``/internal/progress`` are asked ``GET /sdapi/v1/progress``,
whose ``current_task`` names the running task; if neither can tell, we neither
show progress nor interrupt.
"""
from __future__ import annotations

import base64
import binascii
import json
import threading
import uuid
from concurrent.futures import Future, TimeoutError as FutureTimeout

import httpx

from .base import (
    Adapter, CancelledError, GenerationRequest, GenerationResult, Hooks, ProviderError, ResultImage,
    error_for_status, json_or_none, option_seconds,
)
from .masks import white_where_editable

# After /interrupt the server answers the blocked txt2img within a step or two.
_CANCEL_GRACE_S = 10.0
_NO_API_HINT = "Is the server started with --api?"


class A1111Adapter(Adapter):
    # --- requests -----------------------------------------------------------

    @property
    def _auth(self) -> tuple[str, str] | None:
        """HTTP Basic credentials, when the server runs with --api-auth."""
        username = self.connection.options.get("username") or ""
        if not username:
            return None
        return username, self.connection.options.get("password") or ""

    def _call(self, method: str, path: str, **kwargs) -> httpx.Response:
        response = self.send(method, self.url(path), auth=self._auth, **kwargs)
        if response.status_code >= 400:
            raise self._error(response)
        return response

    def _error(self, response: httpx.Response) -> ProviderError:
        body = json_or_none(response)
        message = _error_message(body, response.text)
        if response.status_code == 404 and not (isinstance(body, dict) and "error" in body):
            # A 404 without A1111's own error envelope: the /sdapi routes are missing.
            return error_for_status(response, f"{message or 'Not Found'}. {_NO_API_HINT}",
                                    secrets=self.secrets, code="no_api")
        return error_for_status(response, message, secrets=self.secrets)


    # --- generate -----------------------------------------------------------

    def generate(self, request: GenerationRequest, spec, hooks: Hooks) -> GenerationResult:
        if hooks.cancelled():
            raise CancelledError()
        task_id = f"task(studio-{uuid.uuid4().hex})"
        payload = {**self.payload(request, spec), "force_task_id": task_id}
        route = "txt2img"
        if request.images_in:
            route = "img2img"
            payload.update(img2img_fields(request))
        body = self.json_body(self._run_with_progress(payload, hooks, task_id, route))
        return _result(body, request.n)

    def payload(self, request: GenerationRequest, spec) -> dict:
        takes = spec.takes if spec is not None else None

        def chosen(name: str, value) -> bool:
            return value not in (None, "") and (takes is None or name in takes)

        payload = {
            "prompt": request.prompt,
            "batch_size": request.n,
            "n_iter": 1,
            # The id is the checkpoint title the server listed. Restoring the
            # option afterwards leaves the web UI's own choice alone; the weights
            # stay loaded, so the next job on this checkpoint does not reload.
            "override_settings": {"sd_model_checkpoint": request.model},
            "override_settings_restore_afterwards": True,
            "send_images": True,
            "save_images": False,
        }
        if request.width is not None and request.height is not None:
            payload["width"], payload["height"] = request.width, request.height
        fields = (("negative_prompt", "negative_prompt", request.negative_prompt),
                  ("seed", "seed", request.seed),  # unset: the server's -1 means random
                  ("steps", "steps", request.steps),
                  ("guidance", "cfg_scale", request.guidance),
                  ("sampler", "sampler_name", request.sampler))
        for name, wire, value in fields:
            if chosen(name, value):
                payload[wire] = value
        return payload

    def _run_with_progress(self, payload: dict, hooks: Hooks, task_id: str,
                           route: str = "txt2img") -> httpx.Response:
        options = self.connection.options
        interval = option_seconds(options, "poll_interval", 1.0)
        # txt2img says nothing until it is done, so the read timeout is the whole render.
        timeout = httpx.Timeout(option_seconds(options, "poll_timeout", 600.0), connect=10.0)
        done: Future[httpx.Response] = Future()

        def post():
            try:
                done.set_result(self._call("POST", f"/sdapi/v1/{route}", json=payload, timeout=timeout,
                                           limit=timeout.read))
            except BaseException as exc:  # handed to the waiting thread, re-raised there
                done.set_exception(exc)

        worker = threading.Thread(target=post, name="a1111-txt2img", daemon=True)
        worker.start()
        while True:
            try:
                return done.result(timeout=interval)
            except FutureTimeout:
                pass
            except CancelledError:  # the job's stop check ended the call: stop our render too
                if self._task_state(task_id)[0]:
                    self._interrupt()
                raise
            running, fraction = self._task_state(task_id)
            if hooks.cancelled() or self.should_stop():
                if running:  # never stop someone else's picture
                    self._interrupt()
                    worker.join(_CANCEL_GRACE_S)
                raise CancelledError()
            if running and fraction is not None and 0 < fraction <= 1:
                hooks.progress(fraction)

    def _task_state(self, task_id: str) -> tuple[bool | None, float | None]:
        """(is our task the one running, its progress); (None, None) when the server cannot say.

        A failed progress read never fails the job.
        """
        try:
            body = self._call("POST", "/internal/progress", timeout=10.0,
                              json={"id_task": task_id, "id_live_preview": -1, "live_preview": False}).json()
            if isinstance(body, dict) and isinstance(body.get("active"), bool):
                return body["active"], _fraction(body.get("progress")) if body["active"] else None
        except (ProviderError, ValueError):
            pass
        try:
            body = self._call("GET", "/sdapi/v1/progress", params={"skip_current_image": "true"},
                              timeout=10.0).json()
        except (ProviderError, ValueError):
            return None, None
        if not isinstance(body, dict) or not body.get("current_task"):
            return None, None  # an older server: whose progress this is, we cannot tell
        running = body["current_task"] == task_id
        return running, _fraction(body.get("progress")) if running else None

    def _interrupt(self) -> None:
        try:
            self._call("POST", "/sdapi/v1/interrupt", timeout=10.0)
        except ProviderError:
            pass  # the job is cancelled on our side either way

    # --- models -------------------------------------------------------------

    def list_models(self) -> list[str]:
        body = self.json_body(self._call("GET", "/sdapi/v1/sd-models"))
        if not isinstance(body, list):
            raise ProviderError("The server's checkpoint list is not a list", permanent=True,
                                code="bad_response")
        # The title ("name.safetensors [hash]") is what sd_model_checkpoint expects.
        return [str(m.get("title") or m.get("model_name")) for m in body
                if isinstance(m, dict) and (m.get("title") or m.get("model_name"))]

    def check(self) -> str:
        count = len(self.list_models())
        if count == 0:
            return "The server answered but lists no checkpoints: put one in models/Stable-diffusion."
        return f"The server answered: {count} checkpoint{'s' if count != 1 else ''}."


# --- reading responses ----------------------------------------------------------

def img2img_fields(request: GenerationRequest) -> dict:
    """``/sdapi/v1/img2img``'s extra fields: the source as ``init_images``, our
    alpha mask as A1111's white-where-painted ``mask``, ``denoising_strength``."""
    fields: dict = {"init_images": [base64.b64encode(request.images_in[0]).decode()]}
    if request.mask:
        fields["mask"] = base64.b64encode(white_where_editable(request.mask)).decode()
        fields["inpainting_fill"] = 1  # start from the original pixels under the mask
    if request.strength is not None:
        fields["denoising_strength"] = request.strength
    return fields


def _fraction(value) -> float | None:
    try:
        return float(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _error_message(body, text: str) -> str:
    """The server's own words from FastAPI's or A1111's error envelope."""
    if not isinstance(body, dict):
        return text.strip()[:300]
    detail, error, errors = body.get("detail"), body.get("error"), body.get("errors")
    if isinstance(detail, list):  # FastAPI request validation (422)
        return "; ".join(_validation_item(item) for item in detail) or "Invalid request"
    if detail:
        return detail if error in (None, "", "HTTPException") else f"{error}: {detail}"
    if errors:
        return f"{error}: {errors}" if error else str(errors)
    return str(error or "")


def _validation_item(item) -> str:
    if not isinstance(item, dict):
        return str(item)
    loc = [str(part) for part in item.get("loc") or () if part != "body"]
    return f"{'.'.join(loc)}: {item.get('msg', '')}" if loc else str(item.get("msg", ""))


def _result(body, n: int) -> GenerationResult:
    images = body.get("images") if isinstance(body, dict) else None
    if not isinstance(images, list) or not images:
        raise ProviderError("The server returned no images (was send_images turned off?)",
                            permanent=True, code="bad_response")
    info = _info(body.get("info"))
    first = info.get("index_of_first_image") or 0
    # Skip a prepended grid; extensions (ControlNet…) may append extra maps after ours.
    images = images[first:first + n] if isinstance(first, int) else images[:n]
    seeds = info.get("all_seeds") if isinstance(info.get("all_seeds"), list) else []
    base_seed = info.get("seed")
    out = []
    for i, encoded in enumerate(images):
        seed = seeds[i] if i < len(seeds) else (base_seed + i if isinstance(base_seed, int) else None)
        out.append(ResultImage(data=_decode(encoded), seed=seed))
    return GenerationResult(images=out)


def _info(raw) -> dict:
    """`info` is a JSON string inside the JSON body; a bad one only loses the seeds."""
    if isinstance(raw, dict):
        return raw
    try:
        info = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def _decode(encoded) -> bytes:
    if not isinstance(encoded, str):
        raise ProviderError("The server returned an image that is not base64 text", permanent=True,
                            code="bad_response")
    if encoded.startswith("data:"):
        encoded = encoded.partition(",")[2]
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ProviderError("The server returned an image that is not valid base64", permanent=True,
                            code="bad_response") from None
