"""Idempotency keys, per-token rate limits, and budgets under 20 parallel calls."""
from concurrent.futures import ThreadPoolExecutor

import httpx
import openai
import pytest

from api.models import ApiToken
from gallery.models import Image
from studio.models import Budget, Job

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_retried_request_with_the_same_key_is_not_billed_twice(api, placeholder):
    body = {"model": "placeholder", "prompt": "one fox", "response_format": "url"}
    first = api("post", "/v1/images/generations", body, HTTP_IDEMPOTENCY_KEY="run-42")
    again = api("post", "/v1/images/generations", body, HTTP_IDEMPOTENCY_KEY="run-42")
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["studio"]["image_ids"] == again.json()["studio"]["image_ids"]
    assert Job.objects.count() == 1
    other = api("post", "/v1/images/generations", {**body, "prompt": "two foxes"}, HTTP_IDEMPOTENCY_KEY="run-42")
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"


def test_keys_are_per_token(api, client, member, placeholder):
    from api.tokens import token_create

    body = {"model": "placeholder", "prompt": "fox"}
    api("post", "/v1/images/generations", body, HTTP_IDEMPOTENCY_KEY="k")
    _, other = token_create(user=member, name="second")
    api("post", "/v1/images/generations", body, HTTP_IDEMPOTENCY_KEY="k", HTTP_AUTHORIZATION=f"Bearer {other}")
    assert Job.objects.count() == 2


def test_requests_per_minute_answer_429_with_retry_after(api, member, placeholder):
    ApiToken.objects.filter(user=member).update(rate_per_minute=2)
    assert api("get", "/v1/models").status_code == 200
    second = api("get", "/v1/models")
    assert second["x-ratelimit-remaining-requests"] == "0"
    r = api("get", "/v1/models")
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limit_exceeded"
    assert 1 <= int(r["Retry-After"]) <= 60 and r["x-ratelimit-limit-requests"] == "2"


def test_jobs_in_flight_are_limited_per_token(api, member, placeholder, settings):
    settings.STUDIO_TASKS_INLINE = False  # nothing runs: every job stays queued
    settings.STUDIO_API_WAIT_SECONDS = 0
    ApiToken.objects.filter(user=member).update(max_in_flight=2)
    for _ in range(2):
        assert api("post", "/v1/images/generations", {"model": "placeholder", "prompt": "x"}).status_code == 202
    r = api("post", "/v1/images/generations", {"model": "placeholder", "prompt": "x"})
    assert r.status_code == 429 and r["Retry-After"] == "5" and Job.objects.count() == 2


def test_twenty_parallel_calls_never_exceed_the_budget(live_server, token, member, placeholder):
    Budget.objects.create(user=member, monthly_images=5)
    ApiToken.objects.filter(user=member).update(rate_per_minute=100, max_in_flight=100)

    def call(i):
        return httpx.post(f"{live_server.url}/v1/images/generations", timeout=60,
                          headers={"Authorization": f"Bearer {token}"},
                          json={"model": "placeholder", "prompt": f"fox {i}", "size": "256x256"})

    with ThreadPoolExecutor(20) as pool:
        statuses = sorted(r.status_code for r in pool.map(call, range(20)))
    assert statuses.count(200) == 5 and statuses.count(429) == 15
    assert Image.objects.filter(owner=member).count() == 5


def test_the_sdk_retries_safely_with_an_idempotency_key(live_server, token, placeholder):
    sdk = openai.OpenAI(base_url=f"{live_server.url}/v1", api_key=token, max_retries=0)
    for _ in range(2):
        sdk.images.generate(model="placeholder", prompt="same", extra_headers={"Idempotency-Key": "abc"})
    assert Job.objects.count() == 1


def test_a_key_older_than_a_day_may_be_used_again(api, placeholder):
    from datetime import timedelta

    from django.utils import timezone

    from api.models import IdempotencyKey

    body = {"model": "placeholder", "prompt": "fox"}
    api("post", "/v1/images/generations", body, HTTP_IDEMPOTENCY_KEY="daily")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    api("post", "/v1/images/generations", {**body, "prompt": "new fox"}, HTTP_IDEMPOTENCY_KEY="daily")
    assert Job.objects.count() == 2
