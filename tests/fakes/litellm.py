"""A fake LiteLLM proxy in front of OpenAI: OpenAI's success bodies, LiteLLM's errors.

LiteLLM re-raises every upstream error as its own exception class and answers
``{"error": {"message": "litellm.<Class>: <upstream words>", "type": …,
"param": …, "code": "<HTTP status as a string>"}}``; every answer carries
``x-litellm-call-id`` and no ``x-request-id``. So the upstream code
(``content_policy_violation``, ``insufficient_quota``, ``model_not_found``)
survives only inside the message.
"""
from __future__ import annotations

import json

from .base import Reply, Request
from .openai import FakeOpenAI

CALL_ID = "9f6c2b1e-litellm-call"
# LiteLLM's exception class for each upstream status.
CLASSES = {400: "BadRequestError", 401: "AuthenticationError", 404: "NotFoundError",
           429: "RateLimitError", 500: "InternalServerError", 503: "ServiceUnavailableError"}


def litellm_error(status: int, upstream: dict, *, cls: str | None = None) -> Reply:
    """LiteLLM's envelope around an upstream OpenAI error object."""
    cls = cls or CLASSES.get(status, "APIError")
    message = (f"litellm.{cls}: OpenAIException - Error code: {status} - "
               f"{json.dumps({'error': upstream})}")
    return Reply(status, {"error": {"message": message, "type": upstream.get("type"),
                                    "param": upstream.get("param"), "code": str(status)}},
                 headers={"x-litellm-call-id": CALL_ID})


def content_policy() -> Reply:
    return litellm_error(400, {"message": "Your request was rejected as a result of our safety "
                                          "system.", "type": "invalid_request_error",
                               "param": None, "code": "content_policy_violation"},
                         cls="ContentPolicyViolationError")


def insufficient_quota() -> Reply:
    return litellm_error(429, {"message": "You exceeded your current quota, please check your "
                                          "plan and billing details.", "type": "insufficient_quota",
                               "param": None, "code": "insufficient_quota"})


class FakeLiteLLM(FakeOpenAI):
    """Routes as OpenAI does; rewrites every error, and every header, the LiteLLM way."""

    relays_openai = True

    def __init__(self, api_key: str | None = None):
        super().__init__("openai-compatible", api_key)

    def route(self, req: Request) -> Reply:
        reply = super().route(req)
        return self.as_litellm(reply)

    def _dispatch(self, req: Request) -> Reply:
        return self.as_litellm(super()._dispatch(req))

    @staticmethod
    def as_litellm(reply: Reply) -> Reply:
        headers = {k: v for k, v in reply.headers.items() if k.lower() != "x-request-id"}
        headers["x-litellm-call-id"] = CALL_ID
        body = reply.body
        if reply.status >= 400 and isinstance(body, dict) and isinstance(body.get("error"), dict) \
                and not str(body["error"].get("message", "")).startswith("litellm."):
            return litellm_error(reply.status, body["error"])
        return Reply(reply.status, body, headers=headers)
