"""The one door into /v1/: a personal token, a rate limit, OpenAI's error envelope.

Session cookies are never accepted here (a page's script must not be able to
spend someone's budget), so CSRF does not apply and is switched off.
"""
from __future__ import annotations

import functools
import json
import logging

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from .errors import ApiError
from .ratelimit import in_flight_limit_for, jobs_in_flight, rate_take
from .tokens import TokenRefused, token_authenticate, token_from_header

log = logging.getLogger(__name__)


def client_address(request) -> str | None:
    """The caller's address, behind trusted proxies as the login throttle reads it."""
    from studio.login_throttle import client_ip

    return client_ip(request) or None


def api_view(*, methods: tuple[str, ...], creates_jobs: bool = False):
    """Wrap a /v1/ view: ``request.api_token`` and ``request.user`` come from the
    Bearer token; refusals become OpenAI-style errors with rate-limit headers."""
    def decorate(view):
        @csrf_exempt
        @login_not_required
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            rate_headers: dict[str, str] = {}
            try:
                if request.method not in methods:
                    raise ApiError(405, f"{request.method} is not allowed here; use {', '.join(methods)}.",
                                   code="method_not_allowed", headers={"Allow": ", ".join(methods)})
                try:
                    token = token_authenticate(raw=token_from_header(request.headers.get("Authorization")),
                                               address=client_address(request))
                except TokenRefused as exc:
                    raise ApiError(401, str(exc), code="invalid_api_key",
                                   headers={"WWW-Authenticate": 'Bearer realm="image-studio"'})
                request.api_token, request.user = token, token.user
                state = rate_take(token=token)
                rate_headers = state.headers()
                if state.refused:
                    raise ApiError(429, f"Rate limit reached: this token may make {state.limit} requests "
                                        "a minute. Try again when the minute is over.",
                                   code="rate_limit_exceeded",
                                   headers={"Retry-After": f"{state.reset_seconds:.0f}"})
                if creates_jobs and request.method == "POST":
                    limit = in_flight_limit_for(token)
                    if jobs_in_flight(token=token) >= limit:
                        raise ApiError(429, f"This token already has {limit} jobs queued or running, its "
                                            "limit; wait for one to finish.", code="rate_limit_exceeded",
                                       headers={"Retry-After": "5"})
                response = view(request, *args, **kwargs)
            except ApiError as exc:
                response = exc.response()
            except Exception:  # a script reads JSON, never the HTML error page
                log.exception("API call %s %s failed", request.method, request.path)
                response = ApiError(500, "Something went wrong on our side; staff can find the details "
                                         "in the server log.", code="server_error", error_type="api_error"
                                    ).response()
            for name, value in rate_headers.items():
                response.setdefault(name, value)
            return response
        return wrapped
    return decorate


def json_body(request) -> dict:
    if not request.body:
        return {}
    try:
        body = json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ApiError(400, "The request body is not valid JSON.", code="invalid_json")
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.", code="invalid_json")
    return body


def no_content() -> HttpResponse:
    return HttpResponse(status=204)
