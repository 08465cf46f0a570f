"""Stability v2beta edit and upscale endpoints: multipart bodies, masks, async creative upscale."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from providers.base import ContentPolicyError, Connection, GenerationRequest, Hooks, ProviderError
from providers.catalog import spec_for
from providers.stability import StabilityAdapter
from tests.fakes.base import png_bytes
from tests.fakes.fixtures import fake_fixtures
from tests.fakes.stability import API_KEY, IMAGE_BYTES, FakeStability

server, fake = fake_fixtures(lambda: FakeStability())
SOURCE = png_bytes(40, 30)


def run(fake, client, model, **fields):
    adapter = StabilityAdapter(Connection("stability", fake.url, API_KEY, {"poll_interval": 0.01}),
                               client)
    request = GenerationRequest(prompt=fields.pop("prompt", "a stormy sky"), model=model,
                                size="auto", input_images=fields.pop("input_images", (SOURCE,)),
                                **fields)
    return adapter.generate(request, spec_for("stability", model), Hooks(sleep=lambda s: None))


def alpha_mask(width=40, height=30) -> bytes:
    im = Image.new("RGBA", (width, height), (0, 0, 0, 255))
    im.paste((0, 0, 0, 0), (0, 0, 5, 5))
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def test_inpaint_sends_image_greyscale_mask_and_prompt(fake, client):
    result = run(fake, client, "inpaint", operation="inpaint", mask=alpha_mask(), seed=5)
    (req,) = fake.requests
    assert req.path == "/v2beta/stable-image/edit/inpaint"
    assert req.headers["accept"] == "image/*"
    form = req.form()
    assert form["image"] == SOURCE and form["prompt"] == "a stormy sky" and form["seed"] == "5"
    with Image.open(io.BytesIO(form["mask"])) as mask:
        assert mask.mode == "L" and mask.getpixel((1, 1)) == 255 and mask.getpixel((20, 20)) == 0
    assert result.images[0].data == IMAGE_BYTES


def test_erase_and_remove_background_send_no_prompt(fake, client):
    run(fake, client, "erase", operation="erase", mask=alpha_mask())
    run(fake, client, "remove-background", operation="remove_background", output_format="png")
    erase, cutout = (r.form() for r in fake.requests)
    assert set(erase) == {"image", "mask"} and set(cutout) == {"image", "output_format"}


def test_erase_without_a_mask_on_an_opaque_image_is_refused(fake, client):
    with pytest.raises(ProviderError) as caught:
        run(fake, client, "erase", operation="erase")
    assert "mask" in str(caught.value) and caught.value.permanent


def test_search_and_replace_sends_its_search_prompt(fake, client):
    run(fake, client, "search-and-replace", operation="search_replace",
        extras={"search_prompt": "the dog"})
    form = fake.requests[0].form()
    assert form["search_prompt"] == "the dog" and form["prompt"] == "a stormy sky"


def test_outpaint_sends_the_pixels_per_side(fake, client):
    run(fake, client, "outpaint", operation="outpaint", extras={"left": 100, "down": 50})
    form = fake.requests[0].form()
    assert (form["left"], form["down"]) == ("100", "50")


def test_fast_upscale_is_synchronous(fake, client):
    result = run(fake, client, "upscale-fast", operation="upscale")
    assert [r.path for r in fake.requests] == ["/v2beta/stable-image/upscale/fast"]
    assert "prompt" not in fake.requests[0].form() and result.images[0].data == IMAGE_BYTES


def test_creative_upscale_polls_results_until_the_image_is_ready(fake, client):
    fake.running_polls = 2
    result = run(fake, client, "upscale-creative", operation="upscale",
                 extras={"creativity": 0.3})
    paths = [r.path for r in fake.requests]
    assert paths[0] == "/v2beta/stable-image/upscale/creative"
    assert paths[1:] == ["/v2beta/results/gen-req-1"] * 3  # 202, 202, then the image
    assert fake.requests[1].headers["accept"] == "image/*"
    assert result.images[0].data == IMAGE_BYTES and result.request_id == "gen-req-1"


def test_sd3_image_to_image_sends_mode_image_and_strength(fake, client):
    run(fake, client, "sd3.5-large", operation="edit", strength=0.6, aspect_ratio="1:1")
    form = fake.requests[0].form()
    assert form["mode"] == "image-to-image" and form["strength"] == "0.6"
    assert form["image"] == SOURCE and "aspect_ratio" not in form


def test_a_moderated_input_is_refused_on_content_grounds(fake, client):
    with pytest.raises(ContentPolicyError):
        run(fake, client, "upscale-fast", operation="upscale",
            input_images=(png_bytes(8, 8, (255, 0, 255)),))
