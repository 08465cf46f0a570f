"""A fake Stability AI API: v2beta Stable Image (multipart), v1 text-to-image, balance.

Switches (plain attributes):
- ``finish_reason``: what v2beta reports ("SUCCESS" or "CONTENT_FILTERED").
- ``v1_finish_reasons``: per-artifact finishReason for v1, cycled over samples.
- ``seed``: the seed reported when the request asked for none (or for 0).
Canned errors: ``push(v2_error(...))``, ``push(v1_error(...))``, ``rate_limited()``…
"""
from __future__ import annotations

import base64
import itertools
import json

from .base import FakeServer, Reply, Request, png_bytes

API_KEY = "sk-stability-test-8d1e4b"
STYLE = {"style_preset"}
V2_ACCEPTS = {
    "ultra": {"prompt", "negative_prompt", "aspect_ratio", "seed", "output_format", "image",
              "strength"} | STYLE,
    "core": {"prompt", "negative_prompt", "aspect_ratio", "seed", "output_format"} | STYLE,
    "sd3": {"prompt", "negative_prompt", "aspect_ratio", "seed", "output_format", "model", "mode",
            "cfg_scale", "image", "strength"} | STYLE,
}
# The edit and upscale endpoints (fact sheet 4): what each takes besides ``image``.
EDIT_ACCEPTS = {
    "edit/inpaint": {"prompt", "mask", "negative_prompt", "seed", "output_format", "grow_mask"},
    "edit/outpaint": {"prompt", "left", "right", "up", "down", "creativity", "seed", "output_format"},
    "edit/erase": {"mask", "seed", "output_format", "grow_mask"},
    "edit/search-and-replace": {"prompt", "search_prompt", "negative_prompt", "seed", "output_format"},
    "edit/remove-background": {"output_format"},
    "upscale/fast": {"output_format"},
    "upscale/conservative": {"prompt", "negative_prompt", "seed", "creativity", "output_format"},
    "upscale/creative": {"prompt", "negative_prompt", "seed", "creativity", "output_format"},
}
NEEDS_PROMPT = ("edit/inpaint", "edit/search-and-replace", "upscale/conservative", "upscale/creative")
SD3_MODELS = ("sd3.5-large", "sd3.5-large-turbo", "sd3.5-medium", "sd3.5-flash")
SDXL_SIZES = {(1024, 1024), (1152, 896), (896, 1152), (1216, 832), (832, 1216), (1344, 768),
              (768, 1344), (1536, 640), (640, 1536)}
V1_ENGINES = ("stable-diffusion-xl-1024-v1-0", "stable-diffusion-xl-1024-v0-9",
              "stable-diffusion-v1-6", "stable-diffusion-v1-5", "stable-diffusion-512-v2-1",
              "stable-diffusion-768-v2-1")
V1_ACCEPTS = {"text_prompts", "width", "height", "cfg_scale", "clip_guidance_preset", "sampler",
              "samples", "seed", "steps", "style_preset", "extras"}
IMAGE_BYTES = png_bytes(48, 32, colour=(20, 120, 200))


def v2_error(status: int, name: str, *errors: str) -> Reply:
    return Reply(status, {"id": "a1b2c3d4e5f6", "name": name, "errors": list(errors)})


def v1_error(status: int, name: str, message: str) -> Reply:
    return Reply(status, {"id": "0b8f1d6e-5b0c-4f6a-9d7e-1c2b3a4d5e6f", "name": name,
                          "message": message})


def content_moderation() -> Reply:
    return v2_error(403, "content_moderation",
                    "Your request was flagged by our content moderation system, as a result your "
                    "request was denied and you were not charged.")


def rate_limited(retry_after: str | None = None) -> Reply:
    reply = v2_error(429, "rate_limit_exceeded",
                     "You have exceeded the rate limit of 150 requests within a 10 second period, "
                     "and have been timed out for 60 seconds.")
    if retry_after:
        reply.headers["Retry-After"] = retry_after
    return reply


def server_error() -> Reply:
    return v2_error(500, "internal_error", "An unexpected server error has occurred, please try "
                                           "again later.")


class FakeStability(FakeServer):
    api_key = API_KEY

    def reset(self) -> None:
        """Back to a fresh state, so one running server can serve many tests."""
        super().reset()
        self.finish_reason = "SUCCESS"
        self.v1_finish_reasons = ["SUCCESS"]
        self.seed = 31337
        self._request_ids = (f"req-{i}" for i in itertools.count(1))
        self.running_polls = 1  # creative upscales answer 202 this many times first
        self.generations: dict[str, int] = {}  # creative upscale id → polls so far

    def route(self, req: Request) -> Reply:
        if req.headers.get("authorization") != f"Bearer {self.api_key}":
            return v2_error(401, "unauthorized", "Unauthorized: bad or missing API key")
        if req.method == "GET" and req.path == "/v1/user/balance":
            return Reply(200, {"credits": 42.5})
        if req.method == "POST" and req.path.startswith("/v2beta/stable-image/generate/"):
            return self._v2beta(req.path.rsplit("/", 1)[1], req)
        if req.method == "POST" and req.path.startswith("/v2beta/stable-image/"):
            return self._edit(req.path.removeprefix("/v2beta/stable-image/"), req)
        if req.method == "GET" and req.path.startswith("/v2beta/results/"):
            return self._result(req.path.rsplit("/", 1)[1])
        if req.method == "POST" and req.path.startswith("/v1/generation/") \
                and req.path.endswith("/text-to-image"):
            return self._v1(req.path.split("/")[3], req)
        return v2_error(404, "not_found", f"{req.path} not found")

    # --- v2beta ---------------------------------------------------------------

    def _v2beta(self, endpoint: str, req: Request) -> Reply:
        if endpoint not in V2_ACCEPTS:
            return v2_error(404, "not_found", f"Endpoint {endpoint} not found")
        if not req.headers.get("content-type", "").startswith("multipart/form-data"):
            return v2_error(400, "bad_request", "content-type: must be multipart/form-data")
        form = req.form()
        if not form.get("prompt"):
            return v2_error(400, "bad_request", "prompt: is required")
        unknown = set(form) - V2_ACCEPTS[endpoint]
        if unknown:  # Stability ignores some extras; the fake catches adapter bugs
            return v2_error(400, "bad_request", f"{sorted(unknown)[0]}: is not allowed")
        if endpoint == "sd3" and form.get("model", "sd3.5-large") not in SD3_MODELS:
            return v2_error(400, "bad_request", "model: must be one of " + ", ".join(SD3_MODELS))
        seed = int(form.get("seed") or 0) or self.seed
        request_id = next(self._request_ids)
        if "application/json" in req.headers.get("accept", ""):
            body = {"image": base64.b64encode(IMAGE_BYTES).decode(), "seed": seed,
                    "finish_reason": self.finish_reason}
            return Reply(200, json.dumps(body).encode(),
                         {"Content-Type": "application/json; type=image/png",
                          "x-request-id": request_id})
        return Reply(200, IMAGE_BYTES, {"Content-Type": "image/png", "x-request-id": request_id,
                                        "finish-reason": self.finish_reason, "seed": str(seed)})

    # --- edit and upscale --------------------------------------------------------

    def _edit(self, endpoint: str, req: Request) -> Reply:
        from .openai_edits import is_flagged, mode_of, size_of

        if endpoint not in EDIT_ACCEPTS:
            return v2_error(404, "not_found", f"Endpoint {endpoint} not found")
        form = req.form()
        image = form.get("image")
        if not isinstance(image, bytes) or size_of(image) is None:
            return v2_error(400, "bad_request", "image: is required")
        unknown = set(form) - EDIT_ACCEPTS[endpoint] - {"image"}
        if unknown:
            return v2_error(400, "bad_request", f"{sorted(unknown)[0]}: is not allowed")
        if endpoint in NEEDS_PROMPT and not form.get("prompt"):
            return v2_error(400, "bad_request", "prompt: is required")
        if endpoint == "edit/search-and-replace" and not form.get("search_prompt"):
            return v2_error(400, "bad_request", "search_prompt: is required")
        mask = form.get("mask")
        if endpoint in ("edit/inpaint", "edit/erase") and mask is None \
                and mode_of(image) not in ("RGBA", "LA"):
            return v2_error(400, "bad_request",
                            "mask: required when the image has no alpha channel")
        if isinstance(mask, bytes) and size_of(mask) != size_of(image):
            return v2_error(400, "bad_request", "mask: must have the same dimensions as image")
        if is_flagged(image):
            return content_moderation()
        if endpoint == "upscale/creative":
            generation = f"gen-{next(self._request_ids)}"
            self.generations[generation] = 0
            return Reply(200, {"id": generation})
        return Reply(200, IMAGE_BYTES, {"Content-Type": "image/png", "finish-reason": "SUCCESS",
                                        "seed": str(self.seed), "x-request-id": next(self._request_ids)})

    def _result(self, generation: str) -> Reply:
        if generation not in self.generations:
            return v2_error(404, "not_found", f"Generation {generation} not found or expired")
        self.generations[generation] += 1
        if self.generations[generation] <= self.running_polls:
            return Reply(202, {"id": generation, "status": "in-progress"})
        return Reply(200, IMAGE_BYTES, {"Content-Type": "image/png", "finish-reason": "SUCCESS",
                                        "seed": str(self.seed)})

    # --- v1 -------------------------------------------------------------------

    def _v1(self, engine: str, req: Request) -> Reply:
        if engine not in V1_ENGINES:
            return v1_error(404, "not_found",
                            f"The specified engine (ID {engine}) was not found.")
        body = req.json
        if not isinstance(body, dict) or not body.get("text_prompts"):
            return v1_error(400, "bad_request", "text_prompts: is required")
        unknown = set(body) - V1_ACCEPTS
        if unknown:
            return v1_error(400, "bad_request", f"{sorted(unknown)[0]}: is not allowed")
        size = (body.get("width", 512), body.get("height", 512))
        if "xl" in engine and size not in SDXL_SIZES:
            return v1_error(400, "invalid_height_or_width",
                            f"for stable-diffusion-xl-1024-v0-9 and stable-diffusion-xl-1024-v1-0 "
                            f"the allowed dimensions are 1024x1024, 1152x896, 1216x832, 1344x768, "
                            f"1536x640, 640x1536, 768x1344, 832x1216, 896x1152, but we received "
                            f"{size[0]}x{size[1]}")
        seed = body.get("seed") or self.seed
        reasons = itertools.cycle(self.v1_finish_reasons)
        artifacts = [{"base64": base64.b64encode(IMAGE_BYTES).decode(), "seed": seed + i,
                      "finishReason": next(reasons)} for i in range(body.get("samples", 1))]
        return Reply(200, {"artifacts": artifacts}, {"x-request-id": next(self._request_ids)})
