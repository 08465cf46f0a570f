"""The OpenAPI 3.1 description served at /v1/openapi.json."""
from __future__ import annotations

ERROR = {"type": "object", "properties": {"error": {"type": "object", "properties": {
    "message": {"type": "string"}, "type": {"type": "string"},
    "param": {"type": ["string", "null"]}, "code": {"type": ["string", "null"]}}}}}

GENERATION = {"type": "object", "required": ["model", "prompt"], "properties": {
    "model": {"type": "string", "description": "A model id from GET /v1/models, or its studio key "
                                               "\"<connection id>:<model id>\"."},
    "prompt": {"type": "string"}, "n": {"type": "integer", "minimum": 1},
    "size": {"type": "string", "description": "\"1024x1024\", \"auto\", or one of the model's sizes."},
    "quality": {"type": "string"}, "background": {"type": "string"}, "output_format": {"type": "string"},
    "response_format": {"type": "string", "enum": ["b64_json", "url"], "default": "b64_json"},
    "user": {"type": "string"},
    "negative_prompt": {"type": "string"}, "seed": {"type": "integer"}, "steps": {"type": "integer"},
    "guidance": {"type": "number"}, "aspect_ratio": {"type": "string"}, "style_preset": {"type": "string"},
    "visibility": {"type": "string", "enum": ["private", "team"]},
    "board": {"type": ["integer", "string"], "description": "A board (id or name) the images join."},
}}

IMAGES = {"type": "object", "properties": {
    "created": {"type": "integer"},
    "data": {"type": "array", "items": {"type": "object", "properties": {
        "b64_json": {"type": "string"}, "url": {"type": "string"}, "revised_prompt": {"type": ["string", "null"]}}}},
    "studio": {"type": "object", "description": "The job and gallery image ids, and the cost."}}}

JOB = {"type": "object", "properties": {
    "id": {"type": "integer"}, "status": {"type": "string",
                                          "enum": ["queued", "running", "succeeded", "failed", "cancelled"]},
    "progress": {"type": ["number", "null"]}, "images": {"type": "array", "items": {"type": "object"}}}}


def _responses(ok: dict, *, accepted: bool = False) -> dict:
    out = {"200": {"description": "Done", "content": {"application/json": {"schema": ok}}}}
    if accepted:
        out["202"] = {"description": "Still running after the wait: poll GET /v1/jobs/{id}",
                      "content": {"application/json": {"schema": JOB}}}
    for code, text in (("400", "A model rule was broken (the message names it)"),
                       ("401", "Wrong, expired or revoked token"),
                       ("429", "Rate limit (Retry-After), or budget spent (code insufficient_quota)")):
        out[code] = {"description": text, "content": {"application/json": {"schema": ERROR}}}
    return out


def schema(base_url: str) -> dict:
    idem = {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"},
            "description": "A retry with the same key returns the first answer; nothing is billed twice."}
    job_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Image Studio API", "version": "1",
                 "description": "OpenAI-compatible image endpoints. Authenticate with a personal "
                                "token from your profile page: Authorization: Bearer <token>."},
        "servers": [{"url": base_url}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/images/generations": {"post": {
                "summary": "Generate images", "parameters": [idem],
                "requestBody": {"required": True, "content": {"application/json": {"schema": GENERATION}}},
                "responses": _responses(IMAGES, accepted=True)}},
            "/images/edits": {"post": {
                "summary": "Edit an image", "parameters": [idem],
                "requestBody": {"required": True, "content": {
                    "multipart/form-data": {"schema": {"type": "object", "properties": {
                        **GENERATION["properties"], "image": {"type": "string", "format": "binary"},
                        "mask": {"type": "string", "format": "binary"}}}},
                    "application/json": {"schema": {"type": "object", "properties": {
                        **GENERATION["properties"],
                        "image_ids": {"type": "array", "items": {"type": "integer"}}}}}}},
                "responses": _responses(IMAGES, accepted=True)}},
            "/models": {"get": {"summary": "The models you may use, with rules, prices and lifecycle",
                                "responses": _responses({"type": "object"})}},
            "/jobs/{id}": {
                "get": {"summary": "A job's status, progress and images", "parameters": [job_id],
                        "responses": _responses(JOB)},
                "delete": {"summary": "Cancel a job", "parameters": [job_id], "responses": _responses(JOB)}},
        },
    }
