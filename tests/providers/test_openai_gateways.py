"""OpenAIAdapter for the gateways: APIYI, APIpie, AIGC and generic OpenAI-compatible ones."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from PIL import Image

from providers.base import ContentPolicyError, Connection, GenerationRequest, Hooks, ProviderError
from providers.catalog import spec_for
from providers.openai import OpenAIAdapter
from providers.rules import ModelSpec
from tests.fakes.base import Reply
from tests.fakes.openai import API_KEY, FakeOpenAI, apipie_error


@pytest.fixture(scope="module")
def servers():
    fakes = {kind: FakeOpenAI(kind).start()
             for kind in ("apiyi", "apipie", "aigc", "openai-compatible")}
    yield fakes
    for fake in fakes.values():
        fake.stop()


def gateway(servers, kind):
    fake = servers[kind]
    fake.reset()
    return fake


def run(fake, client, model, spec=None, options=None, **fields):
    kind = fake.kind
    adapter = OpenAIAdapter(Connection(kind, fake.base_url, API_KEY, options or {}), client)
    request = GenerationRequest(prompt=fields.pop("prompt", "a red fox"), model=model, **fields)
    return adapter.generate(request, spec or spec_for(kind, model), Hooks())


def sent(fake):
    (req,) = fake.requests
    assert (req.method, req.path) == ("POST", "/v1/images/generations")
    assert req.headers["authorization"] == f"Bearer {API_KEY}"
    assert req.headers["content-type"] == "application/json"
    return req.json


# --- APIYI ----------------------------------------------------------------------

def test_apiyi_flex_sends_bfl_native_fields(servers, client):
    fake = gateway(servers, "apiyi")
    result = run(fake, client, "flux-2-flex", width=1920, height=1088, seed=42, steps=30,
                 guidance=6.5, output_format="png",
                 extras={"safety_tolerance": 3, "prompt_upsampling": True})
    assert sent(fake) == {"model": "flux-2-flex", "prompt": "a red fox", "width": 1920,
                          "height": 1088, "seed": 42, "steps": 30, "guidance": 6.5,
                          "output_format": "png", "safety_tolerance": 3,
                          "prompt_upsampling": True}
    (image,) = result.images
    assert image.data is None and image.url.startswith(fake.url + "/files/")
    assert image.seed == 42  # echoed: APIYI does not return it
    assert result.request_id == "req_1"
    assert result.usage == {} and result.cost is None


def test_apiyi_klein_never_gets_upsampling_steps_or_guidance(servers, client):
    fake = gateway(servers, "apiyi")
    run(fake, client, "flux-2-klein-4b", width=1024, height=1024, steps=30, guidance=3.0,
        extras={"prompt_upsampling": True})
    assert sent(fake) == {"model": "flux-2-klein-4b", "prompt": "a red fox", "width": 1024,
                          "height": 1024}


def test_apiyi_url_expires(servers, client):
    fake = gateway(servers, "apiyi")
    url = run(fake, client, "flux-2-pro", width=1024, height=1024).images[0].url
    assert client.get(url).status_code == 200
    fake.expire_files()
    assert client.get(url).status_code == 404


def test_apiyi_bad_size_is_permanent(servers, client):
    fake = gateway(servers, "apiyi")
    fake.push(Reply(400, {"error": {"message": "width must be a multiple of 16",
                                    "type": "invalid_request_error", "code": "invalid_value"}}))
    with pytest.raises(ProviderError) as info:
        run(fake, client, "flux-2-pro", width=1000, height=1024)
    assert info.value.permanent and "multiple of 16" in str(info.value)


# --- APIpie ---------------------------------------------------------------------

def test_apipie_provider_usage_and_cost(servers, client):
    fake = gateway(servers, "apipie")
    result = run(fake, client, "dall-e-3", options={"provider": "openai"}, size="1792x1024",
                 width=1792, height=1024, quality="hd", style="vivid")
    assert sent(fake) == {"model": "dall-e-3", "prompt": "a red fox", "provider": "openai",
                          "size": "1792x1024", "quality": "hd", "style": "vivid",
                          "response_format": "b64_json"}
    (image,) = result.images
    with Image.open(io.BytesIO(image.data)) as picture:
        picture.verify()
    assert image.revised_prompt == "A detailed rendering of a red fox"
    assert result.cost == Decimal("0.04")
    assert result.usage == {"cost": 0.04, "latency_ms": 4521, "image_size": "1792x1024",
                            "model_used": "dall-e-3"}


def test_apipie_without_provider_lets_the_gateway_choose(servers, client):
    fake = gateway(servers, "apipie")
    result = run(fake, client, "stable-diffusion-3", options={"response_format": "url"},
                 size="1024x1024", quality="hd")
    assert sent(fake) == {"model": "stable-diffusion-3", "prompt": "a red fox",
                          "size": "1024x1024", "response_format": "url"}
    assert result.images[0].url.startswith(fake.url + "/files/")


def test_apipie_content_policy(servers, client):
    fake = gateway(servers, "apipie")
    with pytest.raises(ContentPolicyError) as info:
        run(fake, client, "dall-e-2", size="512x512", prompt="something forbidden")
    assert "violates our content policy" in str(info.value)


def test_apipie_rate_limit(servers, client):
    fake = gateway(servers, "apipie")
    fake.push(apipie_error(429, "rate_limit_exceeded", "You have exceeded your rate limit.",
                           headers={"Retry-After": "3"}))
    with pytest.raises(ProviderError) as info:
        run(fake, client, "dall-e-2", size="512x512")
    assert not info.value.permanent and info.value.retry_after == 3.0
    assert "exceeded your rate limit" in str(info.value)


# --- AIGC -----------------------------------------------------------------------

def test_aigc_maps_steps_and_guidance(servers, client):
    fake = gateway(servers, "aigc")
    result = run(fake, client, "flux-1.1-pro", width=1536, height=1024, steps=50, guidance=7.5,
                 seed=42, negative_prompt="low quality, blurry")
    assert sent(fake) == {"model": "flux-1.1-pro", "prompt": "a red fox",
                          "negative_prompt": "low quality, blurry", "width": 1536,
                          "height": 1024, "num_inference_steps": 50, "guidance_scale": 7.5,
                          "seed": 42}
    assert result.images[0].url.startswith(fake.url + "/files/")
    assert result.images[0].seed == 42


def test_aigc_dalle3_sends_width_and_height_only(servers, client):
    fake = gateway(servers, "aigc")
    run(fake, client, "dall-e-3", size="1792x1024", width=1792, height=1024, seed=3,
        negative_prompt="blur")
    assert sent(fake) == {"model": "dall-e-3", "prompt": "a red fox", "width": 1792,
                          "height": 1024}


def test_aigc_relative_url_is_made_absolute(servers, client):
    fake = gateway(servers, "aigc")
    fake.push(Reply(200, {"data": [{"url": "/files/x.png"}]}))
    result = run(fake, client, "flux-dev", width=512, height=512)
    assert result.images[0].url == fake.url + "/files/x.png"


# --- generic OpenAI-compatible --------------------------------------------------

CUSTOM = {"id": "black-forest-labs/FLUX.1-schnell", "label": "Schnell",
          "size": {"type": "range", "min": 256, "max": 1440, "multiple": 16},
          "max_n": 4, "params": {"steps": {"type": "int", "min": 1, "max": 12}, "seed": "seed",
                                 "disable_safety_checker": "bool"}}
CUSTOM_LIST = {"id": "recraftv3", "size": {"type": "list", "sizes": ["1024x1024", "1365x1024"]},
               "params": {"style": {"type": "choice", "choices": ["any", "icon"]},
                          "negative_prompt": "text"}}


def test_compatible_range_model(servers, client):
    fake = gateway(servers, "openai-compatible")
    spec = ModelSpec.from_dict(CUSTOM, kind="openai-compatible")
    result = run(fake, client, spec.id, spec, width=1024, height=768, n=2, steps=4, seed=9,
                 guidance=3.5, extras={"disable_safety_checker": True, "not_declared": 1})
    assert sent(fake) == {"model": spec.id, "prompt": "a red fox", "n": 2, "width": 1024,
                          "height": 768, "num_inference_steps": 4, "seed": 9,
                          "disable_safety_checker": True}
    assert len(result.images) == 2


def test_compatible_list_model_sends_size(servers, client):
    fake = gateway(servers, "openai-compatible")
    spec = ModelSpec.from_dict(CUSTOM_LIST, kind="openai-compatible")
    run(fake, client, spec.id, spec, options={"response_format": "b64_json"},
        size="1365x1024", width=1365, height=1024, style="icon", negative_prompt="text")
    assert sent(fake) == {"model": "recraftv3", "prompt": "a red fox", "size": "1365x1024",
                          "style": "icon", "negative_prompt": "text",
                          "response_format": "b64_json"}
