"""Tokens: only a live token of an active person opens /v1/; a token acts as its person."""
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from api.models import ApiToken
from api.tokens import token_create, token_digest, token_revoke
from gallery.models import Image
from studio.models import Job

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("header", ["Bearer ist_wrong", "Bearer ", "Basic abc", None])
def test_wrong_or_missing_token_is_401(client, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    r = client.get("/v1/models", **extra)
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"


def test_expired_and_revoked_tokens_are_401(client, member):
    token, raw = token_create(user=member, name="old", expires_in_days=1)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/v1/models", **auth).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/v1/models", **auth).status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None)
    token_revoke(token=token)
    assert client.get("/v1/models", **auth).status_code == 401


def test_a_session_cookie_alone_opens_nothing(member_client, placeholder):
    r = member_client.post("/v1/images/generations", {"model": "placeholder", "prompt": "x"},
                           content_type="application/json")
    assert r.status_code == 401 and not Job.objects.exists()


def test_the_token_is_stored_only_as_a_hash(member):
    token, raw = token_create(user=member, name="ci")
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw not in str(stored) and stored["digest"] == token_digest(raw)


def test_last_use_time_and_address_are_recorded(api, member, placeholder):
    api("get", "/v1/models", REMOTE_ADDR="10.1.2.3")
    token = ApiToken.objects.get(user=member)
    assert token.last_used_ip == "10.1.2.3" and token.last_used_at is not None


def test_a_token_limited_to_models_is_refused_others(client, member, placeholder):
    _, raw = token_create(user=member, name="only-dalle", allowed_models=["gpt-image-1"])
    r = client.post("/v1/images/generations", {"model": "placeholder", "prompt": "x"},
                    content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert r.status_code == 403 and r.json()["error"]["code"] == "model_not_allowed"
    listed = client.get("/v1/models", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["data"]
    assert "placeholder" not in [m["id"] for m in listed]


def test_a_token_cannot_use_or_see_another_persons_private_image_or_job(api, django_user_model, placeholder):
    other = django_user_model.objects.create_user("otto", password="x" * 12)
    _, raw = token_create(user=other, name="otto's")
    r = api("post", "/v1/images/generations", {"model": "placeholder", "prompt": "otto's secret",
                                               "visibility": "private"},
            HTTP_AUTHORIZATION=f"Bearer {raw}")
    image_id, job_id = r.json()["studio"]["image_ids"][0], r.json()["studio"]["job_id"]
    assert Image.objects.get(pk=image_id).visibility == "private"
    edit = api("post", "/v1/images/edits", {"model": "placeholder", "prompt": "steal", "image_ids": [image_id]})
    assert edit.status_code == 404 and edit.json()["error"]["code"] == "image_not_found"
    assert api("get", f"/v1/jobs/{job_id}").status_code == 404
    assert api("delete", f"/v1/jobs/{job_id}").status_code == 404


def test_token_create_command_prints_a_working_token_once(client, member):
    from io import StringIO

    out = StringIO()
    call_command("token_create", "mira", "--name", "nightly", "--expires", "30", stdout=out)
    raw = out.getvalue().strip()
    assert raw.startswith("ist_")
    token = ApiToken.objects.get(name="nightly")
    assert token.expires_at > timezone.now() + timedelta(days=29)
    assert client.get("/v1/models", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_profile_creates_shows_once_and_revokes(member_client, member):
    page = member_client.post("/profile/tokens/", {"name": "laptop", "expires_in_days": "7"})
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    raw = page.context["new_token"]
    assert raw.encode() in page.content and b"shown only once" in page.content
    again = member_client.get("/profile/")
    assert raw.encode() not in again.content and b"laptop" in again.content
    duplicate = member_client.post("/profile/tokens/", {"name": "laptop"})
    assert duplicate.status_code == 400 and b"names must differ" in duplicate.content
    token = ApiToken.objects.get(user=member, name="laptop")
    member_client.post(f"/profile/tokens/{token.pk}/revoke/")
    assert ApiToken.objects.get(pk=token.pk).state == "revoked"


def test_a_member_cannot_revoke_someone_elses_token_but_staff_can(member_client, client, staff,
                                                                  django_user_model):
    other = django_user_model.objects.create_user("otto", password="x" * 12)
    token, _ = token_create(user=other, name="otto's")
    assert member_client.post(f"/profile/tokens/{token.pk}/revoke/").status_code == 404
    client.force_login(staff)
    client.post(f"/profile/tokens/{token.pk}/revoke/")
    assert ApiToken.objects.get(pk=token.pk).state == "revoked"
    listing = client.get("/admin/api/apitoken/")
    assert listing.status_code == 200 and b"otto&#x27;s" in listing.content
