"""Compose from a file: uploading (or dropping) an image restores its parameters."""
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from PIL.PngImagePlugin import PngInfo

from gallery.models import Image
from gallery.services import image_store
from providers.models import ProviderConnection
from studio import views_restore
from studio.models import Job
from tests.test_metadata import A1111_SAMPLE

URL = "/compose/from-file/"
CHECKPOINT = "dreamshaper_8.safetensors [879db523c3]"


def png(text: str | None = None) -> bytes:
    info = PngInfo()
    if text is not None:
        info.add_text("parameters", text)
    out = io.BytesIO()
    PILImage.new("RGB", (16, 16), "teal").save(out, "PNG", pnginfo=info)
    return out.getvalue()


def upload(client, data: bytes, *, htmx=True, **fields):
    file = SimpleUploadedFile("picture.png", data, content_type="image/png")
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(URL, {"file": file, **fields}, **extra)


@pytest.fixture
def local_key(local_connection):
    return f"{local_connection.pk}:placeholder"


@pytest.fixture
def gpu_box(db):
    # Sorted before "Offline renderer", so it is the first model of the list.
    return ProviderConnection.objects.create(kind="a1111", name="GPU box", base_url="http://gpu-box:7860",
                                             discovered_models=[CHECKPOINT])


def stored_file(member, connection) -> bytes:
    job = Job.objects.create(owner=member, connection=connection, connection_name=connection.name,
                             model_id="placeholder", model_label="Offline placeholder (not AI)",
                             prompt="a quiet harbour\nat dawn", negative_prompt="people",
                             params={"width": 640, "height": 384, "n": 2}, seed=77)
    out = io.BytesIO()
    PILImage.new("RGB", (640, 384), "navy").save(out, "PNG")
    return image_store(job=job, index=0, data=out.getvalue(), seed=77).file.read()


def test_our_own_file_restores_every_field_and_the_model(member_client, member, local_connection, local_key,
                                                          gpu_box, media_root):
    data = stored_file(member, local_connection)
    images = Image.objects.count()
    response = upload(member_client, data, model=f"{gpu_box.pk}:{CHECKPOINT}")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.choice.key == local_key  # the exact model, not the one in the form nor the first
    expected = {"prompt": "a quiet harbour\nat dawn", "negative_prompt": "people", "width": 640, "height": 384,
                "n": 2, "seed": 77, "model": local_key}
    assert {k: form.initial.get(k) for k in expected} == expected
    html = response.content.decode()
    assert 'id="compose-form"' in html and "<html" not in html
    assert "Restored prompt, negative prompt, size, number of images, seed." in html
    assert Image.objects.count() == images and Job.objects.count() == 1  # the upload is never kept


def test_an_automatic1111_file_restores_its_parameters_and_checkpoint(member_client, local_key, gpu_box):
    response = upload(member_client, png(A1111_SAMPLE), model=local_key)
    form = response.context["form"]
    assert form.choice.key == f"{gpu_box.pk}:{CHECKPOINT}"
    expected = {"prompt": ("masterpiece, best quality, 1girl, (blue hair:1.2), looking at viewer,\n"
                           "outdoors, cherry blossoms"),
                "negative_prompt": "lowres, bad anatomy, (worst quality:1.4)", "steps": 30, "guidance": 6.5,
                "seed": 3141592653, "width": 512, "height": 768, "sampler": "DPM++ 2M Karras"}
    assert {k: form.initial.get(k) for k in expected} == expected
    assert ("Restored prompt, negative prompt, size, seed, steps, CFG scale, sampler."
            in response.content.decode())


def test_a_checkpoint_not_connected_here_keeps_the_current_model(member_client, local_key):
    response = upload(member_client, png(A1111_SAMPLE), model=local_key)
    form = response.context["form"]
    assert form.choice.key == local_key
    assert (form.initial["prompt"], form.initial["seed"], form.initial["width"]) == (
        A1111_SAMPLE.split("\nNegative")[0], 3141592653, 512)
    html = response.content.decode()
    assert "Restored prompt, negative prompt, size, seed; the model “dreamshaper_8” is not connected here." in html
    assert "Not restored here: steps, sampler, schedule type, CFG scale." in html


def test_without_htmx_it_redirects_to_a_filled_compose_page(member_client, local_key):
    response = upload(member_client, png(A1111_SAMPLE), htmx=False, model=local_key)
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert url.path == "/" and query["model"] == local_key
    assert (query["seed"], query["width"], query["height"]) == ("3141592653", "512", "768")
    page = member_client.get(response["Location"]).content.decode()
    assert "cherry blossoms" in page and 'value="3141592653"' in page


@pytest.mark.parametrize("data,message", [
    (png(), "This file carries no generation parameters."),
    (b"just some text, not a picture", "Not an image file."),
])
def test_files_that_restore_nothing_say_why(member_client, local_key, data, message):
    response = upload(member_client, data, model=local_key, prompt="what I typed")
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    assert "what I typed" in html  # the form keeps what was there


def test_a_file_over_the_size_cap_is_refused(member_client, local_key, monkeypatch):
    monkeypatch.setattr(views_restore, "MAX_UPLOAD_BYTES", 100)
    response = upload(member_client, png(A1111_SAMPLE), model=local_key)
    assert response.context["restore_error"].startswith("The file must be at most")


def test_the_compose_page_offers_a_labelled_restore_input(member_client, local_key):
    html = member_client.get("/").content.decode()
    assert '<label for="restore-file">Restore from an image</label>' in html
    assert 'hx-post="/compose/from-file/"' in html and "js/drop.js" in html


def test_anonymous_is_sent_to_log_in(client, local_key):
    response = upload(client, png(A1111_SAMPLE))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
