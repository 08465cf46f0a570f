"""POST /v1/images/generations through the test client: rules, budgets, visibility."""
import base64
from decimal import Decimal

import pytest

from gallery.models import Image
from studio.models import Budget, Job

pytestmark = pytest.mark.django_db(transaction=True)


def test_generation_returns_b64_png_and_lands_in_gallery_as_the_token_owner(api, member, placeholder):
    r = api("post", "/v1/images/generations", {"model": "placeholder", "prompt": "a red fox", "size": "256x256"})
    assert r.status_code == 200, r.content
    body = r.json()
    png = base64.b64decode(body["data"][0]["b64_json"])
    assert png.startswith(b"\x89PNG")
    image = Image.objects.get(pk=body["studio"]["image_ids"][0])
    assert image.owner == member and image.width == 256
    job = Job.objects.get(pk=body["studio"]["job_id"])
    assert job.source == "api" and job.api_token_name == "script"
    assert r["x-ratelimit-limit-requests"] == "60"


def test_a_broken_rule_is_a_400_naming_it_in_openais_envelope(api, placeholder):
    r = api("post", "/v1/images/generations", {"model": "placeholder", "prompt": "x", "size": "100x256"})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == "size" and "Width must be between 256 and 2048" in error["message"]
    assert not Job.objects.exists()


def test_too_many_images_names_the_count_rule(api, placeholder):
    r = api("post", "/v1/images/generations", {"model": "placeholder", "prompt": "x", "n": 9})
    assert r.status_code == 400 and r.json()["error"]["param"] == "n"
    assert "between 1 and 4" in r.json()["error"]["message"]


def test_unknown_model_is_404_model_not_found(api, placeholder):
    r = api("post", "/v1/images/generations", {"model": "dall-e-9", "prompt": "x"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found"


def test_budget_refusal_says_what_is_left_and_is_not_retried(api, member, placeholder):
    Budget.objects.create(user=member, monthly_images=1)
    assert api("post", "/v1/images/generations", {"model": "placeholder", "prompt": "one"}).status_code == 200
    r = api("post", "/v1/images/generations", {"model": "placeholder", "prompt": "two"})
    assert r.status_code == 429 and r["x-should-retry"] == "false"
    assert r.json()["error"]["code"] == "insufficient_quota"
    assert "0 of 1 images left" in r.json()["error"]["message"]


def test_private_visibility_is_kept_on_the_image(api, placeholder):
    r = api("post", "/v1/images/generations", {"model": "placeholder", "prompt": "secret", "visibility": "private"})
    assert Image.objects.get(pk=r.json()["studio"]["image_ids"][0]).visibility == "private"


def test_url_response_is_a_signed_link_that_works_without_login(api, client, placeholder, settings):
    r = api("post", "/v1/images/generations", {"model": "placeholder", "prompt": "fox", "response_format": "url"})
    url = r.json()["data"][0]["url"]
    assert "/v1/files/" in url
    client.logout()
    got = client.get(url.split("testserver", 1)[1])
    assert got.status_code == 200 and b"".join(got.streaming_content).startswith(b"\x89PNG")
    forged = url.split("testserver", 1)[1][:-3] + "abc"
    assert client.get(forged).status_code == 404
    settings.STUDIO_API_LINK_SECONDS = -1  # every link has expired
    assert client.get(url.split("testserver", 1)[1]).status_code == 404


def test_a_slow_job_answers_202_and_the_job_endpoint_finishes_it(api, placeholder, settings, local_connection):
    settings.STUDIO_TASKS_INLINE = False  # queued, never run: the wait runs out
    settings.STUDIO_API_WAIT_SECONDS = 0.3
    r = api("post", "/v1/images/generations", {"model": "placeholder", "prompt": "slow"})
    assert r.status_code == 202 and r.json()["status"] == "queued"
    job_id = r.json()["id"]
    assert api("get", f"/v1/jobs/{job_id}").json()["status"] == "queued"
    cancelled = api("delete", f"/v1/jobs/{job_id}")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_estimate_is_reserved_like_the_web_form(api, member, placeholder):
    Budget.objects.create(user=member, monthly_cost=Decimal("1.00"))
    r = api("post", "/v1/images/generations", {"model": "placeholder", "prompt": "free"})
    assert r.status_code == 200  # priced at $0 in the catalog


def test_a_size_that_is_not_width_x_height_is_refused(api, placeholder):
    r = api("post", "/v1/images/generations", {"model": "placeholder", "prompt": "x", "size": "large"})
    assert r.status_code == 400 and r.json()["error"]["param"] == "size"
    assert "256" in r.json()["error"]["message"]



def test_images_join_the_named_board_and_a_foreign_private_board_is_refused(api, member, placeholder,
                                                                           django_user_model):
    from gallery.boards import board_create

    mine = board_create(owner=member, name="Launch")
    other = django_user_model.objects.create_user("otto", password="x" * 12)
    hidden = board_create(owner=other, name="Otto's")
    r = api("post", "/v1/images/generations", {"model": "placeholder", "prompt": "for launch", "board": "Launch"})
    assert list(mine.images.values_list("pk", flat=True)) == r.json()["studio"]["image_ids"]
    refused = api("post", "/v1/images/generations", {"model": "placeholder", "prompt": "x", "board": hidden.pk})
    assert refused.status_code == 404 and refused.json()["error"]["param"] == "board"
