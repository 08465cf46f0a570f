"""A fake Azure OpenAI resource: deployment URLs, api-version, api-key, contentFilter.

As Azure answers on 2026-12-01: ``POST /openai/deployments/{deployment}/images/
generations?api-version=…`` (JSON) and ``…/images/edits`` (multipart
``image[]``, ``mask``) with the key in ``api-key``; a missing api-version is a
404, an unknown deployment 404 ``DeploymentNotFound``, a missing key 401. A
prompt with ``forbidden`` is refused with ``error.code = "contentFilter"``.
WEBP is refused (Azure takes png or jpeg). Images come back as ``b64_json``.
``deployments`` maps deployment names to models.
"""
from __future__ import annotations

import base64
import io

from PIL import Image

from .base import FakeServer, Reply, Request, png_bytes

API_KEY = "azure-test-key-0a1b2c3d4e5f"
MODERATION_WORD = "forbidden"
FIELDS = {"prompt", "n", "size", "quality", "output_format", "output_compression", "background",
          "moderation", "user"}


def parts(req: Request) -> list[tuple[str, bytes]]:
    """Every part of a multipart body in order, repeated names kept (``image[]``)."""
    from email.parser import BytesParser
    from email.policy import HTTP

    msg = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {req.headers.get('content-type', '')}\r\n\r\n".encode() + req.body)
    return [(part.get_param("name", header="content-disposition"), part.get_payload(decode=True))
            for part in msg.iter_parts()]


def azure_error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"error": {"code": code, "message": message}})


class FakeAzure(FakeServer):
    api_key = API_KEY

    def reset(self) -> None:
        super().reset()
        self.deployments = {"img2-prod": "gpt-image-2", "gpt-image-1-mini": "gpt-image-1-mini",
                            "gpt-image-1.5": "gpt-image-1.5"}

    def route(self, req: Request) -> Reply:
        if req.headers.get("api-key") != self.api_key:
            return azure_error(401, "401", "Access denied due to invalid subscription key or wrong "
                                           "API endpoint.")
        if not req.query.get("api-version"):
            return azure_error(404, "404", "Resource not found")
        if req.method == "GET" and req.path == "/openai/models":
            return Reply(200, {"data": [{"id": m} for m in ("gpt-image-2", "gpt-image-1-mini",
                                                            "gpt-image-1.5", "gpt-4.1")]})
        parts = req.path.strip("/").split("/")
        if req.method == "POST" and len(parts) == 5 and parts[:2] == ["openai", "deployments"] \
                and parts[3] == "images" and parts[4] in ("generations", "edits"):
            if parts[2] not in self.deployments:
                return azure_error(404, "DeploymentNotFound",
                                   "The API deployment for this resource does not exist.")
            return self._images(parts[4], req)
        return azure_error(404, "404", "Resource not found")

    def _images(self, action: str, req: Request) -> Reply:
        if action == "edits":
            form = req.form()
            images = [data for name, data in parts(req) if name == "image[]"]
            body = {k: v for k, v in form.items() if isinstance(v, str)}
            if not images:
                return azure_error(400, "invalid_request_error", "image is required")
            if "mask" in form:
                with Image.open(io.BytesIO(images[0])) as first, Image.open(io.BytesIO(form["mask"])) as mask:
                    if first.size != mask.size:
                        return azure_error(400, "invalid_request_error",
                                           "The mask must be the same size as the image.")
        else:
            body = req.json
        unknown = set(body) - FIELDS
        if unknown:
            return azure_error(400, "unknown_parameter", f"Unknown parameter: '{sorted(unknown)[0]}'.")
        if body.get("output_format") == "webp":
            return azure_error(400, "invalid_value", "output_format webp is not supported.")
        if MODERATION_WORD in body.get("prompt", ""):
            return azure_error(400, "contentFilter", "Your task failed as a result of our safety "
                                                     "system.")
        n = int(body.get("n", 1))
        data = [{"b64_json": base64.b64encode(png_bytes(24, 24)).decode()} for _ in range(n)]
        return Reply(200, {"created": 1764547200, "data": data,
                           "usage": {"input_tokens": 20, "output_tokens": 1056, "total_tokens": 1076}})
