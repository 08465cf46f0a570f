"""A provider API key is write-only: encrypted at rest, never shown, logged or copied.

One flow drives the app as staff would: add an OpenAI connection through the
admin, test it, and compose a job whose provider answers 401 and echoes the key
back (as OpenAI does, partly masked). Then every page, every log record and
every database row is searched for the key.
"""
from __future__ import annotations

import base64
import logging
import re

import pytest
from cryptography.fernet import Fernet
from django.db import connection as db

from providers import crypto
from providers.models import ProviderConnection
from studio.models import Job, JobStatus
from tests.fakes.openai import FakeOpenAI

SECRET = "sk-live-SECRET-0123456789abcdefWXYZ"
CORE = SECRET[3:-4]  # what is left once a provider masks the ends
CONN = "/admin/providers/providerconnection/"
LOGGERS = ("", "httpx", "httpcore", "django", "django-q", "providers", "studio", "gallery")


def assert_clean(text: str, where: str) -> None:
    assert SECRET not in text and CORE not in text, f"the API key appears in {where}"


@pytest.fixture(scope="module")
def server():
    with FakeOpenAI("openai") as running:  # accepts only its own key: ours gets a 401
        yield running


@pytest.fixture
def flow(server, admin_client, caplog, monkeypatch, media_root, django_capture_on_commit_callbacks):
    server.reset()
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    monkeypatch.setattr(logging.getLogger("django-q"), "propagate", True)

    added = admin_client.post(CONN + "add/", {
        "kind": "openai", "name": "OpenAI (test)", "base_url": server.base_url, "api_key": SECRET,
        "enabled": "on", "enabled_models": "[]", "custom_models": "[]", "options": "{}",
        "max_concurrency": 4})
    assert added.status_code == 302, added.content.decode()[:2000]
    conn = ProviderConnection.objects.get(name="OpenAI (test)")
    tested = admin_client.post(CONN, {"action": "test_connection", "_selected_action": [conn.pk]},
                               follow=True)
    assert "rejected the API key (401)" in tested.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        composed = admin_client.post("/", {"prompt": "a lighthouse at dusk", "model": f"{conn.pk}:gpt-image-2",
                                           "size": "256x256", "n": 1}, HTTP_HX_REQUEST="true")
    assert composed.status_code == 200
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED, job.error_message
    # The fake did receive and echo the key; the job kept the redacted message.
    assert server.requests[-1].headers["authorization"] == f"Bearer {SECRET}"
    assert "Incorrect API key provided: ***" in job.error_message
    return {"conn": conn, "job": job, "client": admin_client, "pages": [
        ("admin add (POST)", added), ("admin test action", tested), ("compose (POST)", composed)]}


def test_the_raw_column_holds_a_fernet_token_not_the_key(flow):
    with db.cursor() as cursor:
        cursor.execute("SELECT * FROM providers_providerconnection WHERE id = %s", [flow["conn"].pk])
        row = cursor.fetchone()
        cursor.execute("SELECT api_key_encrypted, api_key_last4 FROM providers_providerconnection "
                       "WHERE id = %s", [flow["conn"].pk])
        token, last4 = cursor.fetchone()
    assert_clean(repr(row), "the connection row")
    assert last4 == "WXYZ"
    assert base64.urlsafe_b64decode(token)[0] == 0x80  # Fernet's version byte
    assert crypto.decrypt(token) == SECRET


def test_no_page_shows_the_key(flow):
    client, job, conn = flow["client"], flow["job"], flow["conn"]
    urls = [CONN, f"{CONN}{conn.pk}/change/", f"{CONN}add/", f"{CONN}{conn.pk}/history/",
            "/admin/studio/job/", f"/admin/studio/job/{job.pk}/change/", "/",
            f"/jobs/{job.pk}/card/", "/gallery/"]
    pages = list(flow["pages"])
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append((url, response))
    card = client.get(f"/jobs/{job.pk}/card/", HTTP_HX_REQUEST="true")
    assert card.status_code == 286
    pages.append(("job card (htmx)", card))
    for where, response in pages:
        assert_clean(response.content.decode(), where)
    html = dict(pages)[f"/jobs/{job.pk}/card/"].content.decode()
    assert "Incorrect API key provided: ***" in html  # the failure is shown, redacted


def test_the_change_form_shows_only_the_last_four_characters(flow):
    html = flow["client"].get(f"{CONN}{flow['conn'].pk}/change/").content.decode()
    assert "A key ending in …WXYZ is stored." in html
    key_input = re.search(r'<input[^>]*name="api_key"[^>]*>', html).group(0)
    assert 'type="password"' in key_input and "value=" not in key_input
    assert "WXYZ" not in key_input


def test_nothing_logged_contains_the_key(flow, caplog):
    records = caplog.get_records("setup") + caplog.get_records("call")
    assert any(r.name.startswith("httpx") for r in records)  # DEBUG capture really happened
    formatter = logging.Formatter()
    for record in records:
        assert_clean(record.getMessage(), f"a log record from {record.name}")
        if record.exc_info:
            assert_clean(formatter.formatException(record.exc_info), f"a traceback from {record.name}")
        assert_clean(record.exc_text or "", f"a traceback from {record.name}")


def test_no_database_row_contains_the_key(flow):
    with db.cursor() as cursor:
        cursor.execute("SELECT * FROM studio_job WHERE id = %s", [flow["job"].pk])
        assert_clean(repr(cursor.fetchone()), "the job row")
        for table in db.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                for value in row:
                    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                    assert_clean(text, f"table {table}")


@pytest.mark.django_db
def test_rotation_old_keys_still_decrypt_and_rotate_moves_to_the_newest(monkeypatch):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("STUDIO_ENCRYPTION_KEY", old)
    conn = ProviderConnection(kind="openai", name="Rotated")
    conn.set_api_key(SECRET)
    conn.save()
    old_token = conn.api_key_encrypted

    monkeypatch.setenv("STUDIO_ENCRYPTION_KEY", f"{new},{old}")
    conn.refresh_from_db()
    assert conn.get_api_key() == SECRET
    new_token = crypto.rotate(old_token)
    assert new_token != old_token and crypto.decrypt(new_token) == SECRET
    assert Fernet(new.encode()).decrypt(new_token.encode()).decode() == SECRET
    assert crypto.encrypt(SECRET) != old_token  # new values are written under the new key
    assert Fernet(new.encode()).decrypt(crypto.encrypt(SECRET).encode()).decode() == SECRET

    monkeypatch.setenv("STUDIO_ENCRYPTION_KEY", new)  # the old key retired
    assert crypto.decrypt(new_token) == SECRET
    with pytest.raises(crypto.UndecryptableKey) as info:
        crypto.decrypt(old_token)
    assert_clean(str(info.value), "the undecryptable-key error")
