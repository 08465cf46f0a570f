"""POST /v1/images/edits: uploads or gallery ids, checked against the model's inputs."""
import base64
import io

import pytest
from PIL import Image as PILImage

from gallery.models import Image
from studio.models import Job

from .conftest import png_file

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def editor(edit_connection):
    return "placeholder-edit"




def test_edit_from_a_gallery_image_by_id(api, editor, placeholder, member):
    made = api("post", "/v1/images/generations", {"model": "placeholder", "prompt": "a fox", "size": "256x256"})
    image_id = made.json()["studio"]["image_ids"][0]
    r = api("post", "/v1/images/edits", {"model": editor, "prompt": "the fox in snow", "image_ids": [image_id]})
    assert r.status_code == 200, r.content
    assert base64.b64decode(r.json()["data"][0]["b64_json"]).startswith(b"\x89PNG")
    job = Job.objects.get(pk=r.json()["studio"]["job_id"])
    assert job.operation == "edit" and job.source == "api"
    assert [i.source_id for i in job.inputs.all()] == [image_id]


def test_a_model_that_does_not_edit_is_refused_with_its_rule_and_keeps_nothing(api, placeholder):
    r = api("post", "/v1/images/edits", {"model": "placeholder", "prompt": "x", "image": png_file()},
            multipart=True)
    assert r.status_code == 400 and r.json()["error"]["code"] == "operation"
    assert "cannot do Edit" in r.json()["error"]["message"]
    assert not Job.objects.exists() and not Image.objects.exists()


def test_uploads_and_a_mask_reach_the_job_and_uploads_stay_private(api, editor, member):
    r = api("post", "/v1/images/edits", {"model": editor, "prompt": "repaint the corner",
                                         "image[]": [png_file("a.png"), png_file("b.png")],
                                         "mask": png_file("mask.png")}, multipart=True)
    assert r.status_code == 200, r.content
    job = Job.objects.get(pk=r.json()["studio"]["job_id"])
    roles = [i.role for i in job.inputs.order_by("position")]
    assert roles == ["image", "reference", "mask"]
    uploads = Image.objects.filter(model_id="upload")
    assert uploads.count() == 2 and all(i.owner == member and i.visibility == "private" for i in uploads)


def test_a_mask_of_the_wrong_size_is_refused(api, editor):
    small = io.BytesIO()
    PILImage.new("RGBA", (8, 8)).save(small, "PNG")
    small.name = "mask.png"
    small.seek(0)
    r = api("post", "/v1/images/edits", {"model": editor, "prompt": "x", "image": png_file(), "mask": small},
            multipart=True)
    assert r.status_code == 400 and "size of the image" in r.json()["error"]["message"]
    assert not Job.objects.exists()
    assert not Image.objects.exists()  # the refused request's upload is not kept


def test_a_refused_prompt_keeps_no_upload(api, editor):
    r = api("post", "/v1/images/edits", {"model": editor, "prompt": "", "image": png_file()},
            multipart=True)
    assert r.status_code == 400
    assert not Image.objects.exists()


def test_a_replayed_edit_stores_its_uploads_once(api, editor):
    def send():
        return api("post", "/v1/images/edits", {"model": editor, "prompt": "repaint", "image": png_file()},
                   multipart=True, HTTP_IDEMPOTENCY_KEY="edit-1")
    first, again = send(), send()
    assert first.status_code == again.status_code == 200, again.content
    assert first.json()["studio"]["job_id"] == again.json()["studio"]["job_id"]
    assert Image.objects.filter(model_id="upload").count() == 1


def test_too_many_input_images_names_the_limit(api, editor):
    r = api("post", "/v1/images/edits", {"model": editor, "prompt": "x",
                                         "image[]": [png_file("a.png"), png_file("b.png"), png_file("c.png")]},
            multipart=True)
    assert r.status_code == 400 and "at most 2 input images" in r.json()["error"]["message"]
    assert r.json()["error"]["param"] == "image" and not Image.objects.exists()


def test_an_edit_needs_an_image(api, editor):
    r = api("post", "/v1/images/edits", {"model": editor, "prompt": "x"})
    assert r.status_code == 400 and r.json()["error"]["param"] == "image"


def test_openapi_schema_lists_the_endpoints(client):
    schema = client.get("/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert {"/images/generations", "/images/edits", "/models", "/jobs/{id}"} <= set(schema["paths"])
    assert schema["servers"][0]["url"].endswith("/v1")


def test_models_list_shows_what_a_model_takes_as_inputs(api, editor):
    models = {m["id"]: m["studio"] for m in api("get", "/v1/models").json()["data"]}
    assert models[editor]["inputs"] == {"max_images": 2, "mask": True, "strength": False, "operations": ["edit"]}
    assert models["placeholder"]["inputs"] is None
