"""The Stability adapter against a fake Stability server over real HTTP."""
from __future__ import annotations

import base64
import io
import json

import pytest
from PIL import Image

from providers.base import Connection, ContentPolicyError, GenerationRequest, Hooks, ProviderError
from providers.catalog import models_for
from providers.rules import AspectRatios, SizeList, SizeRange
from providers.stability import StabilityAdapter, route
from tests.fakes import stability as fakes
from tests.fakes.stability import API_KEY, IMAGE_BYTES, FakeStability
from tests.fakes.fixtures import fake_fixtures
from tests.providers.helpers import generate

SDXL = "stable-diffusion-xl-1024-v1-0"


server, fake = fake_fixtures(lambda: FakeStability())


def adapter(fake, client, key=API_KEY):
    return StabilityAdapter(Connection("stability", fake.url, key), client)


def run(fake, client, model="core", prompt="a lighthouse", **fields):
    return generate(adapter(fake, client), model, prompt=prompt, **fields)


def expect_error(fake, client, model="core", **fields) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        run(fake, client, model, **fields)
    assert API_KEY not in str(caught.value)
    return caught.value


def is_image(data: bytes) -> bool:
    Image.open(io.BytesIO(data)).verify()
    return True


def test_routes():
    assert route("ultra") == ("v2beta", "/v2beta/stable-image/generate/ultra", None)
    assert route("sd3.5-flash") == ("v2beta", "/v2beta/stable-image/generate/sd3", "sd3.5-flash")
    assert route(SDXL) == ("v1", f"/v1/generation/{SDXL}/text-to-image", None)


# --- v2beta: what is sent ------------------------------------------------------

def test_core_sends_multipart_fields_with_bearer_and_image_accept(fake, client):
    run(fake, client, "core", aspect_ratio="16:9", negative_prompt="fog", seed=12,
        output_format="webp", style_preset="cinematic", guidance=5.0, steps=30)
    sent = fake.requests[0]
    assert (sent.method, sent.path) == ("POST", "/v2beta/stable-image/generate/core")
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"
    assert sent.headers["accept"] == "image/*"
    assert sent.headers["content-type"].startswith("multipart/form-data; boundary=")
    # guidance and steps are not taken by core and must not be sent
    assert sent.form() == {"prompt": "a lighthouse", "negative_prompt": "fog",
                           "aspect_ratio": "16:9", "seed": "12", "output_format": "webp",
                           "style_preset": "cinematic"}


def test_text_only_request_is_still_multipart(fake, client):
    run(fake, client, "ultra", aspect_ratio="1:1")
    sent = fake.requests[0]
    assert sent.headers["content-type"].startswith("multipart/form-data")
    assert b'filename=' not in sent.body  # plain fields, no fake file part
    assert sent.form() == {"prompt": "a lighthouse", "aspect_ratio": "1:1"}


def test_sd3_sends_model_and_cfg_scale(fake, client):
    run(fake, client, "sd3.5-large", aspect_ratio="9:21", guidance=6.5, negative_prompt="rain")
    sent = fake.requests[0]
    assert sent.path == "/v2beta/stable-image/generate/sd3"
    assert sent.form() == {"prompt": "a lighthouse", "model": "sd3.5-large",
                           "negative_prompt": "rain", "aspect_ratio": "9:21", "cfg_scale": "6.5"}


def test_turbo_never_sends_a_negative_prompt(fake, client):
    run(fake, client, "sd3.5-large-turbo", aspect_ratio="1:1", negative_prompt="rain")
    assert "negative_prompt" not in fake.requests[0].form()


# --- v2beta: how answers are read -----------------------------------------------

def test_raw_bytes_answer_with_seed_and_request_id(fake, client):
    result = run(fake, client, "ultra", aspect_ratio="1:1")
    [image] = result.images
    assert image.data == IMAGE_BYTES and is_image(image.data) and image.url is None
    assert image.seed == 31337
    assert result.request_id == "req-1"
    assert result.usage == {"finish_reason": "SUCCESS"}


def test_json_answer_is_decoded(fake, client):
    fake.push(fakes.Reply(200, json.dumps({"image": base64.b64encode(IMAGE_BYTES).decode(),
                                           "seed": 77, "finish_reason": "SUCCESS"}).encode(),
                          {"Content-Type": "application/json; type=image/png"}))
    image = run(fake, client, "core", aspect_ratio="1:1").images[0]
    assert image.data == IMAGE_BYTES and image.seed == 77


def test_content_filtered_bytes_are_refused(fake, client):
    fake.finish_reason = "CONTENT_FILTERED"
    error = expect_error(fake, client, aspect_ratio="1:1")
    assert isinstance(error, ContentPolicyError) and error.permanent
    assert str(error).startswith("The provider refused this prompt: CONTENT_FILTERED")
    assert error.request_id == "req-1"


def test_content_filtered_json_is_refused(fake, client):
    fake.push(fakes.Reply(200, json.dumps({"image": "", "finish_reason": "CONTENT_FILTERED"})
                          .encode(), {"Content-Type": "application/json; type=image/png"}))
    assert isinstance(expect_error(fake, client, aspect_ratio="1:1"), ContentPolicyError)


def test_input_moderation_is_a_content_policy_refusal(fake, client):
    fake.push(fakes.content_moderation())
    error = expect_error(fake, client, aspect_ratio="1:1")
    assert isinstance(error, ContentPolicyError) and error.status == 403
    assert "flagged by our content moderation system" in str(error)


def test_public_figure_is_a_content_policy_refusal(fake, client):
    fake.push(fakes.v2_error(422, "public_figure", "Public figures may not be generated."))
    assert isinstance(expect_error(fake, client, aspect_ratio="1:1"), ContentPolicyError)


def test_invalid_language_is_permanent(fake, client):
    fake.push(fakes.v2_error(422, "invalid_language",
                             "English is the only supported language for this service."))
    error = expect_error(fake, client, aspect_ratio="1:1")
    assert error.permanent and error.code == "invalid" and "English is the only" in str(error)


def test_bad_request_carries_the_errors(fake, client):
    fake.push(fakes.v2_error(400, "bad_request", "aspect_ratio: must be one of 16:9, 1:1"))
    error = expect_error(fake, client, aspect_ratio="1:1")
    assert error.permanent and error.status == 400 and "aspect_ratio: must be one of" in str(error)


def test_bad_key(fake, client):
    with pytest.raises(ProviderError) as caught:
        adapter(fake, client, key="sk-wrong-key-0001").generate(
            GenerationRequest("x", "core", aspect_ratio="1:1"), None, Hooks())
    error = caught.value
    assert error.permanent and error.status == 401 and error.code == "auth"
    assert "sk-wrong-key-0001" not in str(error) and "bad or missing API key" in str(error)


def test_rate_limit_waits_the_documented_minute(fake, client):
    fake.push(fakes.rate_limited())
    error = expect_error(fake, client, aspect_ratio="1:1")
    assert not error.permanent and error.retry_after == 60 and "150 requests" in str(error)
    fake.push(fakes.rate_limited(retry_after="12"))
    assert expect_error(fake, client, aspect_ratio="1:1").retry_after == 12


def test_server_error_is_passing(fake, client):
    fake.push(fakes.server_error())
    error = expect_error(fake, client, aspect_ratio="1:1")
    assert not error.permanent and error.status == 500 and "unexpected server error" in str(error)


def test_html_gateway_page_is_passing(fake, client):
    fake.push(fakes.Reply(200, "<html>502 Bad Gateway</html>", {"Content-Type": "text/html"}))
    assert not expect_error(fake, client, aspect_ratio="1:1").permanent


def test_wrong_shape_is_permanent(fake, client):
    fake.push(fakes.Reply(200, {"unexpected": True}, {"Content-Type": "application/json"}))
    assert expect_error(fake, client, aspect_ratio="1:1").permanent


def test_key_echoed_by_the_server_is_redacted(fake, client):
    fake.push(fakes.v2_error(400, "bad_request", f"authorization: Bearer {API_KEY} is malformed"))
    assert "malformed" in str(expect_error(fake, client, aspect_ratio="1:1"))


# --- v1 ------------------------------------------------------------------------

def test_v1_sends_json_with_weighted_prompts(fake, client):
    run(fake, client, SDXL, size="1216x832", width=1216, height=832, n=2, seed=5, steps=40,
        guidance=9.0, sampler="K_EULER", style_preset="anime", negative_prompt="text",
        extras={"clip_guidance_preset": "FAST_BLUE"})
    sent = fake.requests[0]
    assert (sent.method, sent.path) == ("POST", f"/v1/generation/{SDXL}/text-to-image")
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["accept"] == "application/json"
    assert sent.json == {
        "text_prompts": [{"text": "a lighthouse", "weight": 1.0}, {"text": "text", "weight": -1.0}],
        "width": 1216, "height": 832, "samples": 2, "cfg_scale": 9.0, "steps": 40,
        "sampler": "K_EULER", "style_preset": "anime", "seed": 5,
        "clip_guidance_preset": "FAST_BLUE"}


def test_v1_minimal_body_and_size_from_the_list(fake, client):
    run(fake, client, SDXL, size="640x1536")
    assert fake.requests[0].json == {"text_prompts": [{"text": "a lighthouse", "weight": 1.0}],
                                     "width": 640, "height": 1536, "samples": 1}


def test_v1_artifacts_are_decoded_with_seeds(fake, client):
    result = run(fake, client, SDXL, size="1024x1024", n=3, seed=100)
    assert [i.seed for i in result.images] == [100, 101, 102]
    assert all(i.data == IMAGE_BYTES and is_image(i.data) for i in result.images)
    assert result.request_id == "req-1"
    assert result.usage == {"samples": 3, "filtered": 0, "failed": 0}


def test_v1_filtered_samples_are_dropped(fake, client):
    fake.v1_finish_reasons = ["SUCCESS", "CONTENT_FILTERED"]
    result = run(fake, client, SDXL, size="1024x1024", n=4, seed=1)
    assert [i.seed for i in result.images] == [1, 3]
    assert result.usage == {"samples": 4, "filtered": 2, "failed": 0}


def test_v1_all_filtered_is_a_content_policy_refusal(fake, client):
    fake.v1_finish_reasons = ["CONTENT_FILTERED"]
    error = expect_error(fake, client, SDXL, size="1024x1024", n=2)
    assert isinstance(error, ContentPolicyError)


def test_v1_all_failed_is_passing(fake, client):
    fake.v1_finish_reasons = ["ERROR"]
    error = expect_error(fake, client, SDXL, size="1024x1024")
    assert not error.permanent and "ERROR" in str(error)


def test_v1_bad_base64_is_permanent(fake, client):
    fake.push(fakes.Reply(200, {"artifacts": [{"base64": "not base64!", "seed": 1,
                                               "finishReason": "SUCCESS"}]}))
    assert expect_error(fake, client, SDXL, size="1024x1024").code == "bad_response"


def test_v1_filtered_words_are_a_content_policy_refusal(fake, client):
    fake.push(fakes.v1_error(400, "invalid_prompts", "One or more prompts contains filtered words."))
    error = expect_error(fake, client, SDXL, size="1024x1024")
    assert isinstance(error, ContentPolicyError) and "filtered words" in str(error)


def test_v1_dimension_error_carries_the_message(fake, client):
    error = expect_error(fake, client, SDXL, width=512, height=512)
    assert error.permanent and "but we received 512x512" in str(error)


def test_v1_unknown_engine_is_permanent(fake, client):
    error = expect_error(fake, client, "some-fake-engine", width=512, height=512)
    assert error.permanent and error.status == 404
    assert "The specified engine (ID some-fake-engine) was not found." in str(error)


def test_v1_legacy_engine_with_free_size(fake, client):
    result = run(fake, client, "stable-diffusion-v1-6", width=768, height=512)
    assert fake.requests[0].json["width"] == 768 and len(result.images) == 1


# --- check -----------------------------------------------------------------------

def test_check_reads_the_balance(fake, client):
    assert adapter(fake, client).check() == "The key works: 42.5 credits left."
    sent = fake.requests[0]
    assert (sent.method, sent.path) == ("GET", "/v1/user/balance")
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"


def test_check_with_a_bad_key(fake, client):
    with pytest.raises(ProviderError) as caught:
        adapter(fake, client, key="sk-wrong-key-0001").check()
    assert caught.value.permanent and "sk-wrong-key-0001" not in str(caught.value)


# --- catalog ---------------------------------------------------------------------

def test_every_catalog_model_builds_with_sane_rules():
    # The edit and upscale endpoints have their own tests (test_stability_edits.py).
    specs = {s.id: s for s in models_for("stability") if route(s.id)[0] != "edit"}
    assert {"ultra", "core", "sd3.5-large", "sd3.5-large-turbo", "sd3.5-medium", "sd3.5-flash",
            *fakes.V1_ENGINES} == set(specs)
    for spec in specs.values():
        protocol, _, _ = route(spec.id)
        assert spec.label and spec.latency_s > 0, spec.id
        assert "seed" in spec.params and spec.params["seed"].min == 0
        if protocol == "v2beta":
            assert spec.max_n == 1 and isinstance(spec.size, AspectRatios)
            assert spec.size.default in spec.size.ratios and spec.price is not None
            wire = {"guidance": "cfg_scale"}
            endpoint = "sd3" if spec.id.startswith("sd3") else spec.id
            assert {wire.get(p, p) for p in spec.params} <= fakes.V2_ACCEPTS[endpoint], spec.id
        else:
            assert spec.max_n == 10 and spec.price is None
            assert "clip_guidance_preset" in spec.params and spec.params["steps"].min == 10
            if isinstance(spec.size, SizeList):
                assert {tuple(map(int, s.split("x"))) for s in spec.size.sizes} == fakes.SDXL_SIZES
            else:
                assert isinstance(spec.size, SizeRange)
                assert spec.size.check(*spec.size.default) == []
                assert spec.size.min * spec.size.min >= 262_144
    assert "negative_prompt" not in specs["sd3.5-large-turbo"].params
    assert str(specs["ultra"].price) == "0.08" and str(specs["sd3.5-flash"].price) == "0.025"
    assert specs["stable-diffusion-768-v2-1"].size.check(768, 1344) == []
    assert specs["stable-diffusion-768-v2-1"].size.check(1024, 1088) != []
