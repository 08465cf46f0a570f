"""The official openai SDK, unmodified, against the live test server."""
import base64
import io

import openai
import pytest
from PIL import Image as PILImage

from gallery.models import Image
from gallery.services import profile_for
from studio.models import Budget

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sdk(live_server, token):
    return openai.OpenAI(base_url=f"{live_server.url}/v1", api_key=token, max_retries=0, timeout=30)


@pytest.fixture
def editor(local_connection):
    """A local model whose catalog inputs allow edits (the offline renderer ignores the input)."""
    local_connection.custom_models = [{
        "id": "placeholder-edit", "label": "Placeholder editor", "size": {"type": "list", "sizes": ["256x256"]},
        "max_n": 1, "price": "0", "inputs": {"max_images": 1, "mask": False, "operations": ["edit"]}}]
    local_connection.save()
    return "placeholder-edit"


def _png(size=(64, 64)) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_sdk_generates_and_the_image_is_in_the_gallery_with_its_owner_and_visibility(sdk, member, placeholder):
    profile = profile_for(member)
    profile.default_visibility = "private"
    profile.save()
    result = sdk.images.generate(model="placeholder", prompt="a lighthouse at dusk", size="512x512", n=2,
                                 extra_body={"seed": 7, "negative_prompt": "fog"})
    assert len(result.data) == 2
    with PILImage.open(io.BytesIO(base64.b64decode(result.data[0].b64_json))) as im:
        assert im.size == (512, 512)
    images = Image.objects.filter(prompt="a lighthouse at dusk").order_by("index")
    assert [i.seed for i in images] == [7, 8]
    assert all(i.owner == member and i.visibility == "private" for i in images)
    assert images[0].job.source == "api"


def test_sdk_lists_models_with_rules_and_prices(sdk, placeholder):
    models = sdk.models.list()
    ids = [m.id for m in models.data]
    assert "placeholder" in ids
    entry = next(m for m in models.data if m.id == "placeholder").model_extra["studio"]
    assert entry["size"]["type"] == "range" and entry["max_n"] == 4
    assert entry["price_usd_per_image"] == "0" and entry["status"] == "active"


def test_sdk_gets_a_rule_error_as_bad_request(sdk, placeholder):
    with pytest.raises(openai.BadRequestError) as exc:
        sdk.images.generate(model="placeholder", prompt="x", size="4000x4000")
    assert "Width must be between 256 and 2048" in exc.value.message
    assert exc.value.param == "size"


def test_sdk_gets_a_budget_error_saying_what_is_left_and_does_not_retry_it(live_server, token, member,
                                                                         placeholder):
    from api.models import RateWindow

    Budget.objects.create(user=member, monthly_images=2)
    retrying = openai.OpenAI(base_url=f"{live_server.url}/v1", api_key=token, max_retries=2, timeout=30)
    with pytest.raises(openai.RateLimitError) as exc:
        retrying.images.generate(model="placeholder", prompt="x", n=3)
    assert exc.value.code == "insufficient_quota"
    assert "2 of 2 images left" in exc.value.message
    assert RateWindow.objects.get().count == 1  # x-should-retry: false kept the SDK from asking again


def test_sdk_edits_an_upload(sdk, member, editor):
    result = sdk.images.edit(model=editor, image=("in.png", _png(), "image/png"), prompt="make it blue",
                             size="256x256")
    assert base64.b64decode(result.data[0].b64_json).startswith(b"\x89PNG")
    image = Image.objects.get(prompt="make it blue")
    assert image.owner == member and image.job.operation == "edit" and image.job.inputs.count() == 1


def test_sdk_url_response_downloads(sdk, placeholder):
    import httpx

    result = sdk.images.generate(model="placeholder", prompt="a kite", response_format="url")
    assert httpx.get(result.data[0].url).content.startswith(b"\x89PNG")


def test_sdk_waits_for_a_real_worker(placeholder, worker, sdk, member):
    """Queued to the broker, run by `manage.py qcluster`, answered when the job row says so."""
    result = sdk.images.generate(model="placeholder", prompt="made by the worker", size="256x256")
    assert base64.b64decode(result.data[0].b64_json).startswith(b"\x89PNG")
    assert Image.objects.get(prompt="made by the worker").owner == member
