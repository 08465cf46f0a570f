"""The Replicate adapter against a fake Replicate over real HTTP."""
from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from providers.base import (
    CancelledError, Connection, ContentPolicyError, GenerationRequest, Hooks, ProviderError,
)
from providers.catalog import spec_for
from providers.replicate import ReplicateAdapter
from tests.fakes.base import png_bytes
from tests.fakes.fixtures import fake_fixtures
from tests.fakes.replicate import API_KEY, FakeReplicate
from tests.providers.helpers import generate

server, fake = fake_fixtures(lambda: FakeReplicate())
NANO = "google/nano-banana-2"


def adapter(fake, client, key=API_KEY, **options):
    options = {"poll_interval": 0.001, "poll_timeout": 5, **options}
    return ReplicateAdapter(Connection("replicate", fake.url, key, options), client)


def run(fake, client, model=NANO, hooks=None, **fields):
    return generate(adapter(fake, client), model, hooks, **fields)


def test_create_waits_with_prefer_and_answers_with_output_urls(fake, client):
    result = run(fake, client, aspect_ratio="16:9", output_format="png")
    [sent] = fake.creates
    assert sent.path == f"/v1/models/{NANO}/predictions"
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"
    assert sent.headers["prefer"] == "wait=60"
    assert sent.json == {"input": {"prompt": "a red fox", "aspect_ratio": "16:9",
                                   "output_format": "png"}}
    [image] = result.images
    assert image.url == f"{fake.url}/files/pred1-0.png" and result.request_id == "pred1"
    assert not fake.polls
    assert Image.open(io.BytesIO(client.get(image.url).content)).size == (40, 40)


def test_an_unfinished_prediction_is_polled_at_urls_get(fake, client):
    fake.finish_in_wait, fake.processing_polls = False, 2
    result = run(fake, client, aspect_ratio="1:1")
    assert [p.path for p in fake.polls] == ["/v1/predictions/pred1"] * 3
    assert fake.polls[0].headers["authorization"] == f"Bearer {API_KEY}"
    assert result.images[0].url.endswith("/files/pred1-0.png")


def test_cancel_posts_urls_cancel_and_stops(fake, client):
    fake.finish_in_wait, fake.processing_polls = False, 50
    calls = iter([False, False, True])
    with pytest.raises(CancelledError):
        run(fake, client, aspect_ratio="1:1", hooks=Hooks(cancelled=lambda: next(calls)))
    assert [c.path for c in fake.cancels] == ["/v1/predictions/pred1/cancel"]
    assert fake.predictions["pred1"]["status"] == "canceled"


def test_a_status_url_on_another_host_is_refused_and_gets_no_token(fake, client):
    fake.finish_in_wait, fake.urls_base = False, "http://127.0.0.2:9"
    with pytest.raises(ProviderError) as caught:
        run(fake, client, aspect_ratio="1:1")
    assert caught.value.code == "bad_polling_url"


def test_edit_sends_input_images_as_data_uris_under_the_models_name(fake, client):
    first, second = png_bytes(10, 10), png_bytes(12, 12)
    run(fake, client, aspect_ratio="1:1", operation="edit", input_images=(first, second))
    assert fake.creates[0].json["input"]["image_input"] == [
        "data:image/png;base64," + base64.b64encode(data).decode() for data in (first, second)]


def test_too_many_images_is_replicates_validation_error_naming_the_field(fake, client):
    with pytest.raises(ProviderError) as caught:
        run(fake, client, aspect_ratio="1:1", input_images=(png_bytes(4, 4),) * 15)
    assert caught.value.permanent and "image_input: Array must have at most 14 items" in str(caught.value)


def test_ideogram_mask_is_sent_black_where_the_edit_goes(fake, client):
    mask = Image.new("RGBA", (16, 16), (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (0, 0, 8, 16))  # transparent left half: edit here
    out = io.BytesIO()
    mask.save(out, "PNG")
    run(fake, client, "ideogram-ai/ideogram-4-5-precise-edit", operation="inpaint", size="auto",
        input_images=(png_bytes(16, 16), png_bytes(8, 8)), mask=out.getvalue())
    sent = fake.creates[0].json["input"]
    assert sent["image"].startswith("data:image/png;base64,")
    assert len(sent["reference_images"]) == 1
    sent_mask = Image.open(io.BytesIO(base64.b64decode(sent["mask"].partition(",")[2])))
    assert sent_mask.getpixel((2, 2)) == 0 and sent_mask.getpixel((12, 2)) == 255


def test_nsfw_failure_reads_as_a_content_policy_refusal(fake, client):
    with pytest.raises(ContentPolicyError) as caught:
        run(fake, client, prompt="a forbidden thing", aspect_ratio="1:1")
    assert "NSFW" in str(caught.value)


def test_a_failed_prediction_is_permanent_and_names_its_id(fake, client):
    fake.outcome, fake.error_text = "failed", "CUDA out of memory"
    with pytest.raises(ProviderError) as caught:
        run(fake, client, aspect_ratio="1:1")
    assert caught.value.permanent and "pred1" in str(caught.value) and "CUDA" in str(caught.value)


def test_a_bad_token_is_an_auth_error(fake, client):
    with pytest.raises(ProviderError) as caught:
        ReplicateAdapter(Connection("replicate", fake.url, "r8_wrong"), client).check()
    assert caught.value.code == "auth"
    assert adapter(fake, client).check() == "The token works: Replicate account studio-team."


def test_throttling_is_a_passing_error_with_retry_after(fake, client):
    from tests.fakes.base import Reply

    fake.push(Reply(429, {"detail": "Request was throttled. Expected available in 1 second.",
                          "status": 429}, {"Retry-After": "1"}))
    with pytest.raises(ProviderError) as caught:
        run(fake, client, aspect_ratio="1:1")
    assert not caught.value.permanent and caught.value.retry_after == 1.0


def test_a_pinned_version_goes_to_predictions_with_version(fake, client):
    from tests.fakes.base import Reply

    fake.push(Reply(201, {"id": "pv1", "status": "succeeded", "output": f"{fake.url}/files/pv1.png",
                          "urls": {}}))
    result = run(fake, client, "acme/pixel-sdxl:5c7d5dc6", width=512, height=512)
    sent = fake.creates[0]
    assert sent.path == "/v1/predictions"
    assert sent.json == {"input": {"prompt": "a red fox", "width": 512, "height": 512},
                         "version": "5c7d5dc6"}
    assert result.images[0].url.endswith("/files/pv1.png")


def test_wait_is_capped_at_replicates_sixty_seconds(fake, client):
    adapter(fake, client, wait_seconds=300).generate(
        GenerationRequest("fox", NANO, aspect_ratio="1:1"), spec_for("replicate", NANO), Hooks())
    assert fake.creates[0].headers["prefer"] == "wait=60"
