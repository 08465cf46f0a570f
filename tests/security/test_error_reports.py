"""Django's error report (the DEBUG 500 page, the ADMINS e-mail) never shows a
member's API token or a provider key, in any form or part."""
import sys

import pytest
from django.conf import settings
from django.core import mail
from django.test import RequestFactory
from django.views.debug import ExceptionReporter, get_default_exception_reporter_filter, technical_500_response

from providers.models import ProviderConnection
from studio.reporting import StudioExceptionReporterFilter

TOKEN = "ist_Q3kV9xZpL2mN8rT4wY6uB1cD5eF7gH0jKaSdQwErTy"
KEY = "sk-proj-Zq81LmNoPqRsTuVwXyZ0123456789abcdef"
RUN = 8


def leaked(text: str, secret: str) -> str | None:
    """The first run of 8 characters of ``secret`` that ``text`` contains."""
    return next((secret[i:i + RUN] for i in range(len(secret) - RUN + 1) if secret[i:i + RUN] in text), None)


def _fail_like_mcp(request, api_key):
    # What /mcp does with the request's headers: copies them, token and all,
    # into the MCP SDK's scope under a name no filter would guess.
    scope = {"type": "http", "headers": [(k.lower().encode(), v.encode()) for k, v in request.headers.items()]}
    upstream = {"note": f"sent {api_key}"}
    raise RuntimeError(f"transport closed ({len(scope)}, {len(upstream)})")


def _report(request):
    try:
        _fail_like_mcp(request, request.POST["api_key"])
    except RuntimeError:
        return sys.exc_info()


@pytest.fixture
def request_with_secrets(db):
    return RequestFactory().post("/mcp", {"prompt": "a red fox", "api_key": KEY},
                                 HTTP_AUTHORIZATION=f"Bearer {TOKEN}", HTTP_X_API_KEY=KEY)


def test_settings_use_the_studio_filter():
    assert settings.DEFAULT_EXCEPTION_REPORTER_FILTER == "studio.reporting.StudioExceptionReporterFilter"
    assert isinstance(get_default_exception_reporter_filter(), StudioExceptionReporterFilter)


@pytest.mark.parametrize("debug", [True, False])
def test_the_debug_page_shows_no_token_or_key(settings, request_with_secrets, debug):
    settings.DEBUG = debug
    html = technical_500_response(request_with_secrets, *_report(request_with_secrets)).content.decode()
    assert "transport closed" in html and "a red fox" in html and "scope" in html, "still a useful report"
    assert leaked(html, TOKEN) is None and leaked(html, KEY) is None


def test_the_emailed_report_shows_no_token_or_key(request_with_secrets):
    text = ExceptionReporter(request_with_secrets, *_report(request_with_secrets), is_email=True).get_traceback_text()
    assert "transport closed" in text and "HTTP_AUTHORIZATION" in text and "api_key" in text
    assert leaked(text, TOKEN) is None and leaked(text, KEY) is None


def test_a_failed_save_of_a_provider_key_mails_staff_a_report_without_it(client, admin_user, settings,
                                                                          monkeypatch):
    settings.ADMINS = [("Ops", "ops@example.test")]
    conn = ProviderConnection.objects.create(kind="openai", name="OpenAI team", base_url="http://127.0.0.1:9/v1")

    def encrypt_unavailable(text):
        raise RuntimeError("key store unavailable")
    monkeypatch.setattr("providers.crypto.encrypt", encrypt_unavailable)
    client.force_login(admin_user)
    client.raise_request_exception = False
    response = client.post(f"/admin/providers/providerconnection/{conn.pk}/change/",
                           {"kind": "openai", "name": conn.name, "base_url": conn.base_url, "enabled": "on",
                            "options": "{}", "max_concurrency": 4, "api_key": KEY, "password": "hunter2-a1111"})
    assert response.status_code == 500
    (report,) = mail.outbox
    assert "key store unavailable" in report.body and "api_key" in report.body
    assert leaked(report.body, KEY) is None and "hunter2" not in report.body
