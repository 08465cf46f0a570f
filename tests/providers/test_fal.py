"""The fal adapter against a fake fal queue over real HTTP."""
from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from providers.base import (
    CancelledError, Connection, ContentPolicyError, GenerationRequest, Hooks, ProviderError,
)
from providers.fal import FalAdapter
from tests.fakes.base import png_bytes
from tests.fakes.fal import API_KEY, FakeFal
from tests.fakes.fixtures import fake_fixtures
from tests.providers.helpers import generate

server, fake = fake_fixtures(lambda: FakeFal())
NANO = "fal-ai/nano-banana-2"


def adapter(fake, client, key=API_KEY, **options):
    options = {"poll_interval": 0.001, "poll_timeout": 5, **options}
    return FalAdapter(Connection("fal", fake.url, key, options), client)


def run(fake, client, model=NANO, hooks=None, **fields):
    return generate(adapter(fake, client), model, hooks, **fields)


def test_submit_polls_the_status_url_and_reads_the_result(fake, client):
    result = run(fake, client, aspect_ratio="16:9", n=2, seed=3, extras={"resolution": "2K"})
    [submit] = fake.submits
    assert submit.path == f"/{NANO}" and submit.headers["authorization"] == f"Key {API_KEY}"
    assert submit.json == {"prompt": "a red fox", "aspect_ratio": "16:9", "num_images": 2,
                           "seed": 3, "resolution": "2K"}
    assert submit.headers["x-fal-object-lifecycle-preference"] == '{"expiration_duration_seconds": 3600}'
    assert [p.path for p in fake.polls] == [f"/{NANO}/requests/0193-req-1/status"] * 3
    assert [i.url for i in result.images] == [f"{fake.url}/files/0193-req-1-{i}.png" for i in (0, 1)]
    assert result.images[0].seed == 3 and result.request_id == "0193-req-1"
    assert Image.open(io.BytesIO(client.get(result.images[0].url).content)).size == (36, 36)


def test_sub_path_ids_use_the_urls_fal_returns_not_rebuilt_ones(fake, client):
    source = png_bytes(16, 16)
    run(fake, client, "fal-ai/flux-2-pro/edit", width=1024, height=768, operation="edit",
        input_images=(source, source))
    assert fake.submits[0].path == "/fal-ai/flux-2-pro/edit"
    assert fake.polls[0].path == "/fal-ai/flux-2-pro/requests/0193-req-1/status"
    assert fake.submits[0].json == {
        "prompt": "a red fox", "image_size": {"width": 1024, "height": 768},
        "image_urls": ["data:image/png;base64," + base64.b64encode(source).decode()] * 2}


def test_a_one_image_model_gets_image_url(fake, client):
    run(fake, client, "fal-ai/qwen-image-edit", size="1024x768", width=1024, height=768,
        operation="edit", input_images=(png_bytes(8, 8),))
    assert fake.submits[0].json["image_url"].startswith("data:image/png;base64,")
    assert "image_urls" not in fake.submits[0].json


def test_too_many_images_is_fals_validation_error_and_permanent(fake, client):
    with pytest.raises(ProviderError) as caught:
        run(fake, client, "fal-ai/flux-2-pro/edit", width=1024, height=1024,
            input_images=(png_bytes(4, 4),) * 9)
    assert caught.value.permanent and "image_urls: List should have at most 8 items" in str(caught.value)


def test_cancel_puts_the_cancel_url(fake, client):
    fake.queued_polls = 50
    calls = iter([False, False, True])
    with pytest.raises(CancelledError):
        run(fake, client, aspect_ratio="1:1", hooks=Hooks(cancelled=lambda: next(calls)))
    [cancel] = fake.cancels
    assert cancel.path == f"/{NANO}/requests/0193-req-1/cancel"
    assert fake.jobs["0193-req-1"]["state"] == "CANCELLED"


def test_a_content_policy_violation_reads_as_a_refusal(fake, client):
    with pytest.raises(ContentPolicyError) as caught:
        run(fake, client, prompt="a forbidden thing", aspect_ratio="1:1")
    assert "flagged by a content checker" in str(caught.value)


def test_images_flagged_nsfw_are_withheld(fake, client):
    fake.nsfw_output = True
    with pytest.raises(ContentPolicyError):
        run(fake, client, aspect_ratio="1:1")


def test_queue_urls_on_a_foreign_host_are_refused(fake, client):
    fake.queue_base = "http://127.0.0.2:9"
    with pytest.raises(ProviderError) as caught:
        run(fake, client, aspect_ratio="1:1")
    assert caught.value.code == "bad_polling_url" and not fake.polls


def test_check_tells_a_good_key_from_a_bad_one(fake, client):
    assert adapter(fake, client).check() == "The key works: fal's queue accepted it."
    with pytest.raises(ProviderError) as caught:
        adapter(fake, client, key="fal-wrong").check()
    assert caught.value.code == "auth"


def test_schema_becomes_a_catalog_entry_with_its_wire_map(fake, client):
    from providers.schema_params import entry_from_schema

    schema, components, about = adapter(
        fake, client, schema_url=f"{fake.url}/openapi/queue/openapi.json").model_schema("acme/pixel-art")
    assert "authorization" not in fake.requests[-1].headers  # the schema is public
    entry, wire = entry_from_schema("acme/pixel-art", schema, components, label=about["label"])
    assert entry["size"] == {"type": "list", "sizes": ["1024x1024", "512x512", "1024x768", "1024x576"],
                             "default": "1024x1024"}
    assert entry["max_n"] == 4
    assert entry["params"] == {
        "num_inference_steps": {"type": "int", "min": 1, "max": 12, "default": 4},
        "style": {"type": "choice", "choices": ["8bit", "16bit", "isometric"], "default": "16bit",
                  "help": "Palette and look"},
        "enable_safety_checker": {"type": "bool", "default": True}}
    assert entry["inputs"] == {"max_images": 1, "mask": True, "strength": True,
                               "operations": ["edit", "inpaint"]}
    assert wire == {"size": "image_size", "count": "num_images", "images": "image_url",
                    "images_list": False, "mask": "mask_url", "strength": "strength"}


def test_x_fal_retryable_decides_whether_a_server_error_is_retried(fake, client):
    from tests.fakes.base import Reply

    fake.push(Reply(503, {"detail": "Runner unavailable"}, {"X-Fal-Retryable": "true"}))
    with pytest.raises(ProviderError) as caught:
        run(fake, client, aspect_ratio="1:1")
    assert not caught.value.permanent
    fake.push(Reply(500, {"detail": "Model crashed on this input"}, {"X-Fal-Retryable": "false"}))
    with pytest.raises(ProviderError) as caught:
        run(fake, client, aspect_ratio="1:1")
    assert caught.value.permanent and "Model crashed" in str(caught.value)


def test_a_model_added_by_schema_uses_its_stored_wire_names(fake, client):
    options = {"wire": {"acme/pixel-art": {"images": "image_url", "images_list": False,
                                           "mask": "mask_url", "strength": "strength",
                                           "count": "num_images", "size": "image_size"}}}
    request = GenerationRequest("pixel fox", "acme/pixel-art", width=1024, height=768, n=2,
                                operation="inpaint", input_images=(png_bytes(8, 8),),
                                mask=png_bytes(8, 8), strength=0.6, extras={"style": "8bit"})
    from providers.rules import ModelSpec

    spec = ModelSpec.from_dict({"id": "acme/pixel-art", "size": {"type": "list", "sizes": ["1024x768"]},
                                "max_n": 4, "params": {"style": {"type": "choice", "choices": ["8bit"]}}})
    adapter(fake, client, **options).generate(request, spec, Hooks())
    sent = fake.submits[0].json
    assert sent["image_size"] == {"width": 1024, "height": 768} and sent["num_images"] == 2
    assert sent["style"] == "8bit" and sent["strength"] == 0.6
    assert sent["image_url"].startswith("data:image/png") and sent["mask_url"].startswith("data:image/png")
