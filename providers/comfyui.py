"""ComfyUI: queue a built-in txt2img (or img2img) graph, poll its history, fetch each image.

`POST /prompt` queues an API-format graph; `GET /history/{id}` stays `{}`
until the run is over; `GET /view` serves each saved file. ComfyUI has no
"random seed" value, so an unset seed is drawn here and reported back.
"""
from __future__ import annotations

import random
import time
import uuid

import httpx

from .base import (
    Adapter, CancelledError, GenerationRequest, GenerationResult, Hooks, ProviderError, ResultImage,
    error_for_status, json_or_none, option_seconds, redact,
)

SEED_MAX = 2**32 - 1
FILENAME_PREFIX = "ImageStudio"
# ComfyUI's own node defaults, used where the request leaves a value unset:
# unlike a JSON API, a graph cannot simply leave an input out.
DEFAULTS = {"width": 512, "height": 512, "steps": 20, "cfg": 8.0, "sampler_name": "euler",
            "scheduler": "normal"}
# How far img2img moves from the input when no strength is chosen (ComfyUI's examples use 0.75).
DEFAULT_DENOISE = 0.75


def txt2img_graph(request: GenerationRequest, seed: int) -> dict:
    """The minimal txt2img graph in API format, filled in from the request."""
    def pick(value, default):
        return default if value in (None, "") else value

    return {
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": request.model}},
        "5": {"class_type": "EmptyLatentImage", "inputs": {
            "width": pick(request.width, DEFAULTS["width"]),
            "height": pick(request.height, DEFAULTS["height"]),
            "batch_size": request.n}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": request.prompt, "clip": ["4", 1]}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": request.negative_prompt or "",
                                                         "clip": ["4", 1]}},
        "3": {"class_type": "KSampler", "inputs": {
            "seed": seed,
            "steps": pick(request.steps, DEFAULTS["steps"]),
            "cfg": pick(request.guidance, DEFAULTS["cfg"]),
            "sampler_name": pick(request.sampler, DEFAULTS["sampler_name"]),
            "scheduler": pick(request.extras.get("scheduler"), DEFAULTS["scheduler"]),
            "denoise": 1.0,
            "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
        "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": FILENAME_PREFIX,
                                                    "images": ["8", 0]}},
    }


def img2img_graph(request: GenerationRequest, seed: int, image_name: str) -> dict:
    """The txt2img graph with its empty latent swapped for an uploaded image:
    LoadImage → VAEEncode (→ RepeatLatentBatch for n > 1), denoised by the strength."""
    graph = txt2img_graph(request, seed)
    graph["10"] = {"class_type": "LoadImage", "inputs": {"image": image_name}}
    graph["11"] = {"class_type": "VAEEncode", "inputs": {"pixels": ["10", 0], "vae": ["4", 2]}}
    latent = ["11", 0]
    if request.n > 1:
        graph["12"] = {"class_type": "RepeatLatentBatch", "inputs": {"samples": latent, "amount": request.n}}
        latent = ["12", 0]
    del graph["5"]
    graph["3"]["inputs"]["latent_image"] = latent
    graph["3"]["inputs"]["denoise"] = request.strength if request.strength is not None else DEFAULT_DENOISE
    return graph


class ComfyUIAdapter(Adapter):
    # --- requests -----------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs) -> httpx.Response:
        response = self.send(method, self.url(path), **kwargs)
        if response.status_code >= 400:
            raise error_for_status(response, _error_message(json_or_none(response), response.text),
                                   secrets=self.secrets)
        return response


    # --- generate -----------------------------------------------------------

    def generate(self, request: GenerationRequest, spec, hooks: Hooks) -> GenerationResult:
        if hooks.cancelled():
            raise CancelledError()
        seed = request.seed if request.seed is not None else random.randint(0, SEED_MAX)
        workflow = (self.connection.options.get("workflows") or {}).get(request.model)
        if workflow is not None:
            graph = self._workflow(workflow, request, seed)
        elif request.images_in:
            graph = img2img_graph(request, seed, self._upload(request.images_in[0]))
        else:
            graph = txt2img_graph(request, seed)
        prompt_id = self._queue(graph)
        entry = self._wait(prompt_id, hooks)
        # One noise tensor is drawn from the seed for the whole batch, so every
        # image of the batch carries the same seed.
        images = [ResultImage(data=self._view(ref), seed=seed) for ref in _output_images(entry)]
        if not images:
            raise ProviderError("ComfyUI finished the graph but saved no images", permanent=True,
                                code="bad_response", request_id=prompt_id)
        return GenerationResult(images=images, request_id=prompt_id)

    def _workflow(self, workflow: dict, request: GenerationRequest, seed: int) -> dict:
        """A staff workflow, checked against this server's nodes, with its placeholders filled."""
        from .comfyui_workflows import image_slots, workflow_errors, workflow_fill

        errors = workflow_errors(workflow, self._object_info())
        if errors:
            raise ProviderError(f"The workflow {request.model!r} cannot run on this server: "
                                + "; ".join(errors[:5]), permanent=True, code="workflow")
        slots = image_slots(workflow)
        if len(request.images_in) < slots:
            raise ProviderError(f"The workflow {request.model!r} takes {slots} input image"
                                f"{'s' if slots != 1 else ''}; {len(request.images_in)} given",
                                permanent=True, code="input_required")
        names = [self._upload(data) for data in request.images_in[:slots]]
        return workflow_fill(workflow, request, seed=seed, images=names)

    def _object_info(self) -> dict:
        body = self.json_body(self._call("GET", "/object_info"))
        if not isinstance(body, dict):
            raise ProviderError("ComfyUI's /object_info is not an object", permanent=False,
                                code="bad_response")
        return body

    def _upload(self, data: bytes) -> str:
        """Put an input image in ComfyUI's input folder (``POST /upload/image``); its name there."""
        name = f"{FILENAME_PREFIX}-{uuid.uuid4().hex}.png"
        body = self.json_body(self._call("POST", "/upload/image",
                                         files={"image": (name, data, "image/png")},
                                         data={"type": "input", "overwrite": "true"}))
        stored = body.get("name") if isinstance(body, dict) else None
        if not stored:
            raise ProviderError("ComfyUI took the input image but named no file", permanent=True,
                                code="bad_response")
        subfolder = body.get("subfolder") or ""
        return f"{subfolder}/{stored}" if subfolder else str(stored)

    def _queue(self, graph: dict) -> str:
        body = self.json_body(self._call("POST", "/prompt",
                                     json={"prompt": graph, "client_id": uuid.uuid4().hex}))
        prompt_id = body.get("prompt_id") if isinstance(body, dict) else None
        if not prompt_id:
            raise ProviderError("ComfyUI queued the graph but sent no prompt_id", permanent=True,
                                code="bad_response")
        return str(prompt_id)

    def _wait(self, prompt_id: str, hooks: Hooks) -> dict:
        """Poll the history until the run is over; its entry, or a ProviderError."""
        options = self.connection.options
        interval = option_seconds(options, "poll_interval", 1.0)
        deadline = time.monotonic() + option_seconds(options, "poll_timeout", 600.0)
        sleep = hooks.sleep or time.sleep
        while True:
            sleep(interval)
            if hooks.cancelled():
                self._cancel(prompt_id)
                raise CancelledError()
            entry = self._history(prompt_id)
            if entry is not None:
                return _finished(entry, prompt_id, self.secrets)
            if time.monotonic() > deadline:
                self._cancel(prompt_id)
                raise ProviderError("ComfyUI did not finish the image in time", permanent=False,
                                    code="timeout", request_id=prompt_id)

    def _history(self, prompt_id: str) -> dict | None:
        body = self.json_body(self._call("GET", f"/history/{prompt_id}"))
        entry = body.get(prompt_id) if isinstance(body, dict) else None
        return entry if isinstance(entry, dict) else None

    def _view(self, ref: dict) -> bytes:
        params = {"filename": ref.get("filename", ""), "subfolder": ref.get("subfolder", ""),
                  "type": ref.get("type") or "output"}
        data = self._call("GET", "/view", params=params).content
        if not data:
            raise ProviderError(f"ComfyUI sent an empty file for {params['filename']}", permanent=False,
                                code="bad_response")
        return data

    def _cancel(self, prompt_id: str) -> None:
        """Stop our run without touching anyone else's: interrupt it only if it is running."""
        try:
            queue = self.json_body(self._call("GET", "/queue"))
            running = [item[1] for item in queue.get("queue_running", []) if len(item) > 1]
        except (ProviderError, AttributeError, TypeError):
            running = []
        try:
            if prompt_id in running:
                # Newer builds interrupt only this prompt; older ones ignore the body.
                self._call("POST", "/interrupt", json={"prompt_id": prompt_id})
            else:
                self._call("POST", "/queue", json={"delete": [prompt_id]})
        except ProviderError:
            pass  # cancelled on our side either way

    # --- models -------------------------------------------------------------

    def list_models(self) -> list[str]:
        body = self.json_body(self._call("GET", "/object_info/CheckpointLoaderSimple"))
        try:
            spec = body["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"]
            # Classic nodes list the choices first; V3-schema nodes send ["COMBO", {"options": [...]}].
            names = spec[1]["options"] if spec[0] == "COMBO" else spec[0]
        except (KeyError, IndexError, TypeError):
            raise ProviderError("ComfyUI's CheckpointLoaderSimple description has no ckpt_name list",
                                permanent=True, code="bad_response") from None
        return [str(name) for name in names]

    def check(self) -> str:
        stats = self.json_body(self._call("GET", "/system_stats"))
        version = (stats.get("system") or {}).get("comfyui_version") if isinstance(stats, dict) else None
        count = len(self.list_models())
        server = f"ComfyUI {version}" if version else "ComfyUI"
        if count == 0:
            return f"{server} answered but lists no checkpoints: put one in models/checkpoints."
        return f"{server} answered: {count} checkpoint{'s' if count != 1 else ''}." + self._workflows_checked()

    def _workflows_checked(self) -> str:
        """" Workflow 'x': ready." or what stops each staff workflow, for Test connection."""
        from .comfyui_workflows import workflow_errors

        workflows = self.connection.options.get("workflows") or {}
        if not workflows:
            return ""
        info = self._object_info()
        parts = []
        for name, graph in workflows.items():
            errors = workflow_errors(graph, info)
            parts.append(f"Workflow {name!r}: " + ("ready" if not errors else "; ".join(errors[:3])))
        return " " + ". ".join(parts) + "."


# --- reading responses ----------------------------------------------------------

def _error_message(body, text: str) -> str:
    """ComfyUI's own words: the error, then each node's complaint."""
    if not isinstance(body, dict):
        return text.strip()[:300]
    error = body.get("error")
    parts, details = [], ""
    if isinstance(error, dict):
        parts.append(str(error.get("message") or error.get("type") or "error"))
        details = str(error.get("details") or "")
    elif error:
        parts.append(str(error))
    node_errors = body.get("node_errors")
    if isinstance(node_errors, dict) and node_errors:
        for node_id, node in node_errors.items():
            for item in (node or {}).get("errors") or []:
                where = node.get("class_type") or f"node {node_id}"
                parts.append(f"{where}: {item.get('message', '')}: {item.get('details', '')}".rstrip(": "))
    elif details:
        parts.append(details)
    return "; ".join(parts)


def _finished(entry: dict, prompt_id: str, secrets: tuple[str, ...]) -> dict:
    """The history entry if the run succeeded; a ProviderError saying why if not."""
    status = entry.get("status")
    if not isinstance(status, dict) or status.get("status_str") != "error":
        return entry  # success, or an older build that records no status
    events = {name: data for name, data in _messages(status)}
    if "execution_interrupted" in events:
        # Someone stopped it on the server (we cancel through CancelledError).
        raise ProviderError("The run was interrupted on the ComfyUI server", permanent=False,
                            code="interrupted", request_id=prompt_id)
    failure = events.get("execution_error") or {}
    kind = str(failure.get("exception_type") or "error")
    text = (f"ComfyUI failed in {failure.get('node_type') or 'a node'}: {kind}: "
            f"{failure.get('exception_message') or 'no message'}")
    # Running out of GPU memory may pass once other work is done; other failures repeat.
    raise ProviderError(redact(text.strip(), *secrets), permanent="OutOfMemory" not in kind,
                        code="execution_error", request_id=prompt_id)


def _messages(status: dict):
    for item in status.get("messages") or []:
        if isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[1], dict):
            yield item[0], item[1]


def _output_images(entry: dict) -> list[dict]:
    """File references of the saved images (previews of type "temp" are skipped)."""
    outputs = entry.get("outputs")
    refs = []
    for node in (outputs.values() if isinstance(outputs, dict) else ()):
        for ref in (node.get("images") or []) if isinstance(node, dict) else ():
            if isinstance(ref, dict) and ref.get("filename") and ref.get("type", "output") == "output":
                refs.append(ref)
    return refs
