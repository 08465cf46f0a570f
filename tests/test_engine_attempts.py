"""Each connection sets its own attempts; a batch keeps each image's seed and says what is missing."""
import base64

import pytest

from gallery.models import Image
from providers.models import ProviderConnection
from studio.models import Job, JobStatus
from tests.fakes.base import Reply, png_bytes
from tests.fakes.openai import API_KEY, FakeOpenAI, server_error

from .test_providers_ui import connect


@pytest.fixture
def fake():
    with FakeOpenAI("openai") as server:
        yield server


def submit(client, conn, **fields):
    data = {"prompt": "a lighthouse", "model": f"{conn.pk}:gpt-image-2", "width": 1024, "height": 1024, "n": 1,
            **fields}
    response = client.post("/", data, HTTP_HX_REQUEST="true")
    return response, Job.objects.latest("id")


def generations(fake):
    return [r for r in fake.requests if r.path.endswith("/images/generations")]


def test_a_connection_set_to_one_attempt_is_called_once(fake, member_client, media_root,
                                                        django_capture_on_commit_callbacks):
    conn = connect("openai", fake, "/v1", API_KEY, {})
    ProviderConnection.objects.filter(pk=conn.pk).update(max_attempts=1)  # a gateway that retries itself
    fake.push(server_error())
    with django_capture_on_commit_callbacks(execute=True):
        _, job = submit(member_client, conn)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.attempts == 1
    assert len(generations(fake)) == 1


def test_new_connections_get_three_attempts(db):
    assert ProviderConnection.objects.create(kind="local", name="x").max_attempts == 3


def test_staff_set_attempts_in_the_admin(admin_client, fake):
    conn = connect("openai", fake, "/v1", API_KEY, {})
    page = admin_client.get(f"/admin/providers/providerconnection/{conn.pk}/change/").content.decode()
    assert 'name="max_attempts"' in page and "retries by itself" in page


def _inline_images(count):
    return Reply(200, {"created": 1, "data": [{"b64_json": base64.b64encode(png_bytes(32, 32)).decode()}
                                              for _ in range(count)]})


def test_fewer_images_than_asked_is_a_note_on_the_card(fake, member_client, media_root,
                                                       django_capture_on_commit_callbacks):
    conn = connect("openai", fake, "/v1", API_KEY, {})
    fake.push(_inline_images(1))
    with django_capture_on_commit_callbacks(execute=True):
        _, job = submit(member_client, conn, n=3)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.image_count == 1
    card = member_client.get(f"/jobs/{job.pk}/card/", HTTP_HX_REQUEST="true").content.decode()
    assert "The provider returned 1 of the 3 images asked for." in card


def test_never_more_images_than_asked(fake, member_client, media_root, django_capture_on_commit_callbacks):
    conn = connect("openai", fake, "/v1", API_KEY, {})
    fake.push(_inline_images(7))
    with django_capture_on_commit_callbacks(execute=True):
        _, job = submit(member_client, conn, n=2)
    job.refresh_from_db()
    assert job.image_count == 2 and Image.objects.filter(job=job).count() == 2
