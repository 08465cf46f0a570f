"""A fake AUTOMATIC1111 / Forge server speaking the `--api` routes under /sdapi/v1.

Switches: ``api_enabled = False`` (the server runs without --api: every route
404s), ``credentials = ("user", "pass")`` (--api-auth), ``render_seconds``
(txt2img blocks that long, or until /interrupt), ``return_grid`` (a grid image
is prepended), ``samplers``; plus ``push(Reply(...))`` for 500/OOM replies.

Like A1111 it runs one task at a time: a txt2img takes the name in
``force_task_id`` (or makes one up), waits in the queue, then runs.
``POST /internal/progress`` says whether a named task is ``active``, queued
or completed; ``GET /sdapi/v1/progress`` names the ``current_task``.
``occupy(task_id, seconds)`` makes someone else's task hold the GPU; and
``/sdapi/v1/interrupt`` stops whichever task runs (``interrupted_tasks``).
"""
from __future__ import annotations

import base64
import io
import json
import random
import threading
import time

from PIL import Image
from PIL.PngImagePlugin import PngInfo

from .base import FakeServer, Reply, Request, png_bytes

CHECKPOINTS = [
    ("v1-5-pruned-emaonly.safetensors", "6ce0161689"),
    ("SDXL/sd_xl_base_1.0.safetensors", "31e35c80fc"),
]
SAMPLERS = ["DPM++ 2M", "DPM++ SDE", "DPM++ 2M SDE", "DPM++ 2S a", "Euler a", "Euler", "LMS", "Heun",
            "DPM2", "DPM2 a", "DDIM", "UniPC"]
SCHEDULER_SUFFIXES = (" Karras", " Exponential")
INT_FIELDS = ("width", "height", "steps", "batch_size", "n_iter", "seed")


def title(name: str, short_hash: str) -> str:
    return f"{name} [{short_hash}]"


def oom_reply() -> Reply:
    """A1111's handler output for a CUDA out-of-memory error."""
    return Reply(500, {"error": "OutOfMemoryError", "detail": "", "body": "",
                       "errors": "CUDA out of memory. Tried to allocate 2.50 GiB"})


class FakeA1111(FakeServer):
    def __init__(self):
        super().__init__()
        self.checkpoints = list(CHECKPOINTS)
        self.samplers = list(SAMPLERS)
        self.api_enabled = True
        self.credentials: tuple[str, str] | None = None
        self.render_seconds = 0.0
        self.return_grid = False
        self.loaded = title(*self.checkpoints[0])  # the checkpoint the server has loaded
        self.interrupted = threading.Event()
        self._rendering_since: float | None = None
        self._queue = threading.Lock()  # A1111's queue_lock: one task at a time
        self.current_task: str | None = None
        self.pending: set[str] = set()
        self.finished: list[str] = []
        self.interrupted_tasks: list[str | None] = []
        self.img2img_bodies: list[dict] = []
        self.task_ids: list[str] = []  # every txt2img's task id, in order

    def occupy(self, task_id: str, seconds: float) -> threading.Thread:
        """Someone else's task, started from the web UI, holds the GPU for ``seconds``."""
        started = threading.Event()

        def run():
            with self._queue:
                self.current_task = task_id
                started.set()
                self._render(seconds)
                self._finish(task_id)
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        started.wait(5)
        return thread

    def route(self, req: Request) -> Reply:
        if self.api_enabled and (req.method, req.path) == ("POST", "/internal/progress"):
            return self.internal_progress(req)  # the web UI's route: --api-auth does not cover it
        if not self.api_enabled or not req.path.startswith("/sdapi/v1/"):
            return Reply(404, {"detail": "Not Found"})  # FastAPI's default, not A1111's envelope
        if self.credentials and not self._authorised(req):
            return Reply(401, {"detail": "Incorrect username or password"},
                         {"WWW-Authenticate": "Basic"})
        routes = {
            ("POST", "/sdapi/v1/txt2img"): self.txt2img,
            ("POST", "/sdapi/v1/img2img"): self.img2img,
            ("GET", "/sdapi/v1/progress"): self.progress,
            ("POST", "/sdapi/v1/interrupt"): self.interrupt,
            ("GET", "/sdapi/v1/sd-models"): self.sd_models,
        }
        handler = routes.get((req.method, req.path))
        return handler(req) if handler else Reply(404, {"detail": "Not Found"})

    def _authorised(self, req: Request) -> bool:
        header = req.headers.get("authorization", "")
        expected = base64.b64encode(":".join(self.credentials).encode()).decode()
        return header == f"Basic {expected}"

    # --- routes ---------------------------------------------------------------

    def txt2img(self, req: Request) -> Reply:
        try:
            body = req.json
        except ValueError as exc:
            return _invalid([{"loc": ["body", 0], "msg": str(exc), "type": "value_error.jsondecode"}])
        problems = [{"loc": ["body", name], "msg": "value is not a valid integer", "type": "type_error.integer"}
                    for name in INT_FIELDS if name in body and not isinstance(body[name], int)]
        if "cfg_scale" in body and not isinstance(body["cfg_scale"], (int, float)):
            problems.append({"loc": ["body", "cfg_scale"], "msg": "value is not a valid float",
                             "type": "type_error.float"})
        if problems:
            return _invalid(problems)
        sampler = body.get("sampler_name")
        if sampler and _strip_scheduler(sampler) not in self.samplers:
            return Reply(404, {"error": "HTTPException", "detail": "Sampler not found", "body": "",
                               "errors": "404: Sampler not found"})
        task_id = body.get("force_task_id") or f"task({random.randrange(16**12):012x})"
        self.task_ids.append(task_id)
        self.pending.add(task_id)
        with self._queue:
            self.pending.discard(task_id)
            self.current_task = task_id
            self._load(body.get("override_settings", {}).get("sd_model_checkpoint"))
            self._render(self.render_seconds)
            self._finish(task_id)
        return Reply(200, self._response(body))

    def img2img(self, req: Request) -> Reply:
        """As txt2img, after A1111's own checks of init_images and the mask."""
        from .openai_edits import size_of

        body = req.json
        images = body.get("init_images") if isinstance(body, dict) else None
        if not images:
            return _invalid([{"loc": ["body", "init_images"], "msg": "field required",
                              "type": "value_error.missing"}])
        for key, value in [("init_images", v) for v in images] + [("mask", body.get("mask"))]:
            if value is not None and size_of(_unb64(value)) is None:
                return Reply(500, {"error": "OSError", "detail": "", "body": "",
                                   "errors": "cannot identify image file"})
        strength = body.get("denoising_strength", 0.75)
        if not isinstance(strength, (int, float)) or not 0 <= strength <= 1:
            return _invalid([{"loc": ["body", "denoising_strength"], "msg": "value is not a valid float",
                              "type": "type_error.float"}])
        self.img2img_bodies.append(body)
        return self.txt2img(req)

    def _finish(self, task_id: str) -> None:
        if self.current_task == task_id:
            self.current_task = None
        self.finished.append(task_id)

    def _fraction(self) -> float:
        started, seconds = self._rendering_since, self._render_for
        if started is None or not seconds:
            return 0.0
        return round(min(0.99, (time.monotonic() - started) / seconds), 3)

    def progress(self, req: Request) -> Reply:
        done = self._fraction()
        return Reply(200, {"progress": done,
                           "eta_relative": round(self._render_for * (1 - done), 3),
                           "state": _state(1 if self.current_task else 0, int(done * 20)),
                           "current_image": None, "textinfo": None,
                           "current_task": self.current_task})

    def internal_progress(self, req: Request) -> Reply:
        task_id = (req.json or {}).get("id_task")
        active = task_id is not None and task_id == self.current_task
        body = {"active": active, "queued": task_id in self.pending,
                "completed": task_id in self.finished, "progress": None, "eta": None,
                "live_preview": None, "id_live_preview": -1,
                "textinfo": None if active else ("Queued..." if task_id in self.pending else "Waiting...")}
        if active:
            body["progress"] = self._fraction()
        return Reply(200, body)

    def interrupt(self, req: Request) -> Reply:
        self.interrupted_tasks.append(self.current_task)  # A1111 stops whatever runs
        self.interrupted.set()
        return Reply(200, {})

    def sd_models(self, req: Request) -> Reply:
        return Reply(200, [{"title": title(name, short), "model_name": name.rsplit(".", 1)[0].replace("/", "_"),
                            "hash": short, "sha256": short * 6 + "abcd", "filename": f"/models/{name}",
                            "config": None} for name, short in self.checkpoints])

    # --- helpers --------------------------------------------------------------

    def _load(self, wanted: str | None) -> None:
        """Like A1111: an unknown checkpoint name is silently ignored."""
        known = {title(n, h): title(n, h) for n, h in self.checkpoints}
        known.update({n: title(n, h) for n, h in self.checkpoints})
        if wanted in known:
            self.loaded = known[wanted]

    _render_for = 0.0

    def _render(self, seconds: float) -> None:
        """Block like the real call: for ``seconds``, or until /interrupt."""
        self.interrupted.clear()
        self._rendering_since, self._render_for = time.monotonic(), seconds
        try:
            if seconds:
                self.interrupted.wait(seconds)
        finally:
            self._rendering_since = None

    def _response(self, body: dict) -> dict:
        width, height = body.get("width", 512), body.get("height", 512)
        count = body.get("batch_size", 1) * body.get("n_iter", 1)
        seed = body.get("seed", -1)
        seed = random.randrange(4294967294) if seed == -1 else seed
        seeds = [seed + i for i in range(count)]
        infotexts = [_infotext(body, seed_, self.loaded) for seed_ in seeds]
        # Like A1111's API (encode_pil_to_base64): each PNG carries its infotext in a `parameters` chunk.
        images = [_b64(_png_with_infotext(width, height, (seed_ % 256, 90, 160), text))
                  for seed_, text in zip(seeds, infotexts)]
        first = 0
        if self.return_grid and count > 1:
            images.insert(0, _b64(png_bytes(width * count, height)))
            first = 1
        info = {"prompt": body.get("prompt", ""), "all_prompts": [body.get("prompt", "")] * count,
                "negative_prompt": body.get("negative_prompt", ""), "seed": seed, "all_seeds": seeds,
                "subseed": 1, "all_subseeds": [1 + i for i in range(count)], "width": width,
                "height": height, "sampler_name": body.get("sampler_name", "Euler"),
                "cfg_scale": body.get("cfg_scale", 7.0), "steps": body.get("steps", 50),
                "batch_size": body.get("batch_size", 1), "sd_model_name": self.loaded.split(" [")[0],
                "index_of_first_image": first, "infotexts": infotexts,
                "job_timestamp": "20250101120000"}
        return {"images": images, "parameters": body, "info": json.dumps(info)}


def _infotext(body: dict, seed: int, loaded: str) -> str:
    """What A1111 1.10 writes for a txt2img result (modules/processing.py create_infotext)."""
    name, _, short = loaded.partition(" [")
    negative = f"\nNegative prompt: {body['negative_prompt']}" if body.get("negative_prompt") else ""
    return (f"{body.get('prompt', '')}{negative}\nSteps: {body.get('steps', 20)}, "
            f"Sampler: {body.get('sampler_name', 'Euler')}, Schedule type: Automatic, "
            f"CFG scale: {body.get('cfg_scale', 7.0)}, Seed: {seed}, "
            f"Size: {body.get('width', 512)}x{body.get('height', 512)}, Model hash: {short.rstrip(']')}, "
            f"Model: {name.rsplit('.', 1)[0]}, VAE hash: 735e4c3a44, VAE: sdxl_vae.safetensors, "
            f'Lora hashes: "add_detail: 7c6bad76eb54", Version: v1.10.1')


def _png_with_infotext(width: int, height: int, colour, text: str) -> bytes:
    info = PngInfo()
    info.add_text("parameters", text)
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def _invalid(detail: list) -> Reply:
    return Reply(422, {"detail": detail})


def _strip_scheduler(name: str) -> str:
    for suffix in SCHEDULER_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _state(job_count: int, step: int) -> dict:
    return {"skipped": False, "interrupted": False, "stopping_generation": False, "job": "",
            "job_count": job_count, "job_timestamp": "20250101120000", "job_no": 0,
            "sampling_step": step, "sampling_steps": 20}


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text.partition(",")[2] if text.startswith("data:") else text)
    except (ValueError, TypeError):
        return b""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
