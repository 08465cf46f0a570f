"""What the studio keeps from a hostile provider, end to end: through the admin,
a composed job and the pages that show it (issue 9, items 6 and 8)."""
from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection as db

from providers import crypto
from providers.models import ProviderConnection
from studio.models import Job, JobAttempt, JobStatus
from tests.hostile import fake as hostile
from tests.hostile.conftest import KEY

CONN = "/admin/providers/providerconnection/"
PASSWORD = "a1111-basic-auth-PASSWORD-42"


def raw_rows(table: str) -> str:
    with db.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}"')
        return repr(cursor.fetchall())


@pytest.fixture
def compose(admin_client, fake, media_root, django_capture_on_commit_callbacks):
    added = admin_client.post(CONN + "add/", {
        "kind": "openai", "name": "Hostile", "base_url": fake.base_url, "api_key": KEY,
        "enabled": "on", "enabled_models": "[]", "custom_models": "[]", "options": "{}",
        "max_concurrency": 4})
    assert added.status_code == 302, added.content.decode()[:2000]
    conn = ProviderConnection.objects.get(name="Hostile")

    def run() -> Job:
        with django_capture_on_commit_callbacks(execute=True):
            composed = admin_client.post("/", {"prompt": "a lighthouse", "model": f"{conn.pk}:gpt-image-2",
                                               "size": "256x256", "n": 1}, HTTP_HX_REQUEST="true")
        assert composed.status_code == 200
        return Job.objects.latest("pk")
    return run


def test_a_key_echoed_in_x_request_id_is_kept_nowhere_and_shown_nowhere(compose, admin_client, fake):
    fake.behaviour = hostile.error(500, f"upstream rejected Bearer {KEY[:-3]}***",
                                   headers={"x-request-id": f"req_{KEY}"})
    job = compose()
    assert job.status == JobStatus.FAILED
    attempts = list(JobAttempt.objects.filter(job=job))
    assert attempts and all(a.request_id == "req_***" for a in attempts)
    for table in ("studio_jobattempt", "studio_job"):
        assert KEY[8:-4] not in raw_rows(table)
    admin_page = admin_client.get(f"/admin/studio/job/{job.pk}/change/").content.decode()
    assert "req_***" in admin_page and KEY[8:-4] not in admin_page
    card = admin_client.get(f"/jobs/{job.pk}/card/").content.decode()
    assert "upstream rejected Bearer ***" in card and KEY[8:-4] not in card


def test_300_images_for_one_asked_store_one_with_a_note(compose, fake):
    fake.behaviour = hostile.images(300)
    job = compose()
    assert job.status == JobStatus.SUCCEEDED, job.error_message
    assert job.image_count == 1 and job.images.count() == 1
    assert "The provider returned 300 images for 1 asked; the extra 299 were not kept." in job.notes


def test_a_seed_past_the_column_does_not_fail_the_job(compose, fake):
    fake.behaviour = hostile.images(seed=2**64 - 1)
    job = compose()
    assert job.status == JobStatus.SUCCEEDED, job.error_message


# --- the A1111 basic-auth password ------------------------------------------------

def add_a1111(admin_client, **extra) -> ProviderConnection:
    added = admin_client.post(CONN + "add/", {
        "kind": "a1111", "name": "GPU box", "base_url": "http://gpu-box:7860", "enabled": "on",
        "enabled_models": "[]", "custom_models": "[]", "options": '{"username": "studio"}',
        "max_concurrency": 1, **extra})
    assert added.status_code == 302, added.content.decode()[:2000]
    return ProviderConnection.objects.get(name="GPU box")


@pytest.mark.django_db
def test_the_password_is_encrypted_at_rest_and_write_only(admin_client):
    conn = add_a1111(admin_client, password=PASSWORD)
    assert PASSWORD not in raw_rows("providers_providerconnection")
    assert crypto.decrypt(conn.password_encrypted) == PASSWORD
    assert conn.as_connection().options == {"username": "studio", "password": PASSWORD}
    html = admin_client.get(f"{CONN}{conn.pk}/change/").content.decode()
    assert PASSWORD not in html
    field = re.search(r'<input[^>]*name="password"[^>]*>', html).group(0)
    assert 'type="password"' in field and "value=" not in field

    # Saving without typing it again keeps it; the remove box removes it.
    form = {"kind": "a1111", "name": "GPU box", "base_url": "http://gpu-box:7860", "enabled": "on",
            "enabled_models": "[]", "custom_models": "[]", "options": '{"username": "studio"}',
            "max_concurrency": 1}
    admin_client.post(f"{CONN}{conn.pk}/change/", form)
    conn.refresh_from_db()
    assert conn.get_password() == PASSWORD
    admin_client.post(f"{CONN}{conn.pk}/change/", {**form, "clear_password": "on"})
    conn.refresh_from_db()
    assert conn.password_encrypted == ""


@pytest.mark.django_db
def test_a_password_typed_into_options_is_moved_into_the_encrypted_field(admin_client):
    conn = add_a1111(admin_client, options=f'{{"username": "studio", "password": "{PASSWORD}"}}')
    assert conn.options == {"username": "studio"}
    assert conn.get_password() == PASSWORD
    assert PASSWORD not in raw_rows("providers_providerconnection")


@pytest.mark.django_db
def test_the_migration_encrypts_a_password_stored_in_plain_text():
    migration = __import__("providers.migrations.0004_hostile_password", fromlist=["x"])
    conn = ProviderConnection.objects.create(kind="a1111", name="Old box", base_url="http://old:7860")
    # As the studio stored it before: in the options JSON, in plain text.
    ProviderConnection.objects.filter(pk=conn.pk).update(
        options={"username": "studio", "password": PASSWORD})
    assert PASSWORD in raw_rows("providers_providerconnection")
    migration.encrypt_passwords(apps, None)
    conn.refresh_from_db()
    assert conn.options == {"username": "studio"} and conn.get_password() == PASSWORD
    assert PASSWORD not in raw_rows("providers_providerconnection")


@pytest.mark.django_db
def test_rotating_keys_rotates_the_password_too(monkeypatch):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("STUDIO_ENCRYPTION_KEY", old)
    conn = ProviderConnection.objects.create(kind="a1111", name="Box", base_url="http://b:7860",
                                             options={"username": "u", "password": PASSWORD})
    monkeypatch.setenv("STUDIO_ENCRYPTION_KEY", f"{new},{old}")
    call_command("rotate_keys")
    monkeypatch.setenv("STUDIO_ENCRYPTION_KEY", new)
    conn.refresh_from_db()
    assert conn.get_password() == PASSWORD
