"""A fake Black Forest Labs API: submit, poll, signed result files, credits.

Switches (plain attributes):
- ``outcome``: the terminal status every new task reaches ("Ready", "Error",
  "Request Moderated", "Content Moderated", "Task not found").
- ``pending_polls``: how many polls answer Pending first; ``progress_scale``
  1 (fractions) or 100 (percentages) for the progress they report.
- ``cost``: credits reported on submit (FLUX.2 endpoints do; None = absent).
- ``polling_base``: the origin of polling URLs (default: this server).
- ``expire_files()``: result URLs answer 404, as after BFL's 10 minutes.
- ``fail_polls(*replies)``: the next polls (only polls) get these replies.
Canned errors: ``push(unauthorized())``, ``validation_error(...)``, etc.
"""
from __future__ import annotations

import itertools

from .base import FakeServer, Reply, Request, png_bytes
from .openai_edits import is_flagged, mode_of, size_of

API_KEY = "bfl-test-key-5f2c9a"
# What BFL's spec allows per endpoint family, to catch a field sent where it is not taken.
FLUX1 = {"prompt", "width", "height", "seed", "safety_tolerance", "output_format",
         "prompt_upsampling"}
ACCEPTS = {
    "flux-pro-1.1": FLUX1,
    "flux-dev": FLUX1 | {"steps", "guidance"},
    "flux-pro": FLUX1 | {"steps", "guidance", "interval"},
    "flux-pro-1.1-ultra": FLUX1 - {"width", "height"} | {"aspect_ratio", "raw"},
    "flux-kontext-pro": FLUX1 - {"width", "height"} | {"aspect_ratio"},
    "flux-kontext-max": FLUX1 - {"width", "height"} | {"aspect_ratio"},
}
FLUX2 = {"prompt", "width", "height", "seed", "safety_tolerance", "output_format"}
for _model in ("flux-2-pro", "flux-2-pro-preview", "flux-2-max", "flux-2-klein-4b",
               "flux-2-klein-9b", "flux-2-klein-9b-preview"):
    ACCEPTS[_model] = FLUX2
ACCEPTS["flux-2-flex"] = FLUX2 | {"steps", "guidance", "prompt_upsampling"}
# Input images (BFL's spec): FLUX.2 takes input_image … input_image_8, klein and
# Kontext four; FLUX1.1 one image_prompt (ultra with its strength); Fill an image and a mask.
_INPUTS = ["input_image"] + [f"input_image_{i}" for i in range(2, 9)]
for _model, _count in (("flux-2-pro", 8), ("flux-2-pro-preview", 8), ("flux-2-max", 8),
                       ("flux-2-flex", 8), ("flux-2-klein-4b", 4), ("flux-2-klein-9b", 4),
                       ("flux-2-klein-9b-preview", 4), ("flux-kontext-pro", 4),
                       ("flux-kontext-max", 4)):
    ACCEPTS[_model] = ACCEPTS[_model] | set(_INPUTS[:_count])
ACCEPTS["flux-pro-1.1"] = ACCEPTS["flux-pro-1.1"] | {"image_prompt"}
ACCEPTS["flux-pro-1.1-ultra"] = ACCEPTS["flux-pro-1.1-ultra"] | {"image_prompt", "image_prompt_strength"}
ACCEPTS["flux-pro-1.0-fill"] = {"prompt", "image", "mask", "steps", "guidance", "seed",
                                "safety_tolerance", "output_format", "prompt_upsampling"}


def _b64(text) -> bytes:
    import base64
    import binascii

    try:
        return base64.b64decode(str(text), validate=True)
    except (binascii.Error, ValueError):
        return b""


def _input_problem(model: str, body: dict) -> tuple[str, str] | None:
    """What BFL's validation says of a bad input image or a Fill without a mask."""
    for key in body:
        if (key.startswith("input_image") or key in ("image", "image_prompt", "mask")) \
                and size_of(_b64(body[key])) is None:
            return key, "Invalid image: could not decode the base64 image"
    if model == "flux-pro-1.0-fill":
        if "image" not in body:
            return "image", "Field required"
        if "mask" not in body and mode_of(_b64(body["image"])) not in ("RGBA", "LA"):
            return "mask", "A mask is required when the image has no alpha channel"
        if "mask" in body and size_of(_b64(body["mask"])) != size_of(_b64(body["image"])):
            return "mask", "Mask and image must have the same dimensions"
    return None


def unauthorized(echo_key: str = "") -> Reply:
    return Reply(401, {"detail": f"Invalid API key {echo_key}".strip()})


def validation_error(field: str, msg: str) -> Reply:
    return Reply(422, {"detail": [{"loc": ["body", field], "msg": msg, "type": "value_error"}]})


def insufficient_credits() -> Reply:
    return Reply(402, {"detail": "Insufficient credits"})


def rate_limited(retry_after: str | None = "7") -> Reply:
    headers = {"Retry-After": retry_after} if retry_after else {}
    return Reply(429, {"detail": "You have exceeded the number of active tasks (24)."}, headers)


def server_error(status: int = 500) -> Reply:
    return Reply(status, {"detail": "Internal Server Error"})


def gateway_page() -> Reply:
    return Reply(502, "<html><body><h1>502 Bad Gateway</h1></body></html>",
                 {"Content-Type": "text/html"})


class FakeBFL(FakeServer):
    api_key = API_KEY

    def reset(self) -> None:
        """Back to a fresh state, so one running server can serve many tests."""
        super().reset()
        self.outcome = "Ready"
        self.pending_polls = 1
        self.progress_scale = 1
        self.cost: float | None = None
        self.polling_base: str | None = None
        self.details: dict | None = None
        self.error: str | None = None  # the "error" field of a failed task
        self.result_prompt: str | None = None  # e.g. an upsampled prompt
        self.tasks: dict[str, dict] = {}
        self._ids = itertools.count(1)
        self._expired = False
        self._poll_faults: list[Reply] = []

    def expire_files(self) -> None:
        self._expired = True

    def fail_polls(self, *replies: Reply) -> None:
        self._poll_faults.extend(replies)

    @property
    def submits(self) -> list[Request]:
        return [r for r in self.requests if r.method == "POST"]

    @property
    def polls(self) -> list[Request]:
        return [r for r in self.requests if r.path == "/v1/get_result"]

    def route(self, req: Request) -> Reply:
        if req.path.startswith("/files/"):
            return self._file(req)
        if req.headers.get("x-key") != self.api_key:
            return unauthorized()
        if req.method == "GET" and req.path == "/v1/credits":
            return Reply(200, {"credits": 123.5})
        if req.method == "GET" and req.path == "/v1/get_result":
            return self._poll(req.query.get("id", [""])[0])
        if req.method == "POST" and req.path.startswith("/v1/"):
            return self._submit(req.path.removeprefix("/v1/"), req)
        return Reply(404, {"detail": "Not Found"})

    def _submit(self, model: str, req: Request) -> Reply:
        if model not in ACCEPTS:
            return Reply(404, {"detail": "Not Found"})
        body = req.json
        if not isinstance(body, dict):
            return validation_error("body", "Input should be a valid dictionary")
        unknown = set(body) - ACCEPTS[model]
        if unknown:  # BFL ignores extras; the fake is stricter to catch adapter bugs
            return validation_error(sorted(unknown)[0], "Extra inputs are not permitted")
        if problem := _input_problem(model, body):
            return validation_error(*problem)
        task_id = f"task-{next(self._ids)}"
        self.tasks[task_id] = {"model": model, "body": body, "polls": 0,
                               "seed": body.get("seed", 424242),
                               "moderated": any(is_flagged(_b64(body[k])) for k in body
                                                if k.startswith(("input_image", "image"))
                                                and k != "image_prompt_strength")}
        base = self.polling_base or self.url
        receipt = {"id": task_id, "polling_url": f"{base}/v1/get_result?id={task_id}"}
        if self.cost is not None:
            receipt.update(cost=self.cost, input_mp=0, output_mp=1.05)
        return Reply(200, receipt)

    def _poll(self, task_id: str) -> Reply:
        if self._poll_faults:
            return self._poll_faults.pop(0)
        task = self.tasks.get(task_id)
        if task is None:
            return Reply(200, {"id": task_id, "status": "Task not found", "result": None})
        task["polls"] += 1
        if task["polls"] <= self.pending_polls:
            progress = task["polls"] / (self.pending_polls + 1) * self.progress_scale
            return Reply(200, {"id": task_id, "status": "Pending", "result": None,
                               "progress": progress, "details": None})
        outcome = "Request Moderated" if task.get("moderated") else self.outcome
        if outcome != "Ready":
            body = {"id": task_id, "status": outcome, "result": None, "progress": None,
                    "details": self.details}
            if self.error is not None:  # BFL's failed tasks may give the reason as "error"
                body["error"] = self.error
            return Reply(200, body)
        result = {"sample": f"{self.url}/files/{task_id}.png?se=signed",
                  "prompt": self.result_prompt or task["body"].get("prompt", ""),
                  "seed": task["seed"], "start_time": 1.0, "end_time": 2.0, "duration": 1.0}
        return Reply(200, {"id": task_id, "status": "Ready", "result": result, "progress": None,
                           "details": None})

    def _file(self, req: Request) -> Reply:
        if self._expired:  # BFL's signed URLs die after 10 minutes
            return Reply(404, "<Error><Code>BlobNotFound</Code></Error>",
                         {"Content-Type": "application/xml"})
        return Reply(200, png_bytes(32, 32), {"Content-Type": "image/png"})
