"""A provider's figures are checked before they are kept: a cost of 1e30, NaN, Infinity or a
negative one is replaced by the estimate (with the reason on the card), and never breaks a page
or refunds a budget. Token-billed models are costed from the response's usage."""
import base64
from decimal import Decimal

import pytest

from gallery.models import Image
from studio.models import Budget, Job, JobStatus
from studio.usage import month_spent
from tests.fakes.base import Reply, png_bytes
from tests.fakes.openai import API_KEY, FakeOpenAI

from .test_providers_ui import connect

TEST_MODEL = {"id": "sd-test", "label": "SD test (via APIpie)", "max_n": 1, "params": {},
              "size": {"type": "list", "sizes": ["1024x1024"], "default": "1024x1024"}, "price": {"usd": "0.04"}}
TOKENS = {"per_million_tokens": {"text_in": "5", "image_in": "8", "image_out": "30", "text_out": None},
          "image_out_tokens_1024": {"low": 200, "medium": 1767, "high": 7033}}


@pytest.fixture
def apipie():
    with FakeOpenAI("apipie") as server:
        yield server


@pytest.fixture
def openai():
    with FakeOpenAI("openai") as server:
        yield server


@pytest.fixture
def generate(member_client, media_root, django_capture_on_commit_callbacks):
    def run(conn, model, **fields):
        data = {"prompt": "a lighthouse", "model": f"{conn.pk}:{model}", "n": 1, **fields}
        with django_capture_on_commit_callbacks(execute=True):
            response = member_client.post("/", data, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        job = Job.objects.latest("id")
        job.refresh_from_db()
        return job
    return run


def apipie_answer(cost) -> Reply:
    # APIpie reports its charge in dollars as usage.cost; json.dumps writes NaN and Infinity
    # as bare words, which Python's JSON reader (and so httpx) accepts.
    return Reply(200, {"created": 1, "data": [{"b64_json": base64.b64encode(png_bytes()).decode()}],
                       "usage": {"cost": cost, "model_used": "sd-test"}})


def apipie_connection(fake):
    conn = connect("apipie", fake, "/v1", API_KEY, {})
    conn.custom_models = [TEST_MODEL]
    conn.save()
    return conn


def pages_still_load(client, job):
    for url in ("/", "/usage/", "/gallery/", f"/jobs/{job.pk}/card/", f"/compare/{job.group}/" if job.group else "/"):
        assert client.get(url).status_code == 200, url


def test_an_honest_provider_cost_is_kept(apipie, generate, member_client):
    conn = apipie_connection(apipie)
    apipie.push(apipie_answer(0.05))
    job = generate(conn, "sd-test", size="1024x1024")
    assert (job.status, job.cost, job.cost_source, job.estimate) == (
        JobStatus.SUCCEEDED, Decimal("0.05"), "provider", Decimal("0.04"))


@pytest.mark.parametrize("cost,why", [
    (1e30, "The provider's reported cost ($1e+30) was more than 100× the estimate of $0.04"),
    (5.0, "The provider's reported cost ($5.00) was more than 100× the estimate of $0.04"),
    (float("nan"), "The provider's reported cost was not a number"),
    (float("inf"), "The provider's reported cost was not a number"),
    (-3, "The provider's reported cost was negative ($-3.00)"),
])
def test_an_implausible_provider_cost_records_the_estimate_and_says_why(
        apipie, generate, member_client, member, cost, why):
    Budget.objects.create(user=member, monthly_cost=Decimal("10"))
    conn = apipie_connection(apipie)
    apipie.push(apipie_answer(cost))
    job = generate(conn, "sd-test", size="1024x1024")
    assert job.status == JobStatus.SUCCEEDED and Image.objects.filter(job=job).count() == 1
    assert (job.cost, job.cost_source) == (Decimal("0.04"), "catalog")
    assert any(note.startswith(why) and note.endswith("so the estimate was recorded.") for note in job.notes), job.notes
    assert Image.objects.get(job=job).cost == Decimal("0.04")
    assert month_spent(member) == (Decimal("0.04"), 1)  # a negative cost refunds nothing
    card = member_client.get(f"/jobs/{job.pk}/card/").content.decode()
    assert "$0.04" in card and "so the estimate was recorded" in card
    pages_still_load(member_client, job)


def test_nan_in_usage_is_stored_as_text_so_every_database_takes_it(apipie, generate):
    conn = apipie_connection(apipie)
    apipie.push(apipie_answer(float("nan")))
    job = generate(conn, "sd-test", size="1024x1024")
    assert job.usage["cost"] == "nan"


def test_a_huge_cost_can_never_reach_the_database(member):
    from django.db import DataError, IntegrityError, transaction

    job = Job.objects.create(owner=member, connection_name="x", model_id="m", model_label="M", prompt="p")
    # SQLite refuses it by the check constraint; PostgreSQL already by numeric(12, 6) overflow.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Job.objects.filter(pk=job.pk).update(cost=Decimal("1000000"))


@pytest.mark.parametrize("quality,image_tokens", [("low", 200), ("medium", 1767), ("high", 7033)])
def test_gpt_image_cost_comes_from_usage_tokens(openai, generate, member_client, quality, image_tokens):
    conn = connect("openai", openai, "/v1", API_KEY, {})
    conn.prices = {"gpt-image-2": TOKENS}
    conn.save()
    usage = {"input_tokens": 40, "input_tokens_details": {"text_tokens": 40, "image_tokens": 0},
             "output_tokens": image_tokens, "output_tokens_details": {"image_tokens": image_tokens, "text_tokens": 0},
             "total_tokens": 40 + image_tokens}
    openai.push(Reply(200, {"created": 1, "data": [{"b64_json": base64.b64encode(png_bytes()).decode()}],
                            "usage": usage}))
    job = generate(conn, "gpt-image-2", width=1024, height=1024, quality=quality)
    expected = (40 * Decimal(5) + image_tokens * Decimal(30)) / 1_000_000
    assert (job.cost, job.cost_source) == (expected.quantize(Decimal("0.000001")), "tokens")
    assert job.estimate == Decimal(image_tokens) * 30 / 1_000_000
    assert "From the provider's token usage" in member_client.get(f"/jobs/{job.pk}/card/").content.decode()


def test_lying_token_counts_fall_back_to_the_estimate(openai, generate):
    conn = connect("openai", openai, "/v1", API_KEY, {})
    conn.prices = {"gpt-image-2": TOKENS}
    conn.save()
    openai.push(Reply(200, {"created": 1, "data": [{"b64_json": base64.b64encode(png_bytes()).decode()}],
                            "usage": {"input_tokens": 10, "output_tokens": 900_000_000}}))
    job = generate(conn, "gpt-image-2", width=1024, height=1024, quality="low")
    assert job.cost == Decimal("0.006") and job.cost_source == "catalog"
    assert "The cost from the provider's token usage" in job.notes[-1]
