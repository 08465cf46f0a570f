"""Run tokens: two real runners on one job, and duplicate deliveries of its task."""
import threading
import time

import pytest

from gallery.models import Image
from studio.jobs.pool import job_dispatch
from studio.jobs.recovery import jobs_recover
from studio.models import AttemptOutcome, Job, JobStatus
from tests.fakes.openai import API_KEY, FakeOpenAI

from .test_job_lifecycle import create_queued, wait_for
from .test_providers_ui import connect

pytestmark = pytest.mark.django_db(transaction=True)


class FirstCallSlowFake(FakeOpenAI):
    """The first image request takes ``first`` seconds, later ones ``later``."""

    def __init__(self, kind, first, later):
        super().__init__(kind)
        self.delays = [first]
        self.later = later

    def route(self, req):
        if req.path.endswith("/images/generations"):
            time.sleep(self.delays.pop(0) if self.delays else self.later)
        return super().route(req)


def generations(fake):
    return [r for r in fake.requests if r.path.endswith("/images/generations")]


def test_a_stale_runner_that_wakes_late_keeps_the_new_runners_images(member, media_root, settings):
    """The first runner is judged dead mid-call, the job is requeued and run again;
    when the first runner's call returns, it must write and delete nothing."""
    with FirstCallSlowFake("openai", first=1.5, later=0.1) as fake:
        conn = connect("openai", fake, "/v1", API_KEY, {})
        job = create_queued(member, conn, "gpt-image-2", settings, size="auto")
        stale = threading.Thread(target=job_dispatch, args=(job.pk,))
        stale.start()
        wait_for(lambda: Job.objects.get(pk=job.pk).phase == "Waiting for the provider")
        assert jobs_recover(stale_after=-1) == 1  # its heartbeat looked too old
        job_dispatch(job.pk)  # a second runner claims it and finishes first
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED and job.image_count == 1
        stale.join(5)

        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED
        images = Image.objects.filter(job=job)
        assert images.count() == 1 and images.get().file.storage.exists(images.get().file.name)
        assert len(generations(fake)) == 2
        assert [a.outcome for a in job.attempt_set.order_by("number")] == [AttemptOutcome.LOST,
                                                                           AttemptOutcome.SUCCEEDED]


def test_a_stale_runner_cannot_finish_a_job_it_no_longer_holds(member, media_root, settings):
    """Here the stale runner's call returns first: the job is the new runner's to finish."""
    with FirstCallSlowFake("openai", first=0.6, later=1.5) as fake:
        conn = connect("openai", fake, "/v1", API_KEY, {})
        job = create_queued(member, conn, "gpt-image-2", settings, size="auto")
        stale = threading.Thread(target=job_dispatch, args=(job.pk,))
        stale.start()
        wait_for(lambda: Job.objects.get(pk=job.pk).phase == "Waiting for the provider")
        jobs_recover(stale_after=-1)
        fresh = threading.Thread(target=job_dispatch, args=(job.pk,))
        fresh.start()
        stale.join(5)
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING  # the stale runner's success was not written
        assert not Image.objects.filter(job=job).exists()
        fresh.join(5)
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED and Image.objects.filter(job=job).count() == 1


def test_two_deliveries_of_one_task_at_once_make_one_call(member, media_root, settings):
    with FirstCallSlowFake("openai", first=0.5, later=0.5) as fake:
        conn = connect("openai", fake, "/v1", API_KEY, {})
        job = create_queued(member, conn, "gpt-image-2", settings, size="auto")
        start = threading.Barrier(2)

        def deliver():
            start.wait()
            job_dispatch(job.pk)

        threads = [threading.Thread(target=deliver) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(5)
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED and job.attempts == 1
        assert len(generations(fake)) == 1 and Image.objects.filter(job=job).count() == 1
