"""The job row is the truth: a broker that is down costs a delay, never a 500 or a lost job."""
from datetime import timedelta

import pytest
from django.utils import timezone

from studio.jobs.enqueue import jobs_sweep
from studio.models import Job, JobStatus


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    monkeypatch.setattr("django_q.tasks.async_task", refuse)
    return monkeypatch


def test_compose_answers_normally_while_the_broker_is_down(member_client, local_connection, media_root,
                                                          broker_down, django_capture_on_commit_callbacks,
                                                          settings):
    settings.STUDIO_TASKS_INLINE = False
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post("/", {"prompt": "a quiet harbour", "model": f"{local_connection.pk}:placeholder",
                                            "width": 256, "height": 256, "n": 1}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    job = Job.objects.get()
    assert f'id="job-{job.pk}"' in response.content.decode()
    assert job.status == JobStatus.QUEUED and job.enqueued_at is None


def test_the_sweep_sends_jobs_that_never_reached_the_broker_once_it_is_back(
        member_client, local_connection, media_root, broker_down, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post("/", {"prompt": "a quiet harbour", "model": f"{local_connection.pk}:placeholder",
                                 "width": 256, "height": 256, "n": 1}, HTTP_HX_REQUEST="true")
    job = Job.objects.get()
    assert jobs_sweep() == 0  # too young to judge: its on_commit send may still be under way
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(seconds=5))
    assert jobs_sweep() == 0  # still down: nothing sent, nothing lost
    assert Job.objects.get(pk=job.pk).enqueued_at is None

    broker_down.undo()  # the broker is back (tasks run inline here)
    assert jobs_sweep() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.image_count == 1
    assert jobs_sweep() == 0


def test_a_queued_job_whose_task_was_lost_is_sent_again_after_the_named_delay(
        member, local_connection, settings, monkeypatch):
    from providers.services import ModelChoice
    from studio.services import job_create

    sent = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, job_id, **kw: sent.append(job_id))
    settings.STUDIO_TASKS_INLINE = False
    job = job_create(owner=member, choice=ModelChoice(local_connection, local_connection.spec("placeholder")),
                     values={"prompt": "x", "n": 1, "width": 64, "height": 64})
    Job.objects.filter(pk=job.pk).update(enqueued_at=timezone.now() - timedelta(seconds=60),
                                         created_at=timezone.now() - timedelta(seconds=60))
    assert jobs_sweep() == 0  # sent a minute ago: still in the broker's queue
    Job.objects.filter(pk=job.pk).update(
        enqueued_at=timezone.now() - timedelta(seconds=settings.STUDIO_REQUEUE_AFTER_SECONDS + 1))
    assert jobs_sweep() == 1 and sent == [job.pk]


def test_the_sweep_sends_a_parked_job_only_once_its_connection_has_a_free_slot(member, local_connection, settings,
                                                                               monkeypatch):
    from providers.services import ModelChoice
    from studio.models import JobAttempt
    from studio.services import job_create

    sent = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, job_id, **kw: sent.append(job_id))
    settings.STUDIO_TASKS_INLINE = False
    local_connection.max_concurrency = 1
    local_connection.save()
    choice = ModelChoice(local_connection, local_connection.spec("placeholder"))
    busy = job_create(owner=member, choice=choice, values={"prompt": "x", "n": 1, "width": 64, "height": 64})
    parked = job_create(owner=member, choice=choice, values={"prompt": "y", "n": 1, "width": 64, "height": 64})
    slot = JobAttempt.objects.create(job=busy, number=1, connection=local_connection)
    Job.objects.filter(pk=busy.pk).update(status=JobStatus.RUNNING)
    Job.objects.filter(pk=parked.pk).update(slot_wait_since=timezone.now(), enqueued_at=None)
    assert jobs_sweep() == 0 and sent == []  # the only slot is busy: it stays parked, unsent

    JobAttempt.objects.filter(pk=slot.pk).update(outcome="succeeded")
    assert jobs_sweep() == 1 and sent == [parked.pk]
