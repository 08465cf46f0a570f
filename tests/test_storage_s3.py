"""Media on S3-compatible object storage (STUDIO_STORAGE_URL), against moto's
server on 127.0.0.1: an image made through the web app is stored in the bucket,
viewed, downloaded and deleted there, and nothing touches the local media root."""
from __future__ import annotations

import io
import logging

import boto3
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer
from PIL import Image as PILImage

from gallery.models import Image
from providers.services import ModelChoice
from studio.env import storage
from studio.models import Job, JobStatus
from studio.services import build_request, job_create

BUCKET = "studio-media"


@pytest.fixture(scope="module")
def moto_endpoint():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto logs every request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(moto_endpoint, monkeypatch, settings, media_root):
    """A fresh bucket as the default storage; yields a function listing its keys."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing-id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret")
    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {**settings.STORAGES,
                         "default": storage(f"s3://{BUCKET}/team?endpoint_url={moto_endpoint}&region=us-east-1")}

    def keys() -> dict[str, bytes]:
        listed = s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
        return {o["Key"]: s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed}

    yield keys
    for key in keys():
        s3.delete_object(Bucket=BUCKET, Key=key)
    s3.delete_bucket(Bucket=BUCKET)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_an_image_lives_in_the_bucket_from_generation_to_deletion(
        member_client, local_connection, bucket, media_root, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post("/", {"prompt": "a lighthouse", "model": f"{local_connection.pk}:placeholder",
                                            "width": 512, "height": 512, "n": 1}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    job = Job.objects.get()
    assert job.status == JobStatus.SUCCEEDED, job.error_message
    image = Image.objects.get(job=job)

    stored = bucket()
    original_key, thumb_key = f"team/{image.file.name}", f"team/{image.thumbnail.name}"
    assert set(stored) == {original_key, thumb_key}
    assert not media_root.exists() or not any(media_root.rglob("*.*")), "nothing on the local disk"

    page = member_client.get(image.get_absolute_url())
    assert page.status_code == 200
    thumb = member_client.get(image.thumbnail_url)
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/webp"
    assert body(thumb) == stored[thumb_key]
    download = member_client.get(image.original_url + "?download=1")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    original = body(download)
    assert original == stored[original_key]
    assert PILImage.open(io.BytesIO(original)).size == (512, 512)

    assert member_client.post(f"/gallery/images/{image.pk}/delete/").status_code == 302
    assert bucket() == {}, "deleting an image removes both objects"
    assert not Image.objects.exists()


def test_an_input_image_is_kept_in_the_bucket_and_read_back_from_it(
        member, local_connection, bucket, settings, django_capture_on_commit_callbacks):
    settings.STUDIO_TASKS_INLINE = False  # queued, not run: only the input is stored
    out = io.BytesIO()
    PILImage.new("RGB", (64, 48), (10, 120, 200)).save(out, "PNG")
    upload = SimpleUploadedFile("photo.png", out.getvalue(), content_type="image/png")
    spec = local_connection.spec("placeholder")
    with django_capture_on_commit_callbacks(execute=True):
        job = job_create(owner=member, choice=ModelChoice(local_connection, spec),
                         values={"prompt": "make it blue", "n": 1, "input_image": upload})
    job.refresh_from_db()
    stored = bucket()
    assert list(stored) == [f"team/{job.input_image.name}"]
    assert job.input_image.name.startswith("inputs/")
    assert build_request(job, spec).input_image == out.getvalue()


@pytest.mark.parametrize("url,message", [
    ("s3://id:secret@bucket", "must not carry keys"),
    ("s3://bucket?endpoint=http://x", "unknown option"),
    ("gs://bucket", "must start with s3://"),
    ("s3:///prefix", "needs a bucket"),
])
def test_a_wrong_storage_url_is_refused_with_the_rule_it_broke(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        storage(url)


def test_without_a_storage_url_media_stays_on_the_local_disk():
    assert storage(None) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
