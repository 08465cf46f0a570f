"""BFL input images: FLUX.2 input_image…input_image_8, Kontext, FLUX1.1 image_prompt, Fill with a mask."""
from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from providers.base import ContentPolicyError, Connection, GenerationRequest, Hooks, ProviderError
from providers.bfl import BFLAdapter
from providers.catalog import spec_for
from tests.fakes.base import png_bytes
from tests.fakes.bfl import API_KEY, FakeBFL
from tests.fakes.fixtures import fake_fixtures

server, fake = fake_fixtures(lambda: FakeBFL())


def run(fake, client, model, **fields):
    adapter = BFLAdapter(Connection("bfl", fake.url, API_KEY, {"poll_interval": 0.01}), client)
    request = GenerationRequest(prompt=fields.pop("prompt", "make it night"), model=model,
                                operation=fields.pop("operation", "edit"), **fields)
    return adapter.generate(request, spec_for("bfl", model), Hooks(sleep=lambda s: None))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_flux_2_sends_every_reference_as_input_image_n(fake, client):
    images = tuple(png_bytes(16, 16, (i, 0, 0)) for i in range(3))
    run(fake, client, "flux-2-pro", input_images=images, width=1024, height=1024)
    body = fake.submits[0].json
    assert body == {"prompt": "make it night", "width": 1024, "height": 1024,
                    "input_image": b64(images[0]), "input_image_2": b64(images[1]),
                    "input_image_3": b64(images[2])}


def test_kontext_takes_input_image_and_its_aspect_ratio(fake, client):
    source = png_bytes(16, 16)
    run(fake, client, "flux-kontext-pro", input_images=(source,), aspect_ratio="1:1")
    assert fake.submits[0].json == {"prompt": "make it night", "aspect_ratio": "1:1",
                                    "input_image": b64(source)}


def test_a_fifth_image_on_klein_is_refused_by_bfl(fake, client):
    with pytest.raises(ProviderError) as caught:
        run(fake, client, "flux-2-klein-4b", input_images=tuple(png_bytes(8, 8) for _ in range(5)),
            width=1024, height=1024)
    assert "input_image_5" in str(caught.value) and caught.value.permanent


def test_ultra_image_prompt_carries_the_strength(fake, client):
    source = png_bytes(16, 16)
    run(fake, client, "flux-pro-1.1-ultra", operation="reference", input_images=(source,),
        strength=0.3, aspect_ratio="16:9")
    body = fake.submits[0].json
    assert body["image_prompt"] == b64(source) and body["image_prompt_strength"] == 0.3


def test_fill_turns_our_alpha_mask_into_white_where_it_may_paint(fake, client):
    source = png_bytes(20, 10)
    mask = Image.new("RGBA", (20, 10), (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (0, 0, 10, 10))  # left half editable
    out = io.BytesIO()
    mask.save(out, "PNG")
    run(fake, client, "flux-pro-1.0-fill", operation="inpaint", input_images=(source,),
        mask=out.getvalue(), size="auto")
    body = fake.submits[0].json
    assert set(body) == {"prompt", "image", "mask"}
    with Image.open(io.BytesIO(base64.b64decode(body["mask"]))) as sent:
        assert sent.mode == "L" and sent.size == (20, 10)
        assert sent.getpixel((2, 5)) == 255 and sent.getpixel((15, 5)) == 0


def test_fill_without_a_mask_on_an_opaque_image_is_refused(fake, client):
    with pytest.raises(ProviderError) as caught:
        run(fake, client, "flux-pro-1.0-fill", operation="inpaint", input_images=(png_bytes(8, 8),),
            size="auto")
    assert "mask" in str(caught.value)


def test_a_moderated_input_ends_as_request_moderated(fake, client):
    with pytest.raises(ContentPolicyError) as caught:
        run(fake, client, "flux-2-pro", input_images=(png_bytes(8, 8, (255, 0, 255)),),
            width=1024, height=1024)
    assert "Request Moderated" in str(caught.value)
