"""A fake fal.ai queue: submit, status, result, cancel, CDN files and endpoint schemas.

As fal answers on 2026-12-01: ``Authorization: Key <key>``; ``POST
/{model_id}`` answers ``{request_id, status_url, response_url, cancel_url,
queue_position}`` whose URLs sit under the *app* id (``fal-ai/flux-2-pro``
for ``fal-ai/flux-2-pro/edit``), so an adapter that rebuilds them from the
model id gets 404s. Status goes IN_QUEUE → IN_PROGRESS → COMPLETED; the
result is ``{"images": [{url, width, height, content_type}], "seed",
"has_nsfw_concepts"}`` or the model's 422 ``{"detail": [{loc, msg, type}]}``.
``PUT cancel_url`` answers 202 CANCELLATION_REQUESTED (400
ALREADY_COMPLETED once done). A prompt with ``forbidden`` is refused as
``content_policy_violation``; ``nsfw_output`` flags the images instead.
Input fields are checked per model (unknown fields are a 422: stricter than
fal, to catch adapter bugs). ``GET /openapi/queue/openapi.json?endpoint_id=``
serves each endpoint's OpenAPI document.
"""
from __future__ import annotations

import itertools

from .base import FakeServer, Reply, Request, png_bytes

API_KEY = "fal-key-id:fal-key-secret-3e7d"
MODERATION_WORD = "forbidden"
COMMON = {"prompt", "seed", "num_images", "output_format", "sync_mode", "enable_safety_checker"}
ACCEPTS = {
    "fal-ai/nano-banana-2": COMMON | {"aspect_ratio", "resolution"},
    "fal-ai/nano-banana-2/edit": COMMON | {"aspect_ratio", "resolution", "image_urls"},
    "fal-ai/flux-2-pro": COMMON | {"image_size", "safety_tolerance"},
    "fal-ai/flux-2-pro/edit": COMMON | {"image_size", "image_urls"},
    "fal-ai/qwen-image-edit": COMMON | {"image_size", "image_url"},
    "bytedance/seedream/v5/pro/edit": COMMON | {"image_size", "image_urls"},
    "acme/pixel-art": {"prompt", "image_size", "num_images", "num_inference_steps", "style",
                       "image_url", "mask_url", "strength", "enable_safety_checker"},
}
MAX_IMAGES = {"fal-ai/nano-banana-2/edit": 14, "fal-ai/flux-2-pro/edit": 8,
              "bytedance/seedream/v5/pro/edit": 10}

PIXEL_ART_SCHEMA = {
    "openapi": "3.0.4",
    "info": {"title": "Pixel Art", "description": "Pixel-art images and edits.", "version": "1.0.0"},
    "paths": {
        "/acme/pixel-art": {"post": {"requestBody": {"required": True, "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/PixelArtInput"}}}}}},
        "/acme/pixel-art/requests/{request_id}/status": {"get": {}},
    },
    "components": {"schemas": {
        "PixelArtInput": {"type": "object", "required": ["prompt"], "properties": {
            "prompt": {"type": "string", "title": "Prompt"},
            "image_size": {"anyOf": [{"$ref": "#/components/schemas/ImageSize"},
                                     {"enum": ["square_hd", "square", "landscape_4_3", "landscape_16_9"],
                                      "type": "string"}], "default": "square_hd"},
            "num_images": {"type": "integer", "minimum": 1, "maximum": 4, "default": 1},
            "num_inference_steps": {"type": "integer", "minimum": 1, "maximum": 12, "default": 4},
            "style": {"enum": ["8bit", "16bit", "isometric"], "type": "string", "default": "16bit",
                      "description": "Palette and look"},
            "image_url": {"type": "string", "title": "Image URL", "description": "Image to restyle"},
            "mask_url": {"type": "string", "title": "Mask URL"},
            "strength": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.85},
            "enable_safety_checker": {"type": "boolean", "default": True},
            "sync_mode": {"type": "boolean", "default": False},
        }},
        "ImageSize": {"type": "object", "properties": {"width": {"type": "integer"},
                                                       "height": {"type": "integer"}}},
    }},
}


def app_of(model: str) -> str:
    """fal's app id: the first two path segments of an endpoint id."""
    return "/".join(model.split("/")[:2])


def validation_error(field: str, msg: str, kind: str = "value_error") -> Reply:
    return Reply(422, {"detail": [{"loc": ["body", field], "msg": msg, "type": kind}]},
                 {"X-Fal-Retryable": "false"})


class FakeFal(FakeServer):
    api_key = API_KEY

    def reset(self) -> None:
        super().reset()
        self.queued_polls = 1
        self.running_polls = 1
        self.nsfw_output = False
        self.queue_base: str | None = None
        self.jobs: dict[str, dict] = {}
        self._ids = itertools.count(1)

    @property
    def submits(self) -> list[Request]:
        return [r for r in self.requests if r.method == "POST"]

    @property
    def polls(self) -> list[Request]:
        return [r for r in self.requests if r.path.endswith("/status")]

    @property
    def cancels(self) -> list[Request]:
        return [r for r in self.requests if r.method == "PUT"]

    def route(self, req: Request) -> Reply:
        if req.path.startswith("/files/"):
            return Reply(200, png_bytes(36, 36), {"Content-Type": "image/png"})
        if req.path == "/openapi/queue/openapi.json":
            endpoint = req.query.get("endpoint_id", [""])[0]
            if endpoint == "acme/pixel-art":
                return Reply(200, PIXEL_ART_SCHEMA)
            return Reply(404, {"detail": "Endpoint not found"})
        if req.headers.get("authorization") != f"Key {self.api_key}":
            return Reply(401, {"detail": "Invalid Key Authorization header format or key."})
        path = req.path.strip("/")
        if "/requests/" in path:
            app, _, rest = path.partition("/requests/")
            rid, _, action = rest.partition("/")
            return self._request(app, rid, action, req.method)
        if req.method == "POST":
            return self._submit(path, req.json)
        return Reply(404, {"detail": "Not Found"})

    def _submit(self, model: str, body) -> Reply:
        if model not in ACCEPTS:
            return Reply(404, {"detail": f"Application '{model}' not found"})
        if not isinstance(body, dict):
            return validation_error("body", "Input should be a valid dictionary")
        for field in body:
            if field not in ACCEPTS[model]:
                return validation_error(field, "Extra inputs are not permitted", "extra_forbidden")
        urls = body.get("image_urls") or ([body["image_url"]] if "image_url" in body else [])
        if len(urls) > MAX_IMAGES.get(model, 1):
            return validation_error("image_urls", f"List should have at most {MAX_IMAGES.get(model, 1)} items")
        if any(not str(u).startswith(("data:image/", "https://")) for u in urls):
            return validation_error("image_urls", "Input should be a valid URL")
        rid = f"0193-req-{next(self._ids)}"
        self.jobs[rid] = {"model": model, "body": body, "polls": 0, "state": "IN_QUEUE"}
        base = f"{self.queue_base or self.url}/{app_of(model)}/requests/{rid}"
        return Reply(200, {"request_id": rid, "gateway_request_id": rid, "response_url": base,
                           "status_url": f"{base}/status", "cancel_url": f"{base}/cancel",
                           "queue_position": 0})

    def _request(self, app: str, rid: str, action: str, method: str) -> Reply:
        job = self.jobs.get(rid)
        if job is None or app_of(job["model"]) != app:
            return Reply(404, {"detail": "Request not found"})
        if action == "status" and method == "GET":
            if job["state"] in ("IN_QUEUE", "IN_PROGRESS"):
                job["polls"] += 1
                if job["polls"] <= self.queued_polls:
                    job["state"] = "IN_QUEUE"
                elif job["polls"] <= self.queued_polls + self.running_polls:
                    job["state"] = "IN_PROGRESS"
                else:
                    job["state"] = "COMPLETED"
            body = {"status": job["state"] if job["state"] != "CANCELLED" else "COMPLETED",
                    "request_id": rid}
            if job["state"] == "IN_QUEUE":
                body["queue_position"] = 0
            return Reply(200, body)
        if action == "cancel" and method == "PUT":
            if job["state"] == "COMPLETED":
                return Reply(400, {"status": "ALREADY_COMPLETED"})
            job["state"] = "CANCELLED"
            return Reply(202, {"status": "CANCELLATION_REQUESTED"})
        if action == "" and method == "GET":
            if job["state"] == "CANCELLED":
                return Reply(400, {"detail": "Request was cancelled"})
            if job["state"] != "COMPLETED":
                return Reply(400, {"detail": "Request is still in progress"})
            return self._output(rid, job)
        return Reply(405, {"detail": "Method Not Allowed"})

    def _output(self, rid: str, job: dict) -> Reply:
        body = job["body"]
        if MODERATION_WORD in body.get("prompt", ""):
            return validation_error("prompt", "The content could not be processed because it "
                                    "contained material flagged by a content checker.",
                                    "content_policy_violation")
        count = body.get("num_images", 1)
        images = [{"url": f"{self.url}/files/{rid}-{i}.png", "width": 36, "height": 36,
                   "content_type": "image/png"} for i in range(count)]
        return Reply(200, {"images": images, "seed": body.get("seed", 8675309),
                           "has_nsfw_concepts": [self.nsfw_output] * count,
                           "timings": {"inference": 1.2}, "prompt": body.get("prompt")})
