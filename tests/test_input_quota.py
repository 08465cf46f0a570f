"""STUDIO_INPUT_QUOTA_MB: a person's stored input images are capped, counted
once per stored file, and a refusal keeps what was typed."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from studio.input_quota import input_bytes_held
from studio.models import Job, JobInput, JobStatus
from studio.services import job_retry
from tests.test_gallery_access import make_image, png_bytes

pytestmark = pytest.mark.django_db

MB = 2**20


@pytest.fixture(autouse=True)
def tasks_at_once(monkeypatch):
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, *a, **kw: func())


@pytest.fixture
def editor(edit_connection):
    return edit_connection


def held_input(owner, conn, *, size, name="inputs/2026/12/old.png", width=256, height=256):
    """A finished job of ``owner`` whose stored input takes ``size`` bytes (None: an old row)."""
    job = Job.objects.create(owner=owner, connection=conn, connection_name=conn.name, model_id="placeholder-edit",
                             model_label="Placeholder editor", prompt="old", params={"n": 1},
                             status=JobStatus.FAILED, operation="edit")
    JobInput.objects.create(job=job, position=0, role="image", file=name, width=width, height=height, bytes=size)
    return job


def test_a_member_over_the_quota_is_refused_on_the_form_and_keeps_their_prompt(member_client, member, editor,
                                                                               settings):
    settings.STUDIO_INPUT_QUOTA_MB = 2
    held_input(member, editor, size=2 * MB - 100)
    source = make_image(member, editor)
    response = member_client.post(reverse("compose"), {
        "prompt": "the harbour at dusk, in oils", "model": f"{editor.pk}:placeholder-edit",
        "operation": "edit", "references": [source.pk], "size": "256x256", "n": 1})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Your input images take 2 MB of your 2 MB" in page and "STUDIO_INPUT_QUOTA_MB" in page
    assert "the harbour at dusk, in oils" in page
    assert not Job.objects.filter(prompt__startswith="the harbour").exists()


def test_the_edit_page_refuses_too(member_client, member, editor, settings):
    settings.STUDIO_INPUT_QUOTA_MB = 1
    held_input(member, editor, size=MB)
    source = make_image(member, editor)
    response = member_client.post(reverse("image-edit", args=[source.pk]) + "?op=edit", {
        "prompt": "make the sky stormy", "model": f"{editor.pk}:placeholder-edit", "operation": "edit",
        "references": [source.pk], "size": "256x256", "n": 1})
    assert response.status_code == 200
    assert "Your input images take 1 MB of your 1 MB" in response.content.decode()
    assert "make the sky stormy" in response.content.decode()


def test_a_tray_upload_over_the_quota_is_refused_and_not_stored(member_client, member, editor, settings):
    from gallery.models import Image

    settings.STUDIO_INPUT_QUOTA_MB = 1
    held_input(member, editor, size=MB)
    response = member_client.post(reverse("reference-upload"),
                                  {"file": SimpleUploadedFile("ref.png", png_bytes(), "image/png")})
    assert response.status_code == 413 and "STUDIO_INPUT_QUOTA_MB" in response.json()["error"]
    assert not Image.objects.filter(model_id="upload").exists()


def test_under_the_quota_an_edit_is_made_and_its_copy_is_counted(member_client, member, editor, settings):
    settings.STUDIO_INPUT_QUOTA_MB = 1
    source = make_image(member, editor)
    response = member_client.post(reverse("compose"), {
        "prompt": "snow", "model": f"{editor.pk}:placeholder-edit", "operation": "edit",
        "references": [source.pk], "size": "256x256", "n": 1})
    assert response.status_code == 302, response.content.decode()[:1500]
    row = JobInput.objects.get(job__prompt="snow")
    assert row.bytes == source.bytes and input_bytes_held(user=member) == source.bytes


def test_a_retry_of_a_job_with_inputs_does_not_count_its_files_twice(member, editor, settings):
    settings.STUDIO_INPUT_QUOTA_MB = 1
    job = held_input(member, editor, size=300_000)
    retried = job_retry(job, owner=member)
    assert list(retried.inputs.values_list("file", "bytes")) == [("inputs/2026/12/old.png", 300_000)]
    assert input_bytes_held(user=member) == 300_000
    job_retry(retried, owner=member)
    assert input_bytes_held(user=member) == 300_000


def test_quota_zero_means_unlimited(member_client, member, editor, settings):
    settings.STUDIO_INPUT_QUOTA_MB, settings.STUDIO_INPUT_RATE_MB_PER_HOUR = 0, 0
    held_input(member, editor, size=10_000 * MB)
    response = member_client.post(reverse("reference-upload"),
                                  {"file": SimpleUploadedFile("ref.png", png_bytes(), "image/png")})
    assert response.status_code == 200 and response.json()["id"]


def test_the_count_is_one_query_over_every_kind_of_input(member, staff, editor):
    held_input(member, editor, size=1000, name="inputs/a.png")
    held_input(member, editor, size=None, name="inputs/b.png", width=10, height=20)  # an old row: w×h×4
    held_input(staff, editor, size=5000, name="inputs/c.png")  # someone else's
    Job.objects.filter(prompt="old", owner=member).update(input_image="inputs/d.png", input_image_bytes=70)
    make_image(member, editor)  # a generated image is not an input
    from gallery.models import Image
    upload = make_image(member, editor)
    Image.objects.filter(pk=upload.pk).update(model_id="upload", bytes=9)
    with CaptureQueriesContext(connection) as queries:
        held = input_bytes_held(user=member)
    assert len(queries) == 1
    assert held == 1000 + 10 * 20 * 4 + 70 + 9  # input_image d.png is shared by both jobs: once


def test_inputs_stored_in_the_last_hour_are_capped_and_older_ones_are_not(member_client, member, editor,
                                                                           settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.STUDIO_INPUT_QUOTA_MB, settings.STUDIO_INPUT_RATE_MB_PER_HOUR = 0, 1
    old = held_input(member, editor, size=5 * MB, name="inputs/old.png")
    Job.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=2))
    upload = {"file": SimpleUploadedFile("ref.png", png_bytes(), "image/png")}
    assert member_client.post(reverse("reference-upload"), upload).status_code == 200
    held_input(member, editor, size=MB, name="inputs/new.png")
    response = member_client.post(reverse("reference-upload"),
                                  {"file": SimpleUploadedFile("ref.png", png_bytes(), "image/png")})
    assert response.status_code == 429
    assert "in the last hour" in response.json()["error"]
    assert "STUDIO_INPUT_RATE_MB_PER_HOUR" in response.json()["error"]


def test_both_caps_are_read_in_one_query(member, editor, settings):
    from studio.input_quota import input_quota_check

    settings.STUDIO_INPUT_QUOTA_MB, settings.STUDIO_INPUT_RATE_MB_PER_HOUR = 1, 1
    held_input(member, editor, size=1000)
    with CaptureQueriesContext(connection) as queries:
        input_quota_check(user=member, adding_bytes=1000)
    assert len(queries) == 1
