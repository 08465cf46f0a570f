"""A database that goes away mid-job: a paid call is not made again, and no file is left behind."""
import pytest
from django.db import OperationalError

from gallery.models import Image
from studio.models import Job, JobStatus
from tests.fakes.openai import API_KEY, FakeOpenAI

from .test_providers_ui import connect


@pytest.fixture
def fake():
    with FakeOpenAI("openai") as server:
        yield server


def files_under(root):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_database_blip_while_storing_neither_repeats_the_call_nor_leaves_files(
        fake, member_client, media_root, monkeypatch, django_capture_on_commit_callbacks):
    conn = connect("openai", fake, "/v1", API_KEY, {})
    real_save = Image.save
    failures = []

    def save_once_refused(self, *args, **kwargs):
        if not failures:
            failures.append(1)
            raise OperationalError("server closed the connection unexpectedly")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Image, "save", save_once_refused)
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post("/", {"prompt": "a lighthouse", "model": f"{conn.pk}:gpt-image-2", "width": 1024,
                                 "height": 1024, "n": 1}, HTTP_HX_REQUEST="true")
    job = Job.objects.get()
    assert failures and job.status == JobStatus.SUCCEEDED
    assert len([r for r in fake.requests if r.path.endswith("/images/generations")]) == 1
    image = Image.objects.get(job=job)
    assert files_under(media_root / "images") + files_under(media_root / "thumbs") == sorted(
        [media_root / image.file.name, media_root / image.thumbnail.name])
