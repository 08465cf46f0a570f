"""The BFL adapter against a fake BFL server over real HTTP."""
from __future__ import annotations

import io
from decimal import Decimal

import httpx
import pytest
from PIL import Image

from providers.base import (
    CancelledError, Connection, ContentPolicyError, GenerationRequest, Hooks, ProviderError,
)
from providers.bfl import BFLAdapter, is_trusted_polling_host
from providers.catalog import models_for, spec_for
from providers.rules import AspectRatios, SizeRange
from tests.fakes import bfl as fakes
from tests.fakes.bfl import API_KEY, FakeBFL
from tests.fakes.fixtures import fake_fixtures
from tests.providers.helpers import generate


server, fake = fake_fixtures(lambda: FakeBFL())


def adapter(fake, client, key=API_KEY, **options):
    options = {"poll_interval": 0.001, "poll_timeout": 5, **options}
    return BFLAdapter(Connection("bfl", fake.url, key, options), client)


def run(fake, client, model="flux-pro-1.1", hooks=None, **fields):
    return generate(adapter(fake, client), model, hooks, **fields)


def expect_error(fake, client, model="flux-pro-1.1", **fields) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        run(fake, client, model, width=1024, height=768, **fields)
    assert API_KEY not in str(caught.value)
    return caught.value


# --- what is sent -------------------------------------------------------------

def test_flux_pro_1_1_submit_sends_only_what_the_model_takes(fake, client):
    run(fake, client, width=1024, height=768, seed=7, output_format="png", negative_prompt="blur",
        steps=30, extras={"safety_tolerance": 4, "prompt_upsampling": False})
    sent = fake.submits[0]
    assert sent.path == "/v1/flux-pro-1.1"
    assert sent.headers["x-key"] == API_KEY
    assert "authorization" not in sent.headers
    assert sent.headers["content-type"] == "application/json"
    # steps and negative_prompt are not taken by flux-pro-1.1 and must not be sent
    assert sent.json == {"prompt": "a red fox", "width": 1024, "height": 768, "seed": 7,
                         "output_format": "png", "safety_tolerance": 4, "prompt_upsampling": False}


def test_unchosen_fields_are_not_sent(fake, client):
    run(fake, client, width=512, height=512)
    assert fake.submits[0].json == {"prompt": "a red fox", "width": 512, "height": 512}


def test_ultra_sends_aspect_ratio_and_raw_not_pixels(fake, client):
    run(fake, client, "flux-pro-1.1-ultra", aspect_ratio="21:9", width=1344, height=576,
        extras={"raw": True})
    assert fake.submits[0].json == {"prompt": "a red fox", "aspect_ratio": "21:9", "raw": True}


def test_flex_sends_steps_guidance_and_upsampling(fake, client):
    run(fake, client, "flux-2-flex", width=1440, height=816, steps=20, guidance=7.5,
        extras={"prompt_upsampling": True, "safety_tolerance": 5})
    assert fake.submits[0].path == "/v1/flux-2-flex"
    assert fake.submits[0].json == {"prompt": "a red fox", "width": 1440, "height": 816,
                                    "steps": 20, "guidance": 7.5, "prompt_upsampling": True,
                                    "safety_tolerance": 5}


def test_flux_2_pro_never_sends_flex_only_fields(fake, client):
    run(fake, client, "flux-2-pro", width=1024, height=1024, steps=20, guidance=3.0,
        extras={"prompt_upsampling": True})
    assert fake.submits[0].json == {"prompt": "a red fox", "width": 1024, "height": 1024}


# --- how answers are read -----------------------------------------------------

def test_ready_result_is_a_url_with_seed_and_task_id(fake, client):
    result = run(fake, client, width=1024, height=768, seed=99)
    [image] = result.images
    assert image.data is None and image.url.startswith(f"{fake.url}/files/task-1.png")
    assert image.seed == 99 and image.revised_prompt is None
    assert result.request_id == "task-1"
    assert result.cost is None and result.usage == {}
    poll = fake.polls[0]
    assert poll.method == "GET" and poll.query == {"id": ["task-1"]}
    assert poll.headers["x-key"] == API_KEY
    fetched = client.get(image.url)
    assert Image.open(io.BytesIO(fetched.content)).size == (32, 32)


def test_result_url_expires(fake, client):
    url = run(fake, client, width=1024, height=768).images[0].url
    fake.expire_files()
    assert client.get(url).status_code == 404


def test_flux_2_cost_on_submit_becomes_cost_and_usage(fake, client):
    fake.cost = 6
    result = run(fake, client, "flux-2-pro", width=1024, height=1024)
    assert result.cost == Decimal("6")
    assert result.usage == {"cost": 6, "input_mp": 0, "output_mp": 1.05}


def test_upsampled_prompt_is_reported_as_revised(fake, client):
    fake.result_prompt = "a red fox in golden light, detailed fur"
    image = run(fake, client, width=1024, height=768,
                extras={"prompt_upsampling": True}).images[0]
    assert image.revised_prompt == "a red fox in golden light, detailed fur"


@pytest.mark.parametrize("scale", [1, 100])
def test_progress_is_reported_as_a_fraction(fake, client, scale):
    fake.pending_polls, fake.progress_scale = 3, scale
    seen = []
    run(fake, client, width=1024, height=768, hooks=Hooks(progress=seen.append))
    assert seen == pytest.approx([0.25, 0.5, 0.75])
    assert len(fake.polls) == 4


def test_polls_use_the_sleep_hook_and_interval(fake, client):
    fake.pending_polls = 2
    slept = []
    adapter(fake, client, poll_interval=0.25).generate(
        GenerationRequest("fox", "flux-pro-1.1", width=1024, height=768),
        spec_for("bfl", "flux-pro-1.1"), Hooks(sleep=slept.append))
    assert slept == [0.25, 0.25, 0.25]


def test_cancel_stops_before_the_next_poll(fake, client):
    fake.pending_polls = 50
    calls = iter([False, False, True])
    with pytest.raises(CancelledError):
        run(fake, client, width=1024, height=768, hooks=Hooks(cancelled=lambda: next(calls)))
    assert len(fake.polls) == 2


def test_gives_up_after_poll_timeout_as_passing(fake, client):
    fake.pending_polls = 10_000
    with pytest.raises(ProviderError) as caught:
        adapter(fake, client, poll_interval=0.01, poll_timeout=0.05).generate(
            GenerationRequest("fox", "flux-pro-1.1", width=1024, height=768), None, Hooks())
    assert not caught.value.permanent and caught.value.code == "timeout"


def test_short_poll_hiccups_are_ridden_out(fake, client):
    fake.fail_polls(fakes.server_error(503), fakes.rate_limited(), fakes.gateway_page())
    result = run(fake, client, width=1024, height=768)
    assert result.images[0].url and len(fake.polls) == 5


def test_persistent_poll_errors_fail_as_passing(fake, client):
    fake.fail_polls(*[fakes.server_error(503)] * 20)
    error = expect_error(fake, client)
    assert not error.permanent and error.status == 503 and error.request_id == "task-1"
    assert len(fake.polls) == 6


def test_poll_answer_without_status_is_a_hiccup(fake, client):
    fake.fail_polls(fakes.Reply(200, {"detail": "warming up"}))
    assert run(fake, client, width=1024, height=768).images[0].url
    fake.reset()
    fake.fail_polls(*[fakes.Reply(200, {"detail": "warming up"})] * 10)
    error = expect_error(fake, client)
    assert not error.permanent and error.code == "bad_response" and len(fake.polls) == 6


def test_key_rejected_while_polling_is_permanent(fake, client):
    fake.fail_polls(fakes.unauthorized(echo_key=API_KEY))
    error = expect_error(fake, client)
    assert error.permanent and error.status == 401 and len(fake.polls) == 1


def test_task_result_on_a_422_poll_is_read(fake, client):
    fake.pending_polls = 0
    fake.fail_polls(fakes.Reply(422, {"id": "task-1", "status": "Pending", "progress": 0.5}))
    seen = []
    run(fake, client, width=1024, height=768, hooks=Hooks(progress=seen.append))
    assert seen == [0.5] and len(fake.polls) == 2


# --- task failures ------------------------------------------------------------

@pytest.mark.parametrize("status,which", [("Request Moderated", "input"),
                                          ("Content Moderated", "output")])
def test_moderation_is_a_content_policy_refusal(fake, client, status, which):
    fake.outcome = status
    fake.details = {"Moderation Reasons": ["Derivative Works"]}
    error = expect_error(fake, client)
    assert isinstance(error, ContentPolicyError) and error.permanent
    assert str(error).startswith(f"The provider refused this prompt: {status} ({which}")
    assert "Derivative Works" in str(error)
    assert error.request_id == "task-1"


def test_task_error_is_permanent_and_says_why(fake, client):
    # BFL charged at submit: a retry could pay twice, so the user decides.
    fake.outcome, fake.details = "Error", {"error": "GPU worker crashed"}
    error = expect_error(fake, client)
    assert error.permanent and error.code == "task_error"
    assert "GPU worker crashed" in str(error)


def test_task_error_reason_from_the_error_field(fake, client):
    fake.outcome, fake.error = "Error", "Failed to generate image: prompt too long for this model"
    error = expect_error(fake, client)
    assert str(error) == ("BFL reported an error for task task-1: Failed to generate image: "
                          "prompt too long for this model")


def test_an_unknown_status_fails_at_once(fake, client):
    fake.outcome = "Exploded"
    error = expect_error(fake, client)
    assert error.permanent and error.code == "task_status"
    assert "unknown status 'Exploded'" in str(error)
    polls = [r for r in fake.requests if r.method == "GET"]
    assert len(polls) == 2  # one Pending, then the unknown status: no polling to the timeout


def test_task_not_found_is_permanent(fake, client):
    fake.outcome = "Task not found"
    error = expect_error(fake, client)
    assert error.permanent and error.code == "task_not_found"


def test_ready_without_sample_is_a_permanent_bad_response(fake, client):
    fake.pending_polls = 0
    fake.push(fakes.Reply(200, {"id": "task-1", "polling_url": f"{fake.url}/v1/get_result?id=x"}),
              fakes.Reply(200, {"id": "x", "status": "Ready", "result": {"seed": 1}}))
    error = expect_error(fake, client)
    assert error.permanent and error.code == "bad_response"


# --- polling URL trust ----------------------------------------------------------

def test_foreign_polling_url_is_refused_and_never_called(fake, client):
    fake.polling_base = "https://attacker.example"
    error = expect_error(fake, client)
    assert error.permanent and error.code == "bad_polling_url"
    assert "attacker.example" in str(error)
    assert fake.polls == []


@pytest.mark.parametrize("url,ok", [
    ("https://api.eu1.bfl.ai/v1/get_result?id=1", True),
    ("https://gateway.bfl.ai/v1/get_result?id=1", True),
    ("https://api.bfl.ml/v1/get_result?id=1", True),
    ("http://api.us1.bfl.ai/v1/get_result?id=1", False),   # key over plain http
    ("https://bfl.ai.attacker.com/v1/get_result", False),
    ("https://notbfl.ai/v1/get_result", False),
    ("https://proxy.local:8443/v1/get_result?id=1", True),  # the connection's own origin
    ("https://proxy.local:9999/v1/get_result?id=1", False),
])
def test_trusted_polling_hosts(url, ok):
    assert is_trusted_polling_host(httpx.URL(url), httpx.URL("https://proxy.local:8443")) is ok


def test_missing_polling_url_falls_back_to_get_result(fake, client):
    fake.push(fakes.Reply(200, {"id": "task-1"}))
    fake.tasks["task-1"] = {"model": "flux-pro-1.1", "body": {"prompt": "fox"}, "polls": 0,
                            "seed": 5}
    result = run(fake, client, width=1024, height=768)
    assert result.images[0].seed == 5 and fake.polls[0].query == {"id": ["task-1"]}


# --- submit errors -------------------------------------------------------------

def test_bad_key_is_permanent_and_never_echoed(fake, client):
    fake.push(fakes.unauthorized(echo_key=API_KEY))
    error = expect_error(fake, client)
    assert error.permanent and error.status == 401 and error.code == "auth"
    assert "Invalid API key" in str(error)


def test_validation_error_carries_the_field_and_message(fake, client):
    fake.push(fakes.validation_error("width", "Input should be a multiple of 32"))
    error = expect_error(fake, client)
    assert error.permanent and error.status == 422
    assert "width: Input should be a multiple of 32" in str(error)


def test_insufficient_credits_is_permanent(fake, client):
    fake.push(fakes.insufficient_credits())
    error = expect_error(fake, client)
    assert error.permanent and error.status == 402 and error.code == "insufficient_credits"
    assert "Insufficient credits" in str(error)


def test_rate_limit_is_passing_with_retry_after(fake, client):
    fake.push(fakes.rate_limited("7"))
    error = expect_error(fake, client)
    assert not error.permanent and error.retry_after == 7 and "active tasks" in str(error)


def test_rate_limit_retry_after_from_the_body(fake, client):
    fake.push(fakes.Reply(429, {"error": "rate_limit_exceeded", "message": "Slow down",
                                "retry_after": 5}))
    error = expect_error(fake, client)
    assert error.retry_after == 5 and "Slow down" in str(error)


@pytest.mark.parametrize("reply", [fakes.server_error(500), fakes.gateway_page()])
def test_server_errors_are_passing(fake, client, reply):
    fake.push(reply)
    error = expect_error(fake, client)
    assert not error.permanent and error.status in (500, 502)


def test_malformed_receipt_is_a_permanent_error(fake, client):
    fake.push(fakes.Reply(200, ["not", "an", "object"]))
    assert expect_error(fake, client).permanent
    fake.push(fakes.Reply(200, {"polling_url": f"{fake.url}/v1/get_result?id=1"}))
    assert expect_error(fake, client).code == "bad_response"


def test_html_success_page_is_passing(fake, client):
    fake.push(fakes.Reply(200, "<html>maintenance</html>", {"Content-Type": "text/html"}))
    assert not expect_error(fake, client).permanent


def test_network_failure_is_passing(client):
    a = BFLAdapter(Connection("bfl", "http://127.0.0.1:9", API_KEY), client)
    with pytest.raises(ProviderError) as caught:
        a.generate(GenerationRequest("fox", "flux-pro-1.1", width=1024, height=768), None, Hooks())
    assert not caught.value.permanent and API_KEY not in str(caught.value)


# --- check ----------------------------------------------------------------------

def test_check_reads_credits(fake, client):
    assert adapter(fake, client).check() == "The key works: 123.5 credits left."
    assert fake.requests[0].path == "/v1/credits" and fake.requests[0].method == "GET"
    assert fake.requests[0].headers["x-key"] == API_KEY


def test_check_with_a_bad_key(fake, client):
    with pytest.raises(ProviderError) as caught:
        adapter(fake, client, key="wrong-key-123").check()
    assert caught.value.permanent and "wrong-key-123" not in str(caught.value)


# --- catalog --------------------------------------------------------------------

def test_every_catalog_model_builds_with_sane_rules():
    specs = models_for("bfl")
    ids = {s.id for s in specs}
    assert {"flux-pro-1.1", "flux-dev", "flux-pro-1.1-ultra", "flux-kontext-pro",
            "flux-kontext-max", "flux-2-pro", "flux-2-pro-preview", "flux-2-max", "flux-2-flex",
            "flux-2-klein-4b", "flux-2-klein-9b", "flux-2-klein-9b-preview", "flux-pro"} <= ids
    for spec in specs:
        assert spec.label and spec.latency_s > 0 and spec.max_n == 1, spec.id
        assert "10 minutes" in spec.notes
        assert "negative_prompt" not in spec.params and "seed" in spec.params
        safety = spec.params["safety_tolerance"]
        assert safety.max == (5 if spec.id.startswith("flux-2") else 6), spec.id
        assert set(spec.params) <= fakes.ACCEPTS[spec.id], spec.id
        if isinstance(spec.size, SizeRange):
            assert spec.size.check(*spec.size.default) == [], spec.id
            assert spec.size.multiple == (16 if spec.id.startswith("flux-2") else 32)
        elif spec.id == "flux-pro-1.0-fill":  # sized by its input image
            assert spec.size.sizes == ("auto",)
        else:
            assert isinstance(spec.size, AspectRatios) and spec.size.default in spec.size.ratios
    assert spec_for("bfl", "flux-2-pro").size.check(2048, 2048) == []
    assert spec_for("bfl", "flux-2-pro").size.check(2560, 2048) != []
    # BFL's price list: FLUX.2 [pro] 3 credits for the first megapixel; FLUX1.1 [pro] $0.04.
    assert spec_for("bfl", "flux-2-pro").price == Decimal("0.03")
    assert spec_for("bfl", "flux-2-pro").pricing["credits_per_mp"] == 1.5
    assert spec_for("bfl", "flux-pro-1.1").price == Decimal("0.04")
