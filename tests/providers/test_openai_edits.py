"""OpenAI ``/v1/images/edits``: the exact multipart body, and OpenAI's refusals."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from providers.base import ContentPolicyError, Connection, GenerationRequest, Hooks, ProviderError
from providers.catalog import spec_for
from providers.openai import OpenAIAdapter
from tests.fakes.base import png_bytes
from tests.fakes.fixtures import fake_fixtures
from tests.fakes.openai import API_KEY, FakeOpenAI

server, fake = fake_fixtures(lambda: FakeOpenAI("openai"))


def mask_png(width, height) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 0, 0, 255)).save(out, "PNG")
    return out.getvalue()


def edit(fake, client, model="gpt-image-2", **fields):
    adapter = OpenAIAdapter(Connection("openai", fake.base_url, API_KEY), client)
    request = GenerationRequest(prompt=fields.pop("prompt", "make the sky stormy"), model=model,
                                operation="edit", **fields)
    return adapter.generate(request, spec_for("openai", model), Hooks())


def test_one_image_and_a_mask_go_as_multipart_files(fake, client):
    source = png_bytes(64, 48)
    result = edit(fake, client, input_images=(source,), mask=mask_png(64, 48), size="1024x1024",
                  quality="high", extras={"input_fidelity": "high"})
    (req,) = fake.requests
    assert req.path == "/v1/images/edits"
    assert req.headers["content-type"].startswith("multipart/form-data; boundary=")
    parts = req.parts()
    files = [(name, filename) for name, filename, _ in parts if filename]
    assert files == [("image", "image-1.png"), ("mask", "mask.png")]
    assert parts[0][2] == source
    texts = {name: data.decode() for name, filename, data in parts if filename is None}
    assert texts == {"model": "gpt-image-2", "prompt": "make the sky stormy", "size": "1024x1024",
                     "quality": "high", "input_fidelity": "high"}
    assert result.images[0].data == fake.image
    assert result.usage["input_tokens_details"]["image_tokens"] == 194


def test_several_images_are_repeated_image_brackets(fake, client):
    images = tuple(png_bytes(32, 32, (i * 10, 0, 0)) for i in range(3))
    edit(fake, client, model="gpt-image-2.6-flare", input_images=images)
    (call,) = fake.edits
    assert call["images"] == list(images)
    names = [name for name, filename, _ in fake.requests[0].parts() if filename]
    assert names == ["image[]"] * 3


def test_a_generation_never_carries_input_fidelity(fake, client):
    adapter = OpenAIAdapter(Connection("openai", fake.base_url, API_KEY), client)
    adapter.generate(GenerationRequest(prompt="a fox", model="gpt-image-2", size="1024x1024",
                                       extras={"input_fidelity": "high"}),
                     spec_for("openai", "gpt-image-2"), Hooks())
    assert fake.requests[0].path == "/v1/images/generations"
    assert "input_fidelity" not in fake.requests[0].json


def test_a_mask_of_another_size_is_refused_with_openais_words(fake, client):
    with pytest.raises(ProviderError) as caught:
        edit(fake, client, input_images=(png_bytes(64, 48),), mask=mask_png(32, 32))
    assert caught.value.permanent
    assert "mask size does not match image size" in str(caught.value)


def test_seventeen_images_are_too_many(fake, client):
    with pytest.raises(ProviderError) as caught:
        edit(fake, client, input_images=tuple(png_bytes(8, 8) for _ in range(17)))
    assert "maximum length 16" in str(caught.value)


def test_a_moderated_input_image_is_a_content_policy_error(fake, client):
    with pytest.raises(ContentPolicyError):
        edit(fake, client, input_images=(png_bytes(16, 16, (255, 0, 255)),))


def test_an_edit_leaves_out_the_generation_only_complexity(fake, client):
    edit(fake, client, model="gpt-image-2.6-sunburst", input_images=(png_bytes(8, 8),),
         extras={"complexity": "low"})
    (call,) = fake.edits
    assert "complexity" not in call["fields"]
