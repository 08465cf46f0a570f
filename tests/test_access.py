"""Every page and every file needs a login; the login page itself does not."""
import pytest
from django.urls import reverse

from gallery.models import Image
from studio.models import Job


@pytest.fixture
def finished_job(member_client, member, local_connection, media_root, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post("/", {"prompt": "a quiet harbour", "model": f"{local_connection.pk}:placeholder",
                                 "width": 256, "height": 256, "n": 1})
    return Job.objects.get()


def test_anonymous_is_sent_to_login_from_every_page_and_file(client, finished_job):
    image = Image.objects.get()
    urls = ["/", "/compose/fields/", reverse("job-card", args=[finished_job.pk]), "/gallery/",
            image.get_absolute_url(), image.original_url, image.thumbnail_url]
    client.logout()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url


def test_login_page_is_open_and_styled_like_the_app(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"Log in" in response.content and b"pico" in response.content


def test_logging_in_lands_on_compose(client, member):
    from tests.conftest import PASSWORD

    response = client.post("/accounts/login/", {"username": "mira", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert b"Generate" in response.content


def test_admin_is_for_staff_only(member_client):
    response = member_client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_files_have_no_public_media_url(client, finished_job, settings):
    image = Image.objects.get()
    # The stored path is not reachable under any public prefix.
    for prefix in ("/media/", "/static/", "/"):
        assert client.get(prefix + image.file.name).status_code in (302, 404)
