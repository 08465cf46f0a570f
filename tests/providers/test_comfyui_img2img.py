"""ComfyUI img2img: the input goes up through /upload/image and the graph encodes it."""
from __future__ import annotations

import pytest

from providers.base import Connection, GenerationRequest, Hooks, ProviderError
from providers.catalog import spec_for
from providers.comfyui import ComfyUIAdapter
from tests.fakes.base import png_bytes
from tests.fakes.comfyui import FakeComfyUI
from tests.fakes.fixtures import fake_fixtures

server, fake = fake_fixtures(lambda: FakeComfyUI())
CKPT = "v1-5-pruned-emaonly.safetensors"


def run(fake, client, **fields):
    adapter = ComfyUIAdapter(Connection("comfyui", fake.url, "", {"poll_interval": 0.01}), client)
    request = GenerationRequest(prompt="same cat, watercolour", model=CKPT, width=64, height=64,
                                operation="edit", seed=3, **fields)
    return adapter.generate(request, spec_for("comfyui", CKPT), Hooks(sleep=lambda s: None))


def test_the_input_is_uploaded_then_encoded_and_denoised_by_the_strength(fake, client):
    source = png_bytes(40, 24)
    result = run(fake, client, input_images=(source,), strength=0.4, n=2)
    upload, queued = fake.requests[0], fake.requests[1]
    assert (upload.method, upload.path) == ("POST", "/upload/image")
    (name, filename, data), = [p for p in upload.parts() if p[1]]
    assert name == "image" and data == source
    graph = queued.json["prompt"]
    load = next(n for n in graph.values() if n["class_type"] == "LoadImage")
    assert load["inputs"]["image"] == filename
    sampler = next(n for n in graph.values() if n["class_type"] == "KSampler")
    assert sampler["inputs"]["denoise"] == 0.4
    assert not any(n["class_type"] == "EmptyLatentImage" for n in graph.values())
    assert len(result.images) == 2  # RepeatLatentBatch made the batch


def test_an_image_the_server_does_not_have_is_its_validation_error(fake, client, monkeypatch):
    monkeypatch.setattr(ComfyUIAdapter, "_upload", lambda self, data: "missing.png")
    with pytest.raises(ProviderError) as caught:
        run(fake, client, input_images=(png_bytes(8, 8),))
    assert "Invalid image file" in str(caught.value) or "validation" in str(caught.value)


def test_302ai_i2i_takes_an_image_from_the_gallery_as_it_takes_an_upload():
    from providers.ai302 import request_body

    source = png_bytes(8, 8)
    body = request_body(GenerationRequest(prompt="p", model="stable-sd3-i2i", size="auto",
                                          input_images=(source,), operation="edit"))
    assert body["image"].startswith("data:image/png;base64,")
