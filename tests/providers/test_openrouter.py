"""The OpenRouter adapter against a fake OpenRouter over real HTTP."""
from __future__ import annotations

import base64
import io
from decimal import Decimal

import pytest
from PIL import Image

from providers.base import Connection, ContentPolicyError, GenerationRequest, Hooks, ProviderError
from providers.openrouter import OpenRouterAdapter
from tests.fakes.base import png_bytes
from tests.fakes.fixtures import fake_fixtures
from tests.fakes.openrouter import API_KEY, FakeOpenRouter
from tests.providers.helpers import generate

server, fake = fake_fixtures(lambda: FakeOpenRouter())
GEMINI = "google/gemini-3-pro-image"


def adapter(fake, client, key=API_KEY):
    return OpenRouterAdapter(Connection("openrouter", fake.url + "/api/v1", key), client)


def run(fake, client, model=GEMINI, **fields):
    return generate(adapter(fake, client), model, **fields)


def test_gemini_asks_for_image_and_text_with_image_config(fake, client):
    result = run(fake, client, aspect_ratio="21:9", extras={"image_size": "2K"})
    [sent] = fake.chats
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"
    assert sent.json == {"model": GEMINI, "messages": [{"role": "user", "content": "a red fox"}],
                         "modalities": ["image", "text"],
                         "image_config": {"aspect_ratio": "21:9", "image_size": "2K"}}
    assert Image.open(io.BytesIO(result.images[0].data)).size == (48, 48)
    assert result.cost == Decimal("0.0391") and result.request_id == "gen-123"


def test_an_image_only_model_asks_for_image_only(fake, client):
    run(fake, client, model="black-forest-labs/flux.2-pro", aspect_ratio="16:9")
    assert fake.chats[0].json["modalities"] == ["image"]


def test_edit_sends_input_images_as_image_url_parts(fake, client):
    source = png_bytes(20, 20)
    run(fake, client, prompt="make it night", aspect_ratio="1:1", operation="edit",
        input_images=(source,))
    content = fake.chats[0].json["messages"][0]["content"]
    assert content[0] == {"type": "text", "text": "make it night"}
    assert content[1] == {"type": "image_url", "image_url": {
        "url": "data:image/png;base64," + base64.b64encode(source).decode()}}


def test_strength_goes_to_recraft_vector_with_its_input(fake, client):
    run(fake, client, model="recraft/recraft-v4-vector", aspect_ratio="1:1", operation="edit",
        input_images=(png_bytes(8, 8),), strength=0.4)
    assert fake.chats[0].json["strength"] == 0.4


def test_a_flagged_prompt_is_a_content_policy_refusal(fake, client):
    with pytest.raises(ContentPolicyError) as caught:
        run(fake, client, prompt="something forbidden", aspect_ratio="1:1")
    assert "violence" in str(caught.value) and caught.value.permanent


def test_an_answer_without_images_says_what_the_model_wrote(fake, client):
    fake.text_only = True
    with pytest.raises(ProviderError) as caught:
        run(fake, client, aspect_ratio="1:1")
    assert caught.value.code == "no_images" and "Here you go" in str(caught.value)


def test_bad_key_is_a_permanent_auth_error(fake, client):
    with pytest.raises(ProviderError) as caught:
        OpenRouterAdapter(Connection("openrouter", fake.url + "/api/v1", "sk-or-wrong"), client
                          ).generate(GenerationRequest("fox", GEMINI, aspect_ratio="1:1"), None, Hooks())
    assert caught.value.code == "auth" and caught.value.permanent


def test_model_list_asks_for_image_output_models(fake, client):
    ids = [m["id"] for m in adapter(fake, client).listed_models()]
    assert fake.requests[0].query == {"output_modalities": ["image"]}
    assert "newcomer/image-model-9" in ids and "openai/gpt-5" not in ids
    assert adapter(fake, client).check().startswith("The key works: OpenRouter lists 10 image models")


def test_too_few_credits_is_permanent(fake, client):
    from tests.fakes.openrouter import or_error

    fake.push(or_error(402, "Insufficient credits. Add more using https://openrouter.ai/credits"))
    with pytest.raises(ProviderError) as caught:
        run(fake, client, aspect_ratio="1:1")
    assert caught.value.permanent and caught.value.code == "insufficient_credits"
