"""A running job card is polled every second by every open page: each poll must
stay cheap (no session or image reads from the database) and never stale."""
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from studio.models import Job, JobStatus
from tests.test_gallery_access import make_image


def running_job(owner, connection_row):
    return Job.objects.create(owner=owner, connection=connection_row, connection_name=connection_row.name,
                              model_id="placeholder", model_label="Offline placeholder", prompt="a kite",
                              status=JobStatus.RUNNING, phase="Waiting for the provider",
                              started_at=timezone.now())


def poll(client, job):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("job-card", args=[job.pk]), HTTP_HX_REQUEST="true")
    return response, [q["sql"] for q in queries.captured_queries]


def test_a_running_card_poll_reads_the_job_and_nothing_else(client, member, local_connection):
    client.force_login(member)
    job = running_job(member, local_connection)
    poll(client, job)  # the first request after login may fill the session cache
    response, sql = poll(client, job)
    assert response.status_code == 200
    assert "Waiting for the provider" in response.content.decode()
    assert not [q for q in sql if "django_session" in q], "the session comes from the cache"
    assert not [q for q in sql if "gallery_image" in q], "a running job has no images to fetch"
    assert len(sql) <= 2, sql  # the user (auth middleware) and the job


def test_the_first_poll_after_a_job_finishes_shows_it_finished(client, member, local_connection, media_root):
    client.force_login(member)
    job = running_job(member, local_connection)
    assert poll(client, job)[0].status_code == 200
    make_image(member, local_connection)  # a stored image the card must show…
    from gallery.models import Image

    Image.objects.update(job=job)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, finished_at=timezone.now(), image_count=1)
    response, sql = poll(client, job)
    assert response.status_code == 286, "htmx stops polling a finished card"
    html = response.content.decode()
    assert 'data-status="succeeded"' in html
    assert reverse("image-file", args=[Image.objects.get().pk, "thumbnail"]) in html
