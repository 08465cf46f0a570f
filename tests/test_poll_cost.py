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


def test_a_card_id_too_long_for_the_database_is_not_found(client, member):
    client.force_login(member)
    for pk in (2**63, 10**30):
        assert client.get(f"/jobs/{pk}/card/", HTTP_HX_REQUEST="true").status_code == 404
        assert client.get(f"/jobs/{pk}/card/", HTTP_HX_REQUEST="true",
                          HTTP_IF_NONE_MATCH='"stale"').status_code == 404


def test_a_card_is_drawn_for_its_owner_and_staff_only(client, member, staff, django_user_model, local_connection):
    other_member = django_user_model.objects.create_user("otto", password="x" * 20)
    job = running_job(member, local_connection)
    url = reverse("job-card", args=[job.pk])
    client.force_login(other_member)
    assert client.get(url, HTTP_HX_REQUEST="true").status_code == 404
    client.force_login(staff)
    assert "Waiting for the provider" in client.get(url, HTTP_HX_REQUEST="true").content.decode()


def test_the_running_clock_starts_when_the_job_did(client, member, local_connection):
    import re
    from datetime import timedelta

    client.force_login(member)
    job = running_job(member, local_connection)
    started = timezone.now() - timedelta(seconds=12, microseconds=345)
    Job.objects.filter(pk=job.pk).update(started_at=started, expected_seconds=40)
    html = poll(client, job)[0].content.decode()
    assert f'data-started="{started.timestamp():.6f}"' in html
    now = float(re.search(r'data-now="([0-9.]+)"', html)[1])
    assert abs(now - timezone.now().timestamp()) < 5
    assert re.search(r">1[23]\.\d s</span>", html), "the elapsed time, to a tenth of a second"
    assert re.search(r'<progress value="0\.3\d\d" max="1" data-expected="40\.000"', html)
