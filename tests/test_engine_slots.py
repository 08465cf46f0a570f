"""A hung connection cannot starve the team: slot waits hold no thread, and cancel frees a slot at once."""
import threading
import time

import pytest

from providers.models import ProviderConnection
from studio.jobs import pool as pool_module
from studio.jobs.pool import job_dispatch
from studio.models import AttemptOutcome, Job, JobStatus
from studio.services import job_cancel

from .test_job_lifecycle import create_queued, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pool(settings):
    """A real pool of two job threads in this process, closed afterwards."""
    settings.STUDIO_TASKS_INLINE = False
    settings.STUDIO_JOB_THREADS = 2
    pool_module.pool_close()
    yield pool_module.pool_get()
    for job in Job.objects.filter(status__in=(JobStatus.QUEUED, JobStatus.RUNNING)):
        job_cancel(job)
    pool_module.pool_close()


@pytest.fixture
def hung(db):
    """A connection with one slot whose calls take 30 s (the offline renderer, slowed)."""
    return ProviderConnection.objects.create(kind="local", name="Hung renderer", max_concurrency=1,
                                             options={"delay_seconds": 30})


@pytest.fixture
def sent(monkeypatch):
    """Job ids whose task was sent to the broker (no worker runs here)."""
    ids = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, job_id, **kw: ids.append(job_id))
    return ids


def test_jobs_waiting_for_a_hung_slot_hold_no_thread(member, local_connection, hung, pool, media_root,
                                                     settings, sent):
    stuck = [create_queued(member, hung, "placeholder", settings, width=64, height=64) for _ in range(5)]
    settings.STUDIO_TASKS_INLINE = False
    for job in stuck:
        job_dispatch(job.pk)
    wait_for(lambda: Job.objects.filter(pk=stuck[0].pk, phase="Waiting for the provider").exists())
    waiting = Job.objects.filter(pk__in=[j.pk for j in stuck[1:]])
    assert set(waiting.values_list("status", flat=True)) == {JobStatus.QUEUED}
    assert all(p.startswith("Waiting for a free slot on Hung renderer") for p in waiting.values_list("phase", flat=True))

    mine = create_queued(member, local_connection, "placeholder", settings, width=64, height=64)
    settings.STUDIO_TASKS_INLINE = False
    started = time.monotonic()
    job_dispatch(mine.pk)
    wait_for(lambda: Job.objects.get(pk=mine.pk).status == JobStatus.SUCCEEDED, timeout=5)
    assert time.monotonic() - started < 2  # not behind the hung connection's queue


def test_cancel_frees_the_slot_at_once_and_wakes_the_next_job(member, hung, pool, media_root, settings, sent):
    first = create_queued(member, hung, "placeholder", settings, width=64, height=64)
    second = create_queued(member, hung, "placeholder", settings, width=64, height=64)
    settings.STUDIO_TASKS_INLINE = False
    job_dispatch(first.pk)
    wait_for(lambda: Job.objects.get(pk=first.pk).phase == "Waiting for the provider")
    job_dispatch(second.pk)
    assert Job.objects.get(pk=second.pk).phase.startswith("Waiting for a free slot")
    sent.clear()

    started = time.monotonic()
    job_cancel(Job.objects.get(pk=first.pk))
    assert first.attempt_set.get().outcome == AttemptOutcome.CANCELLED  # the slot is free now
    # The waiting job got it: started in this worker's free thread, not via the broker.
    wait_for(lambda: Job.objects.get(pk=second.pk).phase == "Waiting for the provider", timeout=1)
    assert sent == []
    wait_for(lambda: len(pool.futures) == 1, timeout=2)  # the cancelled call itself stopped
    assert time.monotonic() - started < 1.5


def test_a_slot_freed_where_no_thread_is_free_wakes_the_next_job_through_the_broker(
        member, hung, pool, media_root, settings, sent):
    first = create_queued(member, hung, "placeholder", settings, width=64, height=64)
    second = create_queued(member, hung, "placeholder", settings, width=64, height=64)
    settings.STUDIO_TASKS_INLINE = False
    job_dispatch(first.pk)
    wait_for(lambda: Job.objects.get(pk=first.pk).phase == "Waiting for the provider")
    job_dispatch(second.pk)
    sent.clear()
    taken = 0
    while pool.seats.acquire(blocking=False):  # every thread of this worker busy
        taken += 1
    job_cancel(Job.objects.get(pk=first.pk))
    assert sent == [second.pk]
    for _ in range(taken):
        pool.seats.release()


def test_a_cancel_made_in_another_process_stops_the_call(member, hung, pool, media_root, settings, sent):
    job = create_queued(member, hung, "placeholder", settings, width=64, height=64)
    settings.STUDIO_TASKS_INLINE = False
    job_dispatch(job.pk)
    wait_for(lambda: Job.objects.get(pk=job.pk).phase == "Waiting for the provider")
    # As the web process does it: the row only, no signal to this process.
    Job.objects.filter(pk=job.pk).update(status=JobStatus.CANCELLED)
    started = time.monotonic()
    wait_for(lambda: not pool.futures, timeout=3)
    assert time.monotonic() - started < 1.5  # the monitor noticed within its check interval
    assert job.attempt_set.get().outcome == AttemptOutcome.CANCELLED


def test_the_job_timeout_ends_the_job_and_frees_its_slot(member, hung, media_root, settings):
    settings.STUDIO_JOB_TIMEOUT = 1
    job = create_queued(member, hung, "placeholder", settings, width=64, height=64)
    started = time.monotonic()
    job_dispatch(job.pk)  # inline
    job.refresh_from_db()
    assert time.monotonic() - started < 2.5
    assert job.status == JobStatus.FAILED
    assert job.error_message == ("This job took longer than the studio's time limit (1 s) and was stopped.")
    assert job.attempt_set.get().outcome != AttemptOutcome.RUNNING


def test_recovery_fails_a_job_past_its_deadline_even_while_its_worker_beats(member, hung, settings):
    from datetime import timedelta

    from django.utils import timezone

    from studio.jobs.recovery import jobs_recover

    job = create_queued(member, hung, "placeholder", settings, width=64, height=64)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, heartbeat_at=timezone.now(),
                                         deadline_at=timezone.now() - timedelta(minutes=5))
    assert jobs_recover() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "time limit" in job.error_message


def test_a_job_thread_that_cannot_reach_the_database_is_logged_and_its_job_requeued(
        member, local_connection, pool, media_root, settings, sent, monkeypatch, caplog):
    from django.db import OperationalError

    from studio.jobs.recovery import jobs_recover

    def refused(job_id, **kwargs):
        raise OperationalError('connection failed: FATAL:  sorry, too many clients already')

    monkeypatch.setattr(pool_module, "job_run", refused)
    job = create_queued(member, local_connection, "placeholder", settings, width=64, height=64)
    settings.STUDIO_TASKS_INLINE = False
    job_dispatch(job.pk)
    wait_for(lambda: not pool.futures, timeout=2)
    assert f"Job thread for job {job.pk} died" in caplog.text and "too many clients" in caplog.text
    assert pool.seats.acquire(blocking=False)  # its seat was given back
    pool.seats.release()
    assert jobs_recover(stale_after=-1) == 1  # its heartbeat never started: requeued, slot freed
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and not job.attempt_set.filter(outcome=AttemptOutcome.RUNNING).exists()
