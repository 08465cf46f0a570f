"""Azure OpenAI: OpenAI's Images API behind a resource's deployments.

The connection's base URL is the resource (``https://<resource>.openai.azure.com``);
each call goes to ``/openai/deployments/{deployment}/images/generations``
(``/images/edits`` for an edit) with ``?api-version=`` and the key in an
``api-key`` header. A model reaches Azure through a deployment staff named:
the connection option ``deployments`` maps a model id to it (by default the
deployment is named like the model). Options: ``api_version`` (default
below), ``deployments`` ({"gpt-image-2": "img2-prod"}).

Bodies are OpenAI's (``size`` "WxH", quality, output_format png or jpeg: Azure
takes no WEBP); a flagged prompt or image answers ``error.code =
"contentFilter"``. Edits are multipart: ``image[]`` files (up to 16), an
optional ``mask`` (PNG, alpha 0 = edit here, the first image's size).
Only the classic deployment URLs are spoken, not the newer ``/openai/v1/`` API.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from .base import (
    CancelledError, ContentPolicyError, GenerationRequest, GenerationResult, Hooks, ProviderError,
)
from .inputs import mime_of
from .openai import OpenAIAdapter, error_fields

API_VERSION = "2025-04-01-preview"
FILTER_CODES = ("contentfilter", "content_filter", "responsibleaipolicyviolation")


class AzureOpenAIAdapter(OpenAIAdapter):
    def deployment(self, model: str) -> str:
        mapping = self.connection.options.get("deployments")
        name = mapping.get(model) if isinstance(mapping, dict) else None
        return str(name or model)

    def url(self, path: str) -> str:
        # Staff often paste the endpoint as the portal shows it, ending in /openai/.
        base = self.connection.base_url.rstrip("/").removesuffix("/openai")
        return base + "/" + path.lstrip("/")

    def endpoint(self, model: str, action: str) -> str:
        version = str(self.connection.options.get("api_version") or API_VERSION)
        return self.url(f"/openai/deployments/{quote(self.deployment(model), safe='')}/images/"
                        f"{action}?api-version={quote(version, safe='')}")

    def headers(self) -> dict[str, str]:
        return {"api-key": self.connection.api_key, "Accept": "application/json"}

    def body(self, request: GenerationRequest, spec) -> dict[str, Any]:
        body = super().body(request, spec)
        body.pop("model", None)  # the deployment names the model
        width, height = body.pop("width", None), body.pop("height", None)
        if "size" not in body and width and height:
            body["size"] = f"{width}x{height}"
        return body

    def generate(self, request: GenerationRequest, spec, hooks: Hooks) -> GenerationResult:
        if hooks.cancelled():
            raise CancelledError()
        body = self.body(request, spec)
        if request.images_in:
            response = self.send("POST", self.endpoint(request.model, "edits"),
                                 data={k: str(v) for k, v in body.items()},
                                 files=self.edit_files(request), headers=self.headers(),
                                 timeout=self.timeout())
        else:
            response = self.send("POST", self.endpoint(request.model, "generations"), json=body,
                                 headers=self.headers(), timeout=self.timeout())
        if response.status_code >= 400:
            raise self.error(response)
        return self.result(response, sent_seed=None)

    @staticmethod
    def edit_files(request: GenerationRequest) -> list[tuple[str, tuple[str, bytes, str]]]:
        files = []
        for index, data in enumerate(request.images_in):
            mime = mime_of(data)
            files.append(("image[]", (f"image-{index}.{mime.split('/')[1]}", data, mime)))
        if request.mask is not None:
            files.append(("mask", ("mask.png", request.mask, "image/png")))
        return files

    def error_from(self, response: httpx.Response, message: str, code: str | None,
                   kind: str | None = None) -> ProviderError:
        if (code or "").lower() in FILTER_CODES or "content management policy" in message.lower():
            return ContentPolicyError(f"The provider refused this prompt: {message}",
                                      status=response.status_code)
        if code == "DeploymentNotFound":
            return ProviderError(f"This Azure resource has no such deployment: {message}. Staff "
                                 "map the model to a deployment in the connection's options "
                                 "(\"deployments\").", permanent=True,
                                 status=response.status_code, code="model_not_found")
        return super().error_from(response, message, code, kind)

    def check(self) -> str:
        version = str(self.connection.options.get("api_version") or API_VERSION)
        response = self.send("GET", self.url(f"/openai/models?api-version={quote(version, safe='')}"),
                             headers=self.headers())
        if response.status_code >= 400:
            raise self.error(response)
        payload = self.json_body(response)
        listed = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(listed, list):
            message, _ = error_fields(payload)
            raise ProviderError(f"Azure's model list has no 'data' list {message}".strip(),
                                permanent=True, code="bad_response")
        images = sorted({str(m.get("id")) for m in listed
                         if isinstance(m, dict) and str(m.get("id", "")).startswith("gpt-image")})
        return (f"The key works: the resource offers {len(listed)} models"
                + (f", image models {', '.join(images[:5])}." if images else ", none of them image models."))

    def listed_models(self) -> list[dict]:
        return []
