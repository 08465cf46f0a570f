"""A worker killed just after a paid provider call: the job resumes from the
stash, the provider is not called again and the cost is recorded once."""
import pytest
from django.core.files.storage import default_storage

from gallery.models import Image
from studio.jobs import calls, run
from studio.jobs.pool import job_dispatch
from studio.jobs.recovery import jobs_recover
from studio.jobs.stash import stash_read
from studio.models import AttemptOutcome, Job, JobAttempt, JobStatus
from studio.usage import month_spent
from tests.fakes.openai import API_KEY, FakeOpenAI

from .test_job_lifecycle import create_queued
from .test_providers_ui import connect

pytestmark = pytest.mark.django_db(transaction=True)


class Killed(BaseException):
    """SIGKILL, as near as a test gets: no ``except Exception`` sees it, nothing is written after it."""


@pytest.fixture
def fake():
    with FakeOpenAI("openai") as server:
        yield server


def generations(fake):
    return [r for r in fake.requests if r.path.endswith("/images/generations")]


def stash_files(media_root):
    root = media_root / "stash"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def kill_once(monkeypatch, module, name, when=lambda *a, **k: True):
    real = getattr(module, name)
    killed = []

    def dying(*args, **kwargs):
        if not killed and when(*args, **kwargs):
            killed.append(1)
            raise Killed()
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, dying)
    return killed


def run_until_killed(job):
    with pytest.raises(Killed):
        job_dispatch(job.pk)


def recover_and_rerun(job):
    assert Job.objects.get(pk=job.pk).status == JobStatus.RUNNING  # the dead runner left it so
    assert jobs_recover(stale_after=-1) == 1  # its heartbeat stopped
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
    job_dispatch(job.pk)  # the sweep's delivery, to another worker
    job.refresh_from_db()
    return job


def control_cost(member, conn, settings, fake):
    """What the same job costs when nothing goes wrong."""
    job = create_queued(member, conn, "gpt-image-2", settings, size="1024x1024")
    job_dispatch(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.cost is not None
    return job


@pytest.mark.parametrize("kill_at", ["after the attempt was recorded", "before the attempt was recorded"])
def test_a_worker_killed_after_a_paid_call_resumes_without_calling_again(
        kill_at, member, fake, media_root, settings, monkeypatch):
    conn = connect("openai", fake, "/v1", API_KEY, {})
    conn.max_attempts = 1  # recovery must requeue it all the same: its result is paid for
    conn.save()
    control = control_cost(member, conn, settings, fake)
    calls_before = len(generations(fake))

    job = create_queued(member, conn, "gpt-image-2", settings, size="1024x1024")
    if kill_at == "after the attempt was recorded":  # the cluster's race: the row said succeeded
        kill_once(monkeypatch, run, "_store")
    else:  # the stash is written, the attempt row still says running
        kill_once(monkeypatch, calls, "_release",
                  lambda run, attempt, outcome, **kw: outcome == AttemptOutcome.SUCCEEDED)
    run_until_killed(job)
    assert len(generations(fake)) == calls_before + 1
    assert not Image.objects.filter(job=job).exists()
    assert stash_files(media_root), "the paid result was not kept"

    job = recover_and_rerun(job)

    assert len(generations(fake)) == calls_before + 1, "the provider was called (and billed) twice"
    assert job.status == JobStatus.SUCCEEDED, job.error_message
    image = Image.objects.get(job=job)
    assert image.file.storage.exists(image.file.name)
    assert job.image_count == 1
    assert job.cost == control.cost and job.cost_source == control.cost_source
    assert image.cost == job.cost
    assert month_spent(member) == (control.cost + job.cost, 2)  # counted once each
    assert job.attempt_set.count() == 1  # the re-run took no slot it did not need
    assert job.attempt_set.get().outcome == AttemptOutcome.SUCCEEDED
    assert any("the provider was not asked again" in note for note in job.notes)
    assert not stash_files(media_root), "the stash outlived the stored images"
    assert not job.attempt_set.exclude(stash="").exists()


def test_a_batch_resumes_only_the_calls_that_were_not_paid(member, media_root, settings, monkeypatch):
    """flux-2-pro makes one image a call: a batch of 3 is 3 calls. Two came back
    before the kill, one was still in flight: only that one is made again."""
    with FakeOpenAI("apiyi") as fake:
        conn = connect("apiyi", fake, "/v1", API_KEY, {})
        job = create_queued(member, conn, "flux-2-pro", settings, width=512, height=512, n=3, seed=10)
        kill_once(monkeypatch, run, "_store")
        run_until_killed(job)
        # The third call was still in flight when the worker died: no stash, attempt running.
        in_flight = next(a for a in job.attempt_set.all() if stash_read(a.stash)[0] == 2)
        default_storage.delete(in_flight.stash)
        JobAttempt.objects.filter(pk=in_flight.pk).update(outcome=AttemptOutcome.RUNNING, stash="")
        sent = len(fake.requests)

        job = recover_and_rerun(job)

        assert job.status == JobStatus.SUCCEEDED, job.error_message
        assert [r.json["seed"] for r in fake.requests[sent:] if r.method == "POST"] == [12]
        assert sorted(Image.objects.filter(job=job).values_list("seed", flat=True)) == [10, 11, 12]
        assert job.image_count == 3
        assert job.attempt_set.filter(outcome=AttemptOutcome.SUCCEEDED).count() == 3
        assert not stash_files(media_root)


def test_recovery_deletes_the_stash_of_a_job_that_finished(member, fake, media_root, settings, monkeypatch):
    """Killed after finishing, before cleaning: the next recovery cleans up."""
    conn = connect("openai", fake, "/v1", API_KEY, {})
    job = create_queued(member, conn, "gpt-image-2", settings, size="1024x1024")
    kill_once(monkeypatch, run, "stashes_clean")
    run_until_killed(job)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and stash_files(media_root)
    jobs_recover()
    assert not stash_files(media_root)
    assert Image.objects.filter(job=job).count() == 1
