"""A fake Replicate API: predictions with ``Prefer: wait``, polling, cancel, model schemas.

As Replicate answers on 2026-12-01: a Bearer token; ``POST
/v1/models/{owner}/{name}/predictions`` with ``{"input": …}`` answers 201 with
a prediction ``{id, status, input, output, error, urls{get, cancel, stream,
web}, metrics}``; with ``Prefer: wait`` it holds the answer until the model
finishes (``finish_in_wait``), else answers ``starting`` and the prediction
moves on with each poll of ``urls.get``. ``POST urls.cancel`` cancels it.
Inputs are checked against each model's cog-style OpenAPI schema (enums as
``allOf`` ``$ref``s, ``maxItems``, bounds): a bad one is a 422 with
``invalid_fields``. Unknown inputs are a 422 too (stricter than Replicate, to
catch adapter bugs). A prompt with ``forbidden`` fails with Replicate's NSFW
error. Output files live at ``/files/…`` on this server (``replicate.delivery``
in life).
"""
from __future__ import annotations

import itertools

from .base import FakeServer, Reply, Request, png_bytes

API_KEY = "r8_test_token_91c3e2"
MODERATION_WORD = "forbidden"


def _enum(name, values):
    return {"type": "string", "title": name, "enum": values, "description": "An enumeration."}


def _schema(properties: dict, required=("prompt",), enums: dict | None = None) -> dict:
    schemas = {"Input": {"type": "object", "title": "Input", "required": list(required),
                         "properties": properties}}
    for name, values in (enums or {}).items():
        schemas[name] = _enum(name, values)
    return {"openapi": "3.0.2", "components": {"schemas": schemas}}


def _ref(name, default, order):
    return {"allOf": [{"$ref": f"#/components/schemas/{name}"}], "default": default, "x-order": order}


URI = {"type": "string", "format": "uri"}
SCHEMAS = {
    "google/nano-banana-2": _schema({
        "prompt": {"type": "string", "x-order": 0},
        "image_input": {"type": "array", "items": URI, "maxItems": 14, "default": [], "x-order": 1},
        "aspect_ratio": _ref("aspect_ratio", "match_input_image", 2),
        "output_format": _ref("output_format", "jpg", 3),
    }, enums={"aspect_ratio": ["match_input_image", "1:1", "2:3", "3:2", "3:4", "4:3", "4:5",
                               "5:4", "9:16", "16:9", "21:9"], "output_format": ["jpg", "png"]}),
    "black-forest-labs/flux-1.1-pro": _schema({
        "prompt": {"type": "string"}, "image_prompt": URI,
        "aspect_ratio": _ref("aspect_ratio", "1:1", 2),
        "width": {"type": "integer", "minimum": 256, "maximum": 1440},
        "height": {"type": "integer", "minimum": 256, "maximum": 1440},
        "safety_tolerance": {"type": "integer", "minimum": 1, "maximum": 6, "default": 2},
        "seed": {"type": "integer"}, "prompt_upsampling": {"type": "boolean", "default": False},
        "output_format": _ref("output_format", "webp", 8),
    }, enums={"aspect_ratio": ["custom", "1:1", "16:9", "3:2", "2:3", "4:5", "5:4", "9:16", "3:4",
                               "4:3"], "output_format": ["webp", "jpg", "png"]}),
    "ideogram-ai/ideogram-4-5-precise-edit": _schema({
        "prompt": {"type": "string"}, "image": URI, "mask": URI,
        "reference_images": {"type": "array", "items": URI, "maxItems": 4},
        "quality": _ref("quality", "medium", 4),
        "num_images": {"type": "integer", "minimum": 1, "maximum": 8, "default": 1},
        "seed": {"type": "integer"},
    }, required=("prompt", "image"), enums={"quality": ["low", "medium", "high"]}),
    # A community model staff add by owner/name: its fields come from this schema.
    "acme/pixel-sdxl": _schema({
        "prompt": {"type": "string", "x-order": 0},
        "negative_prompt": {"type": "string", "default": "", "x-order": 1},
        "image": {"type": "string", "format": "uri", "description": "Input image for img2img"},
        "mask": {"type": "string", "format": "uri", "description": "White areas are repainted"},
        "width": {"type": "integer", "minimum": 256, "maximum": 1536, "default": 1024},
        "height": {"type": "integer", "minimum": 256, "maximum": 1536, "default": 768},
        "num_outputs": {"type": "integer", "minimum": 1, "maximum": 4, "default": 1},
        "scheduler": _ref("scheduler", "K_EULER", 6),
        "num_inference_steps": {"type": "integer", "minimum": 1, "maximum": 50, "default": 30},
        "guidance_scale": {"type": "number", "minimum": 1, "maximum": 20, "default": 7.5},
        "prompt_strength": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.8},
        "seed": {"type": "integer", "description": "Random seed. Leave blank to randomize"},
        "disable_safety_checker": {"type": "boolean", "default": False},
        "replicate_weights": {"type": "string"},
    }, enums={"scheduler": ["DDIM", "K_EULER", "DPMSolverMultistep"]}),
}
SCHEMAS["recraft-ai/recraft-v4-pro"] = _schema(
    {"prompt": {"type": "string", "maxLength": 10000}, "aspect_ratio": _ref("aspect_ratio", "1:1", 1)},
    enums={"aspect_ratio": ["1:1", "4:3", "3:4", "16:9", "9:16", "3:2", "2:3"]})


def invalid(field: str, description: str) -> Reply:
    return Reply(422, {"detail": "Prediction input failed validation", "status": 422,
                       "title": "Input validation failed",
                       "invalid_fields": [{"type": "invalid", "field": field,
                                           "description": description}]})


class FakeReplicate(FakeServer):
    api_key = API_KEY

    def reset(self) -> None:
        super().reset()
        self.finish_in_wait = True
        self.processing_polls = 1
        self.outcome = "succeeded"  # or "failed"
        self.error_text = "Prediction failed for an unknown reason"
        self.urls_base: str | None = None  # where urls.get points (default: this server)
        self.predictions: dict[str, dict] = {}
        self._ids = itertools.count(1)

    @property
    def creates(self) -> list[Request]:
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/predictions")]

    @property
    def polls(self) -> list[Request]:
        return [r for r in self.requests if r.method == "GET" and r.path.startswith("/v1/predictions/")]

    @property
    def cancels(self) -> list[Request]:
        return [r for r in self.requests if r.path.endswith("/cancel")]

    def route(self, req: Request) -> Reply:
        if req.path.startswith("/files/"):
            return Reply(200, png_bytes(40, 40), {"Content-Type": "image/png"})
        if req.headers.get("authorization") != f"Bearer {self.api_key}":
            return Reply(401, {"title": "Unauthenticated", "detail": "You did not pass a valid authentication token",
                               "status": 401})
        parts = req.path.strip("/").split("/")
        if req.method == "GET" and req.path == "/v1/account":
            return Reply(200, {"type": "organization", "username": "studio-team", "name": "Studio"})
        if req.method == "POST" and len(parts) == 5 and parts[:2] == ["v1", "models"] and parts[4] == "predictions":
            return self._create(f"{parts[2]}/{parts[3]}", req)
        if req.method == "GET" and len(parts) == 4 and parts[:2] == ["v1", "models"]:
            return self._model(f"{parts[2]}/{parts[3]}")
        if req.method == "GET" and len(parts) == 3 and parts[:2] == ["v1", "predictions"]:
            return self._poll(parts[2])
        if req.method == "POST" and len(parts) == 4 and parts[1] == "predictions" and parts[3] == "cancel":
            return self._cancel(parts[2])
        return Reply(404, {"detail": "Not found.", "status": 404})

    def _model(self, name: str) -> Reply:
        if name not in SCHEMAS:
            return Reply(404, {"detail": "Not found.", "status": 404})
        owner, _, short = name.partition("/")
        return Reply(200, {"url": f"https://replicate.com/{name}", "owner": owner, "name": short,
                           "description": f"The {short} model.", "visibility": "public",
                           "latest_version": {"id": "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa",
                                              "openapi_schema": SCHEMAS[name]}})

    def _check(self, name: str, data: dict) -> Reply | None:
        schemas = SCHEMAS[name]["components"]["schemas"]
        props = schemas["Input"]["properties"]
        for field in schemas["Input"]["required"]:
            if field not in data:
                return invalid(field, f"{field} is required")
        for field, value in data.items():
            prop = props.get(field)
            if prop is None:
                return invalid(field, "Additional property is not allowed")
            if "allOf" in prop:
                values = schemas[prop["allOf"][0]["$ref"].rsplit("/", 1)[1]]["enum"]
                if value not in values:
                    return invalid(field, f"{field} must be one of the following: {values}")
            if prop.get("type") == "array":
                if len(value) > prop.get("maxItems", 99):
                    return invalid(field, f"Array must have at most {prop['maxItems']} items")
                if not all(isinstance(v, str) and v.startswith(("data:image/", "https://")) for v in value):
                    return invalid(field, "Does not match format 'uri'")
            if prop.get("format") == "uri" and not str(value).startswith(("data:image/", "https://")):
                return invalid(field, "Does not match format 'uri'")
            if prop.get("type") == "integer" and not (prop.get("minimum", -1e18) <= value <= prop.get("maximum", 1e18)):
                return invalid(field, f"{field} must be between {prop.get('minimum')} and {prop.get('maximum')}")
        return None

    def _create(self, name: str, req: Request) -> Reply:
        if name not in SCHEMAS:
            return Reply(404, {"detail": "The requested resource could not be found.", "status": 404})
        data = (req.json or {}).get("input")
        if not isinstance(data, dict):
            return invalid("input", "input is required")
        if (bad := self._check(name, data)) is not None:
            return bad
        pid = f"pred{next(self._ids)}"
        base = self.urls_base or self.url
        prediction = {"id": pid, "model": name, "version": "hidden", "input": data, "logs": "",
                      "output": None, "error": None, "status": "starting", "created_at": "2026-12-01T10:00:00Z",
                      "urls": {"get": f"{base}/v1/predictions/{pid}",
                               "cancel": f"{base}/v1/predictions/{pid}/cancel",
                               "stream": f"https://stream.replicate.com/v1/files/{pid}",
                               "web": f"https://replicate.com/p/{pid}"},
                      "polls": 0}
        self.predictions[pid] = prediction
        if "wait" in req.headers.get("prefer", "") and self.finish_in_wait:
            self._finish(prediction)
        return Reply(201, self._public(prediction))

    def _finish(self, prediction: dict) -> None:
        prompt = prediction["input"].get("prompt", "")
        if self.outcome == "failed" or MODERATION_WORD in prompt:
            prediction["status"] = "failed"
            prediction["error"] = ("NSFW content detected. Try running it again, or try a different prompt."
                                   if MODERATION_WORD in prompt else self.error_text)
            return
        count = prediction["input"].get("num_outputs") or prediction["input"].get("num_images") or 1
        files = [f"{self.url}/files/{prediction['id']}-{i}.png" for i in range(count)]
        prediction.update(status="succeeded", metrics={"predict_time": 2.5},
                          output=files if prediction["model"] != "recraft-ai/recraft-v4-pro" else files[0])

    def _poll(self, pid: str) -> Reply:
        prediction = self.predictions.get(pid)
        if prediction is None:
            return Reply(404, {"detail": "Not found.", "status": 404})
        if prediction["status"] not in ("succeeded", "failed", "canceled"):
            prediction["polls"] += 1
            if prediction["polls"] <= self.processing_polls:
                prediction["status"] = "processing"
            else:
                self._finish(prediction)
        return Reply(200, self._public(prediction))

    def _cancel(self, pid: str) -> Reply:
        prediction = self.predictions.get(pid)
        if prediction is None:
            return Reply(404, {"detail": "Not found.", "status": 404})
        if prediction["status"] in ("starting", "processing"):
            prediction["status"] = "canceled"
        return Reply(200, self._public(prediction))

    @staticmethod
    def _public(prediction: dict) -> dict:
        return {k: v for k, v in prediction.items() if k != "polls"}
