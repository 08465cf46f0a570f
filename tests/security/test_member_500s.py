"""Requests a member can make that used to answer 500 (issue 9, item 13)."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DataError, transaction
from PIL import Image as PILImage

from gallery.models import Image
from gallery.services import image_store
from providers.services import model_choice
from studio.models import Job, JobStatus
from studio.services import job_create
from tests.test_gallery_access import make_image, png_bytes


def files_under(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("before", ["9" * 5000 + "-1", "1-" + "9" * 5000, "²-1", "1-99999999999999999999"])
def test_a_mangled_page_link_shows_the_newest_page_with_a_message(member_client, member, local_connection,
                                                                    media_root, before):
    image = make_image(member, local_connection)
    response = member_client.get("/gallery/", {"before": before})
    assert response.status_code == 200
    html = response.content.decode()
    assert "That page link is broken; showing the newest images." in html
    assert f'id="image-{image.pk}"' in html


@pytest.mark.parametrize("field", ["date_to", "date_from"])
def test_a_date_at_the_end_of_the_calendar_is_refused_by_name(member_client, field):
    response = member_client.get("/gallery/", {field: "9999-12-31"})
    assert response.status_code == 200
    assert "Choose a date between 1900 and 9998." in response.content.decode()


def test_the_last_allowed_day_still_filters(member_client, member, local_connection, media_root):
    image = make_image(member, local_connection)
    response = member_client.get("/gallery/", {"date_to": "9998-12-31"})
    assert f'id="image-{image.pk}"' in response.content.decode()


@pytest.mark.parametrize("staff_action", ["disable", "delete"])
def test_retry_of_a_job_whose_connection_staff_removed_says_why_and_keeps_one_card(
        member_client, member, local_connection, staff_action):
    failed = Job.objects.create(owner=member, connection=local_connection, connection_name="Offline",
                                model_id="placeholder", model_label="Placeholder", prompt="a fox",
                                params={"n": 1}, status=JobStatus.FAILED)
    if staff_action == "disable":
        local_connection.enabled = False
        local_connection.save()
    else:
        local_connection.delete()
    response = member_client.post(f"/jobs/{failed.pk}/retry/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "This model is no longer available" in html
    # The card replaces itself instead of being inserted before itself.
    assert response["HX-Reswap"] == "outerHTML"
    assert html.count(f'id="job-{failed.pk}"') == 1
    assert Job.objects.count() == 1


def test_a_seed_the_database_cannot_hold_is_dropped_not_fatal(member, local_connection, media_root):
    job = Job.objects.create(owner=member, connection=local_connection, connection_name="Offline",
                             model_id="placeholder", model_label="Placeholder", prompt="a fox",
                             params={"n": 1}, status=JobStatus.RUNNING)
    image = image_store(job=job, index=0, data=png_bytes(), seed=2**80)
    image.refresh_from_db()
    assert image.seed is None
    assert len(files_under(media_root)) == 2  # the original and its thumbnail


def test_a_row_the_database_refuses_leaves_no_files(member, local_connection, media_root, monkeypatch):
    job = Job.objects.create(owner=member, connection=local_connection, connection_name="Offline",
                             model_id="placeholder", model_label="Placeholder", prompt="a fox",
                             params={"n": 1}, status=JobStatus.RUNNING)

    def refuse(self, *args, **kwargs):
        raise DataError("value out of range")

    monkeypatch.setattr(Image, "save", refuse)
    with pytest.raises(DataError):
        image_store(job=job, index=0, data=png_bytes(), seed=1)
    assert files_under(media_root) == []


def upload() -> SimpleUploadedFile:
    out = io.BytesIO()
    PILImage.new("RGB", (64, 64), "teal").save(out, "PNG")
    return SimpleUploadedFile("in.png", out.getvalue(), content_type="image/png")


def test_an_input_image_of_a_rolled_back_job_leaves_no_file(member, local_connection, media_root,
                                                            django_capture_on_commit_callbacks):
    choice = model_choice(f"{local_connection.pk}:placeholder")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            job_create(owner=member, choice=choice, values={"prompt": "a fox", "input_image": upload()})
            raise RuntimeError("a later step failed")
    assert Job.objects.count() == 0
    assert files_under(media_root) == []


def test_an_input_image_of_a_committed_job_is_stored(member, local_connection, media_root,
                                                     django_capture_on_commit_callbacks, settings):
    settings.STUDIO_TASKS_INLINE = False
    choice = model_choice(f"{local_connection.pk}:placeholder")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = job_create(owner=member, choice=choice, values={"prompt": "a fox", "input_image": upload()})
    callbacks[0]()  # the file is written on commit, before the job is enqueued
    job.refresh_from_db()
    assert job.input_image.name.startswith("inputs/") and job.input_image.size > 0
