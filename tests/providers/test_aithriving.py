"""aithriving adapter against its fake: the request sent, the reply read, each failure."""
from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from providers.aithriving import AithrivingAdapter
from providers.base import (
    Connection, ContentPolicyError, GenerationRequest, Hooks, ProviderError,
)
from providers.catalog import models_for
from providers.rules import SizeRange
from tests.fakes.aithriving import (
    PATH, FakeAithriving, failure, gateway_page, rate_limited, server_error,
)
from tests.fakes.base import Reply, png_bytes
from tests.fakes.fixtures import fake_fixtures

MODEL = "stable-diffusion-v1-6"


server, fake = fake_fixtures(lambda: FakeAithriving())


def adapter(fake, client, key=FakeAithriving.api_key) -> AithrivingAdapter:
    return AithrivingAdapter(Connection("aithriving", fake.url, key), client)


def generate(fake, client, **fields):
    fields = {"prompt": "A lighthouse on a cliff", "model": MODEL, "width": 512,
              "height": 768, **fields}
    spec = models_for("aithriving")[0]
    return adapter(fake, client).generate(GenerationRequest(**fields), spec, Hooks())


def error_from(fake, client, *replies) -> ProviderError:
    fake.push(*replies)
    with pytest.raises(ProviderError) as info:
        generate(fake, client)
    assert FakeAithriving.api_key not in str(info.value)
    return info.value


# --- the request --------------------------------------------------------------

def test_sends_every_chosen_field_with_the_bare_key(fake, client):
    generate(fake, client, seed=42, steps=20, guidance=7.0, sampler="K_EULER",
             style_preset="anime", extras={"clip_guidance_preset": "FAST_BLUE"})
    (req,) = fake.requests
    assert (req.method, req.path) == ("POST", PATH)
    assert req.headers["authorization"] == FakeAithriving.api_key  # no "Bearer"
    assert req.headers["content-type"] == "application/json"
    assert req.headers["accept"] == "application/json"
    assert req.json == {
        "prompt": "A lighthouse on a cliff", "width": 512, "height": 768, "cfg_scale": 7,
        "seed": 42, "steps": 20, "sampler": "K_EULER", "style_preset": "anime",
        "clip_guidance_preset": "FAST_BLUE",
    }
    assert isinstance(req.json["cfg_scale"], int)


def test_leaves_unchosen_fields_to_the_provider(fake, client):
    generate(fake, client)
    assert fake.requests[0].json == {"prompt": "A lighthouse on a cliff", "width": 512,
                                     "height": 768}


def test_never_sends_a_model_field_or_negative_prompt(fake, client):
    generate(fake, client, negative_prompt="fog")
    assert set(fake.requests[0].json) == {"prompt", "width", "height"}


def test_refuses_a_request_without_size_before_calling(fake, client):
    with pytest.raises(ProviderError) as info:
        generate(fake, client, width=None, height=None)
    assert info.value.permanent and not fake.requests


# --- the answer ---------------------------------------------------------------

def test_decodes_the_base64_image_and_reads_the_seed(fake, client):
    result = generate(fake, client, seed=42)
    (image,) = result.images
    picture = Image.open(io.BytesIO(image.data))
    assert picture.format == "PNG" and picture.size == (512 // 8, 768 // 8)
    assert image.url is None and image.seed == 42
    assert result.request_id == "req-aith-1"


def test_random_seed_is_reported(fake, client):
    assert generate(fake, client).images[0].seed == FakeAithriving.seed


def test_accepts_a_data_url_prefix(fake, client):
    encoded = base64.b64encode(png_bytes(8, 8)).decode()
    fake.push(Reply(200, {"code": 0, "message": "success",
                          "data": {"image": "data:image/png;base64," + encoded, "seed": 5}}))
    assert Image.open(io.BytesIO(generate(fake, client).images[0].data)).size == (8, 8)


@pytest.mark.parametrize("data", [
    {"image": "not base64 at all!", "seed": 1},
    {"image": base64.b64encode(b"hello, not a picture").decode(), "seed": 1},
    {"image": "", "seed": 1},
    {"seed": 1},
])
def test_a_broken_image_is_a_permanent_error(fake, client, data):
    error = error_from(fake, client, Reply(200, {"code": 0, "message": "success", "data": data}))
    assert error.permanent and error.code == "bad_response"


def test_success_without_data_is_a_permanent_error(fake, client):
    error = error_from(fake, client, Reply(200, {"code": 0, "message": "success"}))
    assert error.permanent and error.code == "bad_response"


# --- failures -----------------------------------------------------------------

def test_code_minus_one_on_200_is_permanent_with_the_reason(fake, client):
    error = error_from(fake, client, failure("Prompt too long"))
    assert error.permanent and error.code == "invalid" and error.status == 200
    assert "Prompt too long" in str(error)


def test_the_fake_refuses_bad_sizes_and_the_adapter_says_why(fake, client):
    with pytest.raises(ProviderError) as info:
        generate(fake, client, width=500)
    assert info.value.permanent and "divisible by 64" in str(info.value)


@pytest.mark.parametrize("reason", ["Server busy, please try again later",
                                    "Generation timed out", "Service temporarily unavailable"])
def test_a_reason_that_will_pass_is_retried(fake, client, reason):
    error = error_from(fake, client, failure(reason))
    assert not error.permanent and reason in str(error)


def test_a_wrong_key_is_permanent(fake, client):
    with pytest.raises(ProviderError) as info:
        AithrivingAdapter(Connection("aithriving", fake.url, "wrong-key-999"), client).generate(
            GenerationRequest(prompt="x", model=MODEL, width=512, height=512), None, Hooks())
    assert info.value.permanent and info.value.code == "auth"
    assert "Invalid API key" in str(info.value) and "wrong-key-999" not in str(info.value)


def test_401_is_permanent_and_the_key_is_redacted(fake, client):
    error = error_from(fake, client, failure(f"Bad key {FakeAithriving.api_key}", 401))
    assert error.permanent and error.code == "auth" and error.status == 401


def test_no_credits_is_permanent(fake, client):
    error = error_from(fake, client, failure("Insufficient credits"))
    assert error.permanent and error.code == "quota"


def test_a_refused_prompt_is_a_content_policy_error(fake, client):
    error = error_from(fake, client, failure("NSFW content detected"))
    assert isinstance(error, ContentPolicyError) and error.permanent
    assert "NSFW content detected" in str(error)


def test_400_with_a_reason_is_read_like_code_minus_one(fake, client):
    error = error_from(fake, client, failure("steps must be in [10, 50]", 400))
    assert error.permanent and error.status == 400 and "steps must be" in str(error)


def test_429_is_passing_with_retry_after(fake, client):
    error = error_from(fake, client, rate_limited("5"))
    assert not error.permanent and error.retry_after == 5 and error.code == "rate_limit"


def test_500_is_passing(fake, client):
    error = error_from(fake, client, server_error())
    assert not error.permanent and "Internal server error" in str(error)


def test_an_html_gateway_page_is_passing(fake, client):
    assert not error_from(fake, client, gateway_page(502)).permanent


def test_an_html_page_on_200_is_passing_and_names_the_base_url(fake, client):
    error = error_from(fake, client, gateway_page(200))
    assert not error.permanent and "base URL" in str(error) and error.code == "bad_response"


def test_other_text_on_200_is_permanent(fake, client):
    error = error_from(fake, client, Reply(200, "OK"))
    assert error.permanent and "'OK'" in str(error)


# --- check --------------------------------------------------------------------

def test_check_sends_an_empty_body_and_reports_what_it_proves(fake, client):
    text = adapter(fake, client).check()
    (req,) = fake.requests
    assert (req.method, req.path, req.json) == ("POST", PATH, {})
    assert "did not reject the key" in text and "prompt is required" in text


def test_check_with_a_wrong_key_raises_auth(fake, client):
    with pytest.raises(ProviderError) as info:
        adapter(fake, client, key="wrong-key-999").check()
    assert info.value.permanent and info.value.code == "auth"


@pytest.mark.parametrize("website", [False, True])
def test_check_with_a_wrong_base_url_raises(fake, client, website):
    fake.website = website  # a 404, or the website's page with 200 (passing: it may be a proxy)
    conn = Connection("aithriving", fake.url + "/wrong", FakeAithriving.api_key)
    with pytest.raises(ProviderError) as info:
        AithrivingAdapter(conn, client).check()
    assert info.value.permanent != website and "base URL" in str(info.value)


def test_check_during_an_outage_is_passing(fake, client):
    fake.push(server_error())
    with pytest.raises(ProviderError) as info:
        adapter(fake, client).check()
    assert not info.value.permanent


# --- catalog ------------------------------------------------------------------

def test_catalog_entry_builds_with_the_documented_rules():
    (spec,) = models_for("aithriving")
    assert spec.id == MODEL and spec.label == "Stable Diffusion 1.6 (aithriving)"
    assert spec.max_n == 1 and spec.latency_s > 0 and not spec.needs_image
    assert isinstance(spec.size, SizeRange)
    assert (spec.size.min, spec.size.max, spec.size.multiple) == (320, 1536, 64)
    assert spec.size.check(*spec.size.default) == []
    assert (spec.params["steps"].min, spec.params["steps"].max) == (10, 50)
    assert (spec.params["guidance"].min, spec.params["guidance"].max) == (0, 35)
    assert set(spec.params) == {"seed", "steps", "guidance", "sampler", "style_preset",
                                "clip_guidance_preset"}
    assert "credits" in spec.notes
