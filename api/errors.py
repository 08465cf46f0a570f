"""OpenAI's error envelope: ``{"error": {"message", "type", "param", "code"}}``.

Its SDKs pick the exception class from the status and read the message from
here; ``x-should-retry: false`` tells them not to retry a refusal that waiting
cannot fix (a spent budget), which they would otherwise do for any 429.
"""
from __future__ import annotations

from django.http import JsonResponse

TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
         404: "invalid_request_error", 409: "invalid_request_error", 413: "invalid_request_error",
         422: "invalid_request_error", 429: "rate_limit_error", 402: "insufficient_quota"}


class ApiError(Exception):
    def __init__(self, status: int, message: str, *, code: str | None = None, param: str | None = None,
                 headers: dict[str, str] | None = None, error_type: str | None = None):
        super().__init__(message)
        self.status, self.message, self.code, self.param = status, message, code, param
        self.headers = headers or {}
        self.error_type = error_type or TYPES.get(status, "api_error")

    def response(self) -> JsonResponse:
        response = JsonResponse({"error": {"message": self.message, "type": self.error_type,
                                           "param": self.param, "code": self.code}}, status=self.status)
        for name, value in self.headers.items():
            response[name] = value
        return response


def budget_error(message: str) -> ApiError:
    """A budget or quota refusal, with the sentence saying what is left."""
    return ApiError(429, message, code="insufficient_quota", error_type="insufficient_quota",
                    headers={"x-should-retry": "false"})


def input_quota_error(exc) -> ApiError:
    """Storing the request's images would pass STUDIO_INPUT_QUOTA_MB (413) or
    STUDIO_INPUT_RATE_MB_PER_HOUR (429). Neither is worth an SDK's automatic
    retry a few seconds later (``x-should-retry: false``)."""
    return ApiError(exc.status, f"{exc}.", code=exc.code, param="image",
                    headers={"x-should-retry": "false"})
