"""Compose → job → task → stored image, through the test client."""
import hashlib
import io

import pytest
from PIL import Image as PILImage

from gallery.models import Image
from studio.models import Job, JobStatus


@pytest.fixture
def model_key(local_connection):
    return f"{local_connection.pk}:placeholder"


def post(client, **fields):
    return client.post("/", fields, HTTP_HX_REQUEST="true")


def test_compose_page_has_the_labelled_fields(member_client, model_key):
    html = member_client.get("/").content.decode()
    for label in ("Prompt", "Negative prompt", "Model", "Width", "Height", "Number of images", "Seed"):
        assert f">{label}</label>" in html, label
    # The picker groups models by connection and names each with its price (short enough for a
    # phone); the chosen model's speed and sizes are printed under it.
    assert '<optgroup label="Offline renderer">' in html
    assert ">Offline placeholder (not AI) · free</option>" in html
    assert "free · ~" in html
    assert ">Generate</button>" in html


@pytest.mark.parametrize("fields,field,message", [
    ({"width": 1001}, "width", "Width must be a multiple of 8"),
    ({"height": 4096}, "height", "Height must be between 256 and 2048"),
    ({"n": 9}, "n", "Number of images must be between 1 and 4"),
    ({"prompt": ""}, "prompt", "Prompt is required"),
])
def test_a_broken_rule_is_named_beside_its_field_and_nothing_is_queued(member_client, model_key, fields, field, message):
    data = {"prompt": "a fox", "model": model_key, "width": 512, "height": 512, "n": 1, **fields}
    response = post(member_client, **data)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="field-{field}"' in html
    section = html.split(f'id="field-{field}"', 1)[1].split('<div class="field', 1)[0]
    assert message in section
    assert Job.objects.count() == 0
    # What was typed is kept.
    assert 'a fox' in html or field == "prompt"


def test_unknown_model_is_refused(member_client, model_key):
    response = post(member_client, prompt="x", model="999:nope", width=512, height=512, n=1)
    assert "Choose one of the available models." in response.content.decode()
    assert Job.objects.count() == 0


def test_a_valid_submit_creates_a_job_and_the_task_stores_images(
        member_client, member, model_key, media_root, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(member_client, prompt="a red fox in snow", negative_prompt="blurry", model=model_key,
                        width=640, height=384, n=2, seed=7)
    assert response.status_code == 200
    job = Job.objects.get()
    assert (job.owner, job.status, job.seed) == (member, JobStatus.SUCCEEDED, 7)
    assert job.params == {"width": 640, "height": 384, "n": 2}
    assert job.started_at and job.finished_at
    # The card for the new job is swapped into the list, and the form keeps the prompt.
    html = response.content.decode()
    assert f'id="job-{job.pk}"' in html and 'hx-swap-oob="afterbegin:#jobs"' in html
    assert "a red fox in snow" in html

    images = list(Image.objects.order_by("index"))
    assert [i.index for i in images] == [0, 1]
    assert [i.seed for i in images] == [7, 8]
    for image in images:
        data = image.file.read()
        assert (image.width, image.height, image.format, image.bytes) == (640, 384, "PNG", len(data))
        assert image.sha256 == hashlib.sha256(data).hexdigest()
        assert image.prompt == "a red fox in snow" and image.negative_prompt == "blurry"
        thumb = PILImage.open(io.BytesIO(image.thumbnail.read()))
        assert thumb.format == "WEBP" and max(thumb.size) <= 512


def test_blank_seed_records_the_seed_actually_used(member_client, model_key, media_root,
                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(member_client, prompt="dunes", model=model_key, width=256, height=256, n=1, seed="")
    job = Job.objects.get()
    assert job.seed is not None
    assert Image.objects.get().seed == job.seed


def test_job_card_polls_until_finished_then_stops(member_client, member, local_connection, media_root,
                                                   django_capture_on_commit_callbacks):
    job = Job.objects.create(owner=member, connection=local_connection, connection_name="Offline renderer",
                             model_id="placeholder", model_label="Offline placeholder", prompt="p",
                             params={"width": 256, "height": 256, "n": 1}, seed=1)
    url = f"/jobs/{job.pk}/card/"
    queued = member_client.get(url, HTTP_HX_REQUEST="true")
    assert queued.status_code == 200
    assert 'hx-trigger="every 1s"' in queued.content.decode() and "Queued" in queued.content.decode()

    from studio.jobs.pool import job_dispatch as job_run

    job_run(job.pk)
    done = member_client.get(url, HTTP_HX_REQUEST="true")
    html = done.content.decode()
    assert done.status_code == 286
    assert "hx-trigger" not in html and "Succeeded" in html
    assert 'alt="p"' in html


def test_failed_job_says_why(member_client, member, media_root):
    from providers.models import ProviderConnection
    from studio.jobs.pool import job_dispatch as job_run

    off = ProviderConnection.objects.create(kind="local", name="Spare renderer", enabled=False)
    job = Job.objects.create(owner=member, connection=off, connection_name=off.name, model_id="placeholder",
                             model_label="Offline placeholder", prompt="p", params={"n": 1})
    job_run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    html = member_client.get(f"/jobs/{job.pk}/card/").content.decode()
    assert "Failed: This model&#x27;s provider connection has been disabled or removed by staff" in html


def test_cards_survive_a_reload_newest_first(member_client, model_key, media_root,
                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for prompt in ("first prompt", "second prompt"):
            post(member_client, prompt=prompt, model=model_key, width=256, height=256, n=1)
    html = member_client.get("/").content.decode()
    assert html.index("second prompt") < html.index("first prompt")


def test_duplicate_delivery_stores_nothing_twice(member_client, model_key, media_root,
                                                 django_capture_on_commit_callbacks):
    from studio.jobs.pool import job_dispatch as job_run

    with django_capture_on_commit_callbacks(execute=True):
        post(member_client, prompt="twice", model=model_key, width=256, height=256, n=1)
    job = Job.objects.get()
    job_run(job.pk)  # a second delivery of the same task
    assert Image.objects.count() == 1


def test_another_members_job_card_is_not_found(client, django_user_model, member, local_connection):
    job = Job.objects.create(owner=member, connection=local_connection, connection_name="x",
                             model_id="placeholder", model_label="x", prompt="mine", params={"n": 1})
    other = django_user_model.objects.create_user("otto", password="pw-otto-123456")
    client.force_login(other)
    assert client.get(f"/jobs/{job.pk}/card/").status_code == 404


def test_a_style_preset_adds_its_keywords_and_says_so(member_client, model_key, media_root,
                                                      django_capture_on_commit_callbacks):
    from gallery.presets import PRESETS_BY_KEY

    with django_capture_on_commit_callbacks(execute=True):
        post(member_client, prompt="a harbour", model=model_key, width=256, height=256, n=1, preset="watercolor")
    job = Job.objects.get()
    assert job.prompt.startswith("a harbour") and PRESETS_BY_KEY["watercolor"].keywords in job.prompt
    assert job.notes and "Watercolor" in job.notes[0]
    assert "Watercolor" in member_client.get(f"/jobs/{job.pk}/card/").content.decode()


def test_save_prompt_from_the_compose_form(member_client, member, model_key):
    from gallery.models import SavedPrompt

    response = member_client.post("/prompts/saved/", {"prompt": "a fox", "negative_prompt": "blur",
                                                      "model": model_key, "width": 512, "height": 512,
                                                      "n": 1, "save_name": "Fox"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Fox" in response.content.decode()
    saved = SavedPrompt.objects.get(owner=member, name="Fox")
    assert (saved.prompt, saved.negative_prompt, saved.params.get("width")) == ("a fox", "blur", "512")
    assert Job.objects.count() == 0  # saving never generates
