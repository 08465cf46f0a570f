"""OpenAIAdapter against a fake OpenAI: what is sent, how answers are read, check()."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from providers.base import CancelledError, Connection, GenerationRequest, Hooks
from providers.catalog import spec_for
from providers.openai import OpenAIAdapter
from tests.fakes.openai import API_KEY, FakeOpenAI
from tests.fakes.fixtures import fake_fixtures
from tests.providers.helpers import generate


server, fake = fake_fixtures(lambda: FakeOpenAI("openai"))


def run(fake, client, model, options=None, **fields):
    adapter = OpenAIAdapter(Connection("openai", fake.base_url, API_KEY, options or {}), client)
    return generate(adapter, model, **fields)


def assert_png(data: bytes):
    with Image.open(io.BytesIO(data)) as image:
        image.verify()
        assert image.format == "PNG"


def sent(fake):
    (req,) = fake.requests
    assert req.method == "POST"
    assert req.path == "/v1/images/generations"
    assert req.headers["authorization"] == f"Bearer {API_KEY}"
    assert req.headers["content-type"] == "application/json"
    return req.json


def test_gpt_image_body_usage_and_request_id(fake, client):
    result = run(fake, client, "gpt-image-2.5-sunburst", size="1536x1024", width=1536, height=1024,
                 quality="high")
    assert sent(fake) == {"model": "gpt-image-2.5-sunburst", "prompt": "a red fox",
                          "size": "1536x1024", "quality": "high"}
    (image,) = result.images
    assert image.url is None and image.data == fake.image
    assert_png(image.data)
    assert result.request_id == "req_1"
    # High quality at 1.5× the pixels of 1024²: 1.5 × 7,033 output image tokens.
    assert result.usage["output_tokens_details"] == {"image_tokens": 10550, "text_tokens": 0}
    assert result.cost is None  # OpenAI reports tokens, not money


def test_fields_the_model_does_not_take_are_never_sent(fake, client):
    # The form would not set these for a GPT image model; the adapter drops them anyway.
    run(fake, client, "gpt-image-2.6-flare", size="1024x1024", seed=7, steps=30, guidance=5.0,
        negative_prompt="blur", output_format="png", extras={"complexity": "low", "raw": True})
    assert sent(fake) == {"model": "gpt-image-2.6-flare", "prompt": "a red fox",
                          "size": "1024x1024", "output_format": "png", "complexity": "low"}


def test_several_images_in_one_call(fake, client):
    result = run(fake, client, "gpt-image-2", size="1024x1024", n=3, quality="low")
    assert sent(fake)["n"] == 3
    assert len(result.images) == 3
    for image in result.images:
        assert_png(image.data)
    assert result.usage["output_tokens"] == 3 * 200  # three low-quality 1024² images


def test_url_answers_when_the_connection_asks_for_them(fake, client):
    adapter = OpenAIAdapter(Connection("openai-compatible", fake.base_url, API_KEY,
                                       {"response_format": "url"}), client)
    result = adapter.generate(GenerationRequest(prompt="a red fox", model="flux-dev",
                                                size="1024x1024"), None, Hooks())
    assert sent(fake)["response_format"] == "url"
    (image,) = result.images
    assert image.data is None
    assert image.url.startswith(fake.url + "/files/")
    assert client.get(image.url).content == fake.image  # the caller can download it


@pytest.mark.parametrize("model", ["gpt-image-2", "gpt-image-2.5-flare", "gpt-image-2.6-sunburst"])
def test_gpt_image_body_never_has_response_format(fake, client, model):
    result = run(fake, client, model, size="1536x1024", width=1536, height=1024, n=2,
                 quality="high", output_format="webp",
                 extras={"output_compression": 60, "background": "opaque", "moderation": "low"})
    assert sent(fake) == {"model": model, "prompt": "a red fox", "n": 2, "size": "1536x1024",
                          "quality": "high", "output_format": "webp", "output_compression": 60,
                          "background": "opaque", "moderation": "low"}
    assert len(result.images) == 2
    assert all(image.data == fake.image for image in result.images)
    assert result.usage["output_tokens"] == 2 * 10550
    assert result.usage["input_tokens_details"] == {"text_tokens": 2, "image_tokens": 0}
    assert result.cost is None


def test_gpt_image_auto_size(fake, client):
    run(fake, client, "gpt-image-2", size="auto")
    assert sent(fake) == {"model": "gpt-image-2", "prompt": "a red fox", "size": "auto"}


def test_compression_is_dropped_for_png(fake, client):
    # OpenAI refuses compression below 100 for PNG, the default format.
    run(fake, client, "gpt-image-2", size="1024x1024", extras={"output_compression": 50})
    assert "output_compression" not in sent(fake)


def test_connection_response_format_never_reaches_gpt_image(fake, client):
    run(fake, client, "gpt-image-2", {"response_format": "url"}, size="1024x1024")
    assert "response_format" not in sent(fake)


def test_gpt_image_2_free_size_becomes_a_size_string(fake, client):
    run(fake, client, "gpt-image-2", width=2048, height=1152, quality="low")
    assert sent(fake) == {"model": "gpt-image-2", "prompt": "a red fox", "size": "2048x1152",
                          "quality": "low"}


def test_gpt_image_2_size_rule():
    spec = spec_for("openai", "gpt-image-2")
    ok = {"prompt": "x", "n": 1, "width": 3840, "height": 2160}
    assert spec.check(ok) == []
    assert spec.check({**ok, "width": 3850}) != []        # not a multiple of 16, too wide
    assert spec.check({**ok, "width": 3840, "height": 1200})[0].code == "aspect"  # 3.2:1
    assert spec.check({**ok, "width": 3840, "height": 3840})[0].code == "megapixels"


def test_organization_and_project_headers(fake, client):
    run(fake, client, "gpt-image-2", {"organization": "org-1", "project": "proj-1"},
        size="auto")
    (req,) = fake.requests
    assert req.headers["openai-organization"] == "org-1"
    assert req.headers["openai-project"] == "proj-1"


def test_cancelled_before_sending(fake, client):
    adapter = OpenAIAdapter(Connection("openai", fake.base_url, API_KEY), client)
    request = GenerationRequest(prompt="x", model="gpt-image-2", size="auto")
    with pytest.raises(CancelledError):
        adapter.generate(request, spec_for("openai", "gpt-image-2"), Hooks(cancelled=lambda: True))
    assert fake.requests == []


def test_check_counts_the_models_the_key_sees(fake, client):
    message = OpenAIAdapter(Connection("openai", fake.base_url, API_KEY), client).check()
    (req,) = fake.requests
    assert (req.method, req.path) == ("GET", "/v1/models")
    assert req.headers["authorization"] == f"Bearer {API_KEY}"
    assert "sees 10 models" in message
    assert "8 of the 15 catalog models" in message  # the 7 shut-down ones are gone
