"""POST /v1/images/edits past STUDIO_INPUT_QUOTA_MB: 413 in OpenAI's envelope, nothing kept."""
import pytest

from gallery.models import Image
from studio.models import Job, JobInput, JobStatus

from .conftest import png_file

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def editor(edit_connection):
    return "placeholder-edit"




def _fill(member, conn, size):
    job = Job.objects.create(owner=member, connection=conn, connection_name=conn.name, model_id="placeholder-edit",
                             model_label="Placeholder editor", prompt="old", params={"n": 1},
                             status=JobStatus.FAILED, operation="edit")
    JobInput.objects.create(job=job, position=0, role="image", file="inputs/old.png", width=8, height=8,
                            bytes=size)


@pytest.mark.parametrize("send", ["upload", "gallery_id"])
def test_an_edit_past_the_quota_answers_413_in_openais_envelope(api, editor, placeholder, member,
                                                                local_connection, settings, send):
    made = api("post", "/v1/images/generations", {"model": "placeholder", "prompt": "a fox", "size": "256x256"})
    image_id = made.json()["studio"]["image_ids"][0]
    settings.STUDIO_INPUT_QUOTA_MB = 1
    _fill(member, local_connection, 2**20)
    jobs = Job.objects.count()
    if send == "upload":
        r = api("post", "/v1/images/edits", {"model": editor, "prompt": "in snow", "image": png_file()},
                multipart=True)
    else:
        r = api("post", "/v1/images/edits", {"model": editor, "prompt": "in snow", "image_ids": [image_id]})
    assert r.status_code == 413, r.content
    error = r.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error" and error["code"] == "input_quota_exceeded"
    assert error["param"] == "image"
    assert error["message"].startswith("Your input images take 1 MB of your 1 MB")
    assert "STUDIO_INPUT_QUOTA_MB" in error["message"]
    assert Job.objects.count() == jobs and not Image.objects.filter(model_id="upload").exists()


def test_an_edit_past_the_hourly_cap_answers_429_and_tells_the_sdk_not_to_retry(api, editor, member,
                                                                                local_connection, settings):
    settings.STUDIO_INPUT_QUOTA_MB, settings.STUDIO_INPUT_RATE_MB_PER_HOUR = 0, 1
    _fill(member, local_connection, 2**20)
    r = api("post", "/v1/images/edits", {"model": editor, "prompt": "in snow", "image": png_file()},
            multipart=True)
    assert r.status_code == 429 and r["x-should-retry"] == "false"
    assert r.json()["error"]["code"] == "input_rate_exceeded"
    assert r.json()["error"]["type"] == "rate_limit_error"
