"""Passing provider errors are retried with backoff; permanent ones never are."""
import time

from decimal import Decimal

import pytest

from gallery.models import Image
from studio.models import AttemptOutcome, Job, JobStatus
from tests.fakes.base import Reply
from tests.fakes.openai import API_KEY, FakeOpenAI, openai_error, server_error

from .test_providers_ui import connect


@pytest.fixture
def fake():
    with FakeOpenAI("openai") as server:
        yield server


@pytest.fixture
def submit(member_client, media_root, django_capture_on_commit_callbacks):
    def run(conn, prompt="a lighthouse", **fields):
        data = {"prompt": prompt, "model": f"{conn.pk}:gpt-image-2", "width": 1024, "height": 1024,
                "n": 1, **fields}
        with django_capture_on_commit_callbacks(execute=True):
            member_client.post("/", data, HTTP_HX_REQUEST="true")
        return Job.objects.latest("id")
    return run


def outcomes(job):
    return [(a.outcome, a.http_status) for a in job.attempt_set.order_by("number")]


def generations(fake):
    return [r for r in fake.requests if r.path.endswith("/images/generations")]


def test_429_is_retried_after_its_retry_after(fake, submit):
    conn = connect("openai", fake, "/v1", API_KEY, {})
    limited = openai_error(429, "Rate limit exceeded for images per minute", code="rate_limit_exceeded",
                           type="requests")
    limited.headers["retry-after-ms"] = "300"
    fake.push(limited)
    started = time.monotonic()
    job = submit(conn)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert outcomes(job) == [(AttemptOutcome.RETRYABLE, 429), (AttemptOutcome.SUCCEEDED, None)]
    assert time.monotonic() - started >= 0.3  # it waited as the provider asked
    assert len(generations(fake)) == 2


def test_500_twice_then_success(fake, submit):
    conn = connect("openai", fake, "/v1", API_KEY, {})
    fake.push(server_error(), server_error())
    job = submit(conn)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 3
    assert [o for o, _ in outcomes(job)] == [AttemptOutcome.RETRYABLE] * 2 + [AttemptOutcome.SUCCEEDED]
    assert Image.objects.filter(job=job).count() == 1


def test_giving_up_after_the_last_attempt_says_why(fake, submit, settings):
    conn = connect("openai", fake, "/v1", API_KEY, {})
    fake.push(*[server_error()] * settings.STUDIO_MAX_ATTEMPTS)
    job = submit(conn)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.attempts == settings.STUDIO_MAX_ATTEMPTS
    assert "server error (500)" in job.error_message


def test_a_timeout_is_retried(fake, submit):
    conn = connect("openai", fake, "/v1", API_KEY, {"timeout": 0.3})
    fake.push(Reply(200, {"created": 1, "data": []}, delay=1.0))
    job = submit(conn)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    first = job.attempt_set.order_by("number").first()
    assert first.outcome == AttemptOutcome.RETRYABLE and "did not answer in time" in first.error


def test_a_400_is_not_retried(fake, submit):
    conn = connect("openai", fake, "/v1", API_KEY, {})
    fake.push(openai_error(400, "Invalid value: 'banana'.", param="size", code="invalid_value"))
    job = submit(conn)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.attempts == 1
    assert "Invalid value: 'banana'." in job.error_message
    assert len(generations(fake)) == 1


def test_a_moderation_refusal_is_not_retried_and_reads_as_one(fake, submit):
    from tests.fakes.openai import MODERATION_WORD

    conn = connect("openai", fake, "/v1", API_KEY, {})
    job = submit(conn, prompt=f"a {MODERATION_WORD} thing")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.attempts == 1
    assert job.error_message.startswith("The provider refused this prompt:")


def test_usage_and_cost_are_recorded_once(fake, submit):
    conn = connect("openai", fake, "/v1", API_KEY, {})
    job = submit(conn)
    job.refresh_from_db()
    image = Image.objects.get(job=job)
    assert job.image_count == 1 and job.bytes == image.bytes and job.latency_ms is not None
    # OpenAI's usage priced by the catalog's token rates: 1,767 medium image tokens at $30
    # and 3 prompt tokens at $5 per million.
    assert job.cost_source == "tokens" and job.cost == Decimal("0.053025")

    from studio.jobs.pool import job_dispatch

    job_dispatch(job.pk)  # a duplicate delivery changes nothing
    job.refresh_from_db()
    assert Image.objects.filter(job=job).count() == 1 and job.image_count == 1


def test_retry_button_makes_a_new_job_with_the_same_parameters(fake, submit, member_client,
                                                               django_capture_on_commit_callbacks):
    conn = connect("openai", fake, "/v1", API_KEY, {})
    fake.push(openai_error(400, "Nope", code="invalid_value"))
    failed = submit(conn)
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(f"/jobs/{failed.pk}/retry/", HTTP_HX_REQUEST="true")
    new = Job.objects.latest("id")
    assert new.pk != failed.pk and f'id="job-{new.pk}"' in response.content.decode()
    assert (new.params, new.seed, new.prompt, new.model_id) == (failed.params, failed.seed, failed.prompt,
                                                                failed.model_id)
    new.refresh_from_db()
    assert new.status == JobStatus.SUCCEEDED
