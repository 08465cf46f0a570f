"""Cancel, crash recovery, batches and per-connection caps, with real threads and processes."""
import os
import signal
import threading
import time

import pytest

from gallery.models import Image
from providers.models import ProviderConnection
from providers.services import ModelChoice
from studio.models import AttemptOutcome, Job, JobStatus
from studio.jobs.pool import job_dispatch
from studio.services import jobs_recover
from studio.services import job_create
from tests.fakes.openai import API_KEY, FakeOpenAI

from .test_providers_ui import connect

pytestmark = pytest.mark.django_db(transaction=True)


class SlowFake(FakeOpenAI):
    """Answers image requests after ``delay`` seconds and counts calls in flight."""

    def __init__(self, kind, delay):
        super().__init__(kind)
        self.delay, self.in_flight, self.max_in_flight = delay, 0, 0
        self.count_lock = threading.Lock()

    def route(self, req):
        if not req.path.endswith("/images/generations"):
            return super().route(req)
        with self.count_lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        time.sleep(self.delay)
        try:
            return super().route(req)
        finally:
            with self.count_lock:
                self.in_flight -= 1


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def create(member, conn, model_id, **values):
    spec = conn.spec(model_id)
    return job_create(owner=member, choice=ModelChoice(conn, spec), values={"prompt": "a kite", "n": 1, **values})


def create_queued(member, conn, model_id, settings, **values):
    """A queued job that no worker takes: the test runs it in a thread of its own."""
    settings.STUDIO_TASKS_INLINE = False
    job = create(member, conn, model_id, **values)
    settings.STUDIO_TASKS_INLINE = True  # job_dispatch then runs it in the calling thread
    return job


def test_cancel_during_a_slow_call_discards_the_result(member, member_client, media_root, settings):
    with SlowFake("openai", delay=1.0) as fake:
        conn = connect("openai", fake, "/v1", API_KEY, {})
        job = create_queued(member, conn, "gpt-image-2", settings, size="auto")
        thread = threading.Thread(target=job_dispatch, args=(job.pk,))
        thread.start()
        wait_for(lambda: Job.objects.get(pk=job.pk).phase == "Waiting for the provider")
        card = member_client.post(f"/jobs/{job.pk}/cancel/", HTTP_HX_REQUEST="true").content.decode()
        assert "Cancelled" in card and "hx-trigger" not in card
        thread.join(5)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert not Image.objects.exists()
    assert not list((media_root / "images").rglob("*.*")) if (media_root / "images").exists() else True
    assert job.attempt_set.get().outcome in (AttemptOutcome.SUCCEEDED, AttemptOutcome.CANCELLED)


def test_cancel_stops_polling_an_async_provider(member, local_connection, media_root, settings):
    local_connection.options = {"delay_seconds": 5}
    local_connection.save()
    job = create_queued(member, local_connection, "placeholder", settings, width=256, height=256)
    thread = threading.Thread(target=job_dispatch, args=(job.pk,))
    started = time.monotonic()
    thread.start()
    wait_for(lambda: Job.objects.get(pk=job.pk).phase == "Waiting for the provider")
    from studio.services import job_cancel

    job_cancel(Job.objects.get(pk=job.pk))
    thread.join(5)
    assert time.monotonic() - started < 3  # it stopped waiting, long before the 5 s render
    assert Job.objects.get(pk=job.pk).status == JobStatus.CANCELLED


def test_a_worker_killed_mid_job_is_recovered_without_duplicates(member, local_connection, media_root, worker,
                                                                 settings):
    local_connection.options = {"delay_seconds": 3}
    local_connection.save()
    job = create(member, local_connection, "placeholder", width=256, height=256)
    wait_for(lambda: Job.objects.get(pk=job.pk).phase == "Waiting for the provider")
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(5)

    assert jobs_recover(stale_after=0) == 1
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED  # nothing left in running once the check has run
    assert job.attempt_set.get().outcome == AttemptOutcome.LOST

    local_connection.options = {}
    local_connection.save()
    settings.STUDIO_TASKS_INLINE = True
    job_dispatch(job.pk)
    job_dispatch(job.pk)  # and a late duplicate delivery of the old task
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert Image.objects.filter(job=job).count() == 1
    assert not Job.objects.filter(status=JobStatus.RUNNING).exists()


def test_a_job_lost_too_often_fails_with_a_clear_message(member, local_connection, settings):
    job = create(member, local_connection, "placeholder", width=256, height=256)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, attempts=settings.STUDIO_MAX_ATTEMPTS)
    jobs_recover(stale_after=-1)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error_message == "The worker running this job stopped unexpectedly; please try again."


def test_n_images_on_a_one_image_model_are_n_calls_at_once(member, media_root):
    with SlowFake("apiyi", delay=0.4) as fake:
        conn = connect("apiyi", fake, "/v1", API_KEY, {})
        job = create(member, conn, "flux-2-pro", width=512, height=512, n=3, seed=10)
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED, job.error_message
        assert fake.max_in_flight == 3
        assert sorted(Image.objects.filter(job=job).values_list("seed", flat=True)) == [10, 11, 12]
        assert sorted(r.json["seed"] for r in fake.requests if r.method == "POST") == [10, 11, 12]


def test_a_connection_cap_limits_calls_in_flight(member, media_root):
    with SlowFake("apiyi", delay=0.2) as fake:
        conn = connect("apiyi", fake, "/v1", API_KEY, {})
        ProviderConnection.objects.filter(pk=conn.pk).update(max_concurrency=1)
        conn.refresh_from_db()
        started = time.monotonic()
        job = create(member, conn, "flux-2-pro", width=512, height=512, n=3, seed=1)
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED
        assert fake.max_in_flight == 1 and time.monotonic() - started >= 0.6
