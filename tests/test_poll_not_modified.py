"""An unchanged running job card answers 304 to the browser's revalidation, without
a database session read, and any change of the job's state draws the card again."""
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from studio.models import Job, JobStatus
from tests.test_poll_cost import running_job


def poll(client, job, etag=None):
    headers = {"HTTP_HX_REQUEST": "true"}
    if etag:
        headers["HTTP_IF_NONE_MATCH"] = etag
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("job-card", args=[job.pk]), **headers)
    return response, [q["sql"] for q in queries.captured_queries]


def test_an_unchanged_card_is_a_304_from_one_job_read(client, member, local_connection):
    client.force_login(member)
    job = running_job(member, local_connection)
    first, _ = poll(client, job)
    assert first.status_code == 200 and first["ETag"]
    assert "no-cache" in first["Cache-Control"], "the browser must revalidate, never reuse unasked"
    again, sql = poll(client, job, first["ETag"])
    assert again.status_code == 304
    assert len(sql) == 1 and "studio_job" in sql[0], sql  # no session, user or image read


def test_the_card_carries_its_clock_for_the_browser(client, member, local_connection):
    client.force_login(member)
    job = running_job(member, local_connection)
    Job.objects.filter(pk=job.pk).update(expected_seconds=30)
    html = poll(client, job)[0].content.decode()
    assert 'data-started="' in html and 'data-now="' in html
    assert 'data-expected="30' in html


def test_a_phase_change_draws_the_card_again(client, member, local_connection):
    client.force_login(member)
    job = running_job(member, local_connection)
    etag = poll(client, job)[0]["ETag"]
    Job.objects.filter(pk=job.pk).update(phase="Storing the image")
    response, _ = poll(client, job, etag)
    assert response.status_code == 200
    assert "Storing the image" in response.content.decode()


def test_a_finished_job_reaches_a_card_holding_the_running_copy(client, member, local_connection):
    client.force_login(member)
    job = running_job(member, local_connection)
    etag = poll(client, job)[0]["ETag"]
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, finished_at=timezone.now(),
                                          error_message="The provider refused the prompt")
    response, _ = poll(client, job, etag)
    assert response.status_code == 286
    assert "The provider refused the prompt" in response.content.decode()


def test_someone_elses_card_gets_no_304(client, member, django_user_model, local_connection):
    other_member = django_user_model.objects.create_user("noor", password="x" * 12)
    job = running_job(member, local_connection)
    client.force_login(member)
    etag = poll(client, job)[0]["ETag"]
    client.logout()
    client.force_login(other_member)
    assert poll(client, job, etag)[0].status_code == 404


def test_a_logged_out_session_gets_no_304(client, member, local_connection):
    client.force_login(member)
    job = running_job(member, local_connection)
    etag = poll(client, job)[0]["ETag"]
    client.logout()
    response, _ = poll(client, job, etag)
    assert response.status_code == 302  # to the login page


def test_served_by_wsgi_an_unchanged_card_is_a_304_before_django(client, member, local_connection, monkeypatch):
    from studio import poll as poll_module
    from studio.poll import job_card_not_modified_wsgi

    # As Django's test client does for its requests: the test's transaction must stay open.
    monkeypatch.setattr(poll_module, "close_old_connections", lambda: None)

    client.force_login(member)
    job = running_job(member, local_connection)
    etag = poll(client, job)[0]["ETag"]
    behind = []
    app = job_card_not_modified_wsgi(lambda environ, start_response: behind.append(environ) or [b"drawn"])
    statuses = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": reverse("job-card", args=[job.pk]),
               "HTTP_IF_NONE_MATCH": etag, "HTTP_COOKIE": f"sessionid={client.cookies['sessionid'].value}"}
    assert app(environ, lambda status, headers: statuses.append(status)) == []
    assert statuses == ["304 Not Modified"] and not behind
    Job.objects.filter(pk=job.pk).update(progress=0.5)  # changed: Django draws it
    assert app(environ, lambda status, headers: statuses.append(status)) == [b"drawn"]
