"""/mcp: MCP's streamable HTTP transport, served by Django's own (WSGI) views.

The SDK's transport is an ASGI app; the studio runs under WSGI (runserver
in ``make run``, gunicorn in production), so each POST is handed to a fresh
*stateless* session manager answering in JSON (no server-sent stream needs
to outlive the request). Stateless mode is what the SDK offers for servers
behind several processes or hosts, which the studio must allow anyway.
"""
from __future__ import annotations

from asgiref.sync import async_to_sync
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

from .auth import client_address
from .errors import ApiError
from .mcp_server import current_base_url, current_token, server
from .ratelimit import rate_take
from .tokens import TokenRefused, token_authenticate, token_from_header


def _scope(request, body: bytes) -> dict:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in request.headers.items()]
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": request.method,
            "scheme": request.scheme, "path": "/mcp", "raw_path": b"/mcp",
            "query_string": request.META.get("QUERY_STRING", "").encode(), "root_path": "",
            "headers": headers, "server": (request.get_host(), int(request.get_port())),
            "client": (client_address(request) or "", 0)}


async def _handle(scope: dict, body: bytes, token, base_url: str) -> tuple[int, list, bytes]:
    current_token.set(token)
    current_base_url.set(base_url)
    manager = StreamableHTTPSessionManager(app=server._mcp_server, json_response=True, stateless=True)
    sent: dict = {"status": 500, "headers": [], "body": b""}
    delivered = False

    async def receive():
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            sent["status"], sent["headers"] = message["status"], message.get("headers", [])
        elif message["type"] == "http.response.body":
            sent["body"] += message.get("body", b"")

    async with manager.run():
        await manager.handle_request(scope, receive, send)
    return sent["status"], sent["headers"], sent["body"]


@csrf_exempt  # token-authenticated; session cookies are never read here
@login_not_required
def mcp_endpoint(request):
    try:
        token = token_authenticate(raw=token_from_header(request.headers.get("Authorization")),
                                   address=client_address(request))
    except TokenRefused as exc:
        response = ApiError(401, str(exc), code="invalid_api_key").response()
        response["WWW-Authenticate"] = 'Bearer realm="image-studio"'
        return response
    if request.method == "GET":
        # MCP's answer for "this server offers no event stream": a stateless
        # server has nothing to push, and an empty stream would make clients
        # reconnect in a loop.
        response = HttpResponse(status=405)
        response["Allow"] = "POST, DELETE"
        return response
    if request.method == "POST":
        state = rate_take(token=token)
        if state.refused:
            return ApiError(429, f"Rate limit reached: {state.limit} requests a minute.",
                            code="rate_limit_exceeded", headers={"Retry-After": f"{state.reset_seconds:.0f}"}
                            ).response()
    status, headers, body = async_to_sync(_handle)(_scope(request, request.body), request.body, token,
                                                   request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(body, status=status)
    for name, value in headers:
        name = name.decode("latin-1")
        if name.lower() not in ("content-length", "transfer-encoding", "connection"):
            response[name] = value.decode("latin-1")
    return response
