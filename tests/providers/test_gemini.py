"""The Gemini adapter against a fake Gemini API over real HTTP."""
from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from providers.base import Connection, ContentPolicyError, ProviderError
from providers.catalog import spec_for
from providers.gemini import GeminiAdapter
from providers.lifecycle import model_state
from tests.fakes.base import png_bytes
from tests.fakes.fixtures import fake_fixtures
from tests.fakes.gemini import API_KEY, FakeGemini, google_error
from tests.providers.helpers import generate

server, fake = fake_fixtures(lambda: FakeGemini())
MODEL = "gemini-nano-banana-2.1"


def run(fake, client, model=MODEL, key=API_KEY, **fields):
    return generate(GeminiAdapter(Connection("gemini", fake.url, key), client), model, **fields)


def test_generate_sends_modalities_image_config_and_the_key_header(fake, client):
    run(fake, client, aspect_ratio="16:9", seed=5, extras={"image_size": "2K"})
    [sent] = fake.generations
    assert sent.path == f"/v1beta/models/{MODEL}:generateContent"
    assert sent.headers["x-goog-api-key"] == API_KEY and "authorization" not in sent.headers
    assert sent.json == {
        "contents": [{"role": "user", "parts": [{"text": "a red fox"}]}],
        "generationConfig": {"responseModalities": ["TEXT", "IMAGE"], "seed": 5,
                             "imageConfig": {"aspectRatio": "16:9", "imageSize": "2K"}}}


def test_inline_data_image_comes_back_as_bytes_with_usage(fake, client):
    result = run(fake, client, aspect_ratio="1:1", extras={"image_size": "4K"})
    [image] = result.images
    assert Image.open(io.BytesIO(image.data)).size == (128, 128)
    assert result.usage["candidatesTokenCount"] == 1120


def test_edit_sends_every_input_image_as_inline_data_before_the_prompt(fake, client):
    first, second = png_bytes(40, 40), png_bytes(30, 30, fmt="JPEG")
    run(fake, client, prompt="put the cat on the sofa", aspect_ratio="1:1", operation="edit",
        input_images=(first, second))
    parts = fake.generations[0].json["contents"][0]["parts"]
    assert parts[0] == {"inlineData": {"mimeType": "image/png",
                                       "data": base64.b64encode(first).decode()}}
    assert parts[1]["inlineData"]["mimeType"] == "image/jpeg"
    assert base64.b64decode(parts[1]["inlineData"]["data"]) == second
    assert parts[2] == {"text": "put the cat on the sofa"}


def test_too_many_input_images_is_googles_invalid_argument_and_permanent(fake, client):
    with pytest.raises(ProviderError) as caught:
        run(fake, client, aspect_ratio="1:1", input_images=(png_bytes(8, 8),) * 15)
    assert caught.value.permanent and "at most 14" in str(caught.value)
    assert "INVALID_ARGUMENT" in str(caught.value)


@pytest.mark.parametrize("setup", [
    lambda f: setattr(f, "block_prompt", "PROHIBITED_CONTENT"),
    lambda f: setattr(f, "finish_reason", "IMAGE_SAFETY"),
])
def test_safety_blocks_read_as_content_policy_refusals(fake, client, setup):
    setup(fake)
    with pytest.raises(ContentPolicyError) as caught:
        run(fake, client, aspect_ratio="1:1")
    assert str(caught.value).startswith("The provider refused this prompt")
    assert caught.value.permanent


def test_a_text_only_answer_is_an_error_naming_what_the_model_said(fake, client):
    fake.text_only = True
    with pytest.raises(ProviderError) as caught:
        run(fake, client, aspect_ratio="1:1")
    assert caught.value.code == "no_images" and "Here is your image" in str(caught.value)


def test_bad_key_reads_as_auth_error_without_the_key(fake, client):
    with pytest.raises(ProviderError) as caught:
        run(fake, client, key="AIza-wrong-key-123456", aspect_ratio="1:1")
    assert caught.value.code == "auth" and caught.value.permanent
    assert "wrong-key" not in str(caught.value)


def test_quota_exhaustion_is_a_passing_rate_limit(fake, client):
    fake.push(google_error(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."))
    with pytest.raises(ProviderError) as caught:
        run(fake, client, aspect_ratio="1:1")
    assert not caught.value.permanent and caught.value.code == "rate_limit"


def test_an_unknown_model_says_it_is_not_offered(fake, client):
    with pytest.raises(ProviderError) as caught:
        run(fake, client, model="imagen-4.0-generate-001", aspect_ratio="1:1")
    assert caught.value.code == "model_not_found"


def test_check_counts_the_image_models(fake, client):
    message = GeminiAdapter(Connection("gemini", fake.url, API_KEY), client).check()
    assert message.startswith("The key works: it sees 6 models, 4 of them image models")
    assert fake.requests[0].path == "/v1beta/models"


def test_imagen_is_only_a_shut_down_lifecycle_entry():
    spec = spec_for("gemini", "imagen-4.0-generate-001")
    assert model_state(spec=spec) == "shutdown" and spec.replacement == MODEL
    assert spec_for("gemini", MODEL).inputs == {"max_images": 14, "mask": False, "strength": False,
                                                "operations": ["edit", "reference"]}
