"""A1111 ``/sdapi/v1/img2img``: init_images, the mask A1111 reads, denoising_strength."""
from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from providers.a1111 import A1111Adapter
from providers.base import Connection, GenerationRequest, Hooks, ProviderError
from providers.catalog import spec_for
from tests.fakes.a1111 import FakeA1111
from tests.fakes.base import png_bytes
from tests.fakes.fixtures import fake_fixtures

server, fake = fake_fixtures(lambda: FakeA1111())
SD15 = "v1-5-pruned-emaonly.safetensors [6ce0161689]"


def run(fake, client, **fields):
    adapter = A1111Adapter(Connection("a1111", fake.url, "", {"poll_interval": 0.02}), client)
    request = GenerationRequest(prompt="the same fox at night", model=SD15, width=64, height=48,
                                operation="edit", **fields)
    return adapter.generate(request, spec_for("a1111", SD15), Hooks())


def sent(fake) -> dict:
    (req,) = [r for r in fake.requests if r.method == "POST" and r.path.startswith("/sdapi")]
    assert req.path == "/sdapi/v1/img2img"
    return req.json


def test_img2img_sends_the_source_and_the_strength(fake, client):
    source = png_bytes(64, 48)
    result = run(fake, client, input_images=(source,), strength=0.35)
    body = sent(fake)
    assert base64.b64decode(body["init_images"][0]) == source
    assert body["denoising_strength"] == 0.35 and "mask" not in body
    assert body["width"] == 64 and body["height"] == 48 and body["prompt"] == "the same fox at night"
    assert len(result.images) == 1


def test_the_mask_goes_as_white_where_a1111_repaints(fake, client):
    mask = Image.new("RGBA", (64, 48), (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (32, 0, 64, 48))  # right half editable
    out = io.BytesIO()
    mask.save(out, "PNG")
    run(fake, client, input_images=(png_bytes(64, 48),), mask=out.getvalue(), strength=0.8)
    body = sent(fake)
    with Image.open(io.BytesIO(base64.b64decode(body["mask"]))) as sent_mask:
        assert sent_mask.getpixel((40, 10)) == 255 and sent_mask.getpixel((5, 10)) == 0
    assert body["inpainting_fill"] == 1


def test_an_unreadable_input_is_the_servers_error(fake, client):
    with pytest.raises(ProviderError) as caught:
        run(fake, client, input_images=(b"not an image",))
    assert "cannot identify image file" in str(caught.value)
