"""History, compare history and sharing, theme and remembered parameters, new-image polling, help ids."""
import re

import pytest

from gallery.models import Profile
from studio.models import Job
from studio.views import HISTORY_PAGE
from tests.conftest import PASSWORD
from tests.test_gallery_access import make_image


def make_jobs(member, connection, count, **fields):
    return Job.objects.bulk_create([
        Job(owner=member, connection=connection, connection_name=connection.name, model_id="placeholder",
            model_label="Offline placeholder (not AI)", prompt=f"job number {i}", **fields)
        for i in range(count)])


def test_history_pages_through_every_job_beyond_the_last_20(member_client, member, local_connection):
    make_jobs(member, local_connection, HISTORY_PAGE + 5)
    first = member_client.get("/jobs/").content.decode()
    assert first.count('class="job-card') == HISTORY_PAGE and f"{HISTORY_PAGE + 5} jobs" in first
    second = member_client.get("/jobs/?page=2").content.decode()
    assert second.count('class="job-card') == 5


def test_history_shows_only_ones_own_jobs(client, member, local_connection, django_user_model):
    make_jobs(member, local_connection, 2)
    other = django_user_model.objects.create_user("otto", password=PASSWORD)
    client.force_login(other)
    assert "job number" not in client.get("/jobs/").content.decode()


def test_every_aria_describedby_points_to_an_element_on_the_page(member_client, local_connection):
    for url in ("/", "/compare/", "/compare/grid/", "/profile/", "/gallery/", "/gallery/boards/",
                "/prompts/", "/prompts/templates/new/", "/jobs/"):
        html = member_client.get(url).content.decode()
        ids = set(re.findall(r'\bid="([^"]+)"', html))
        for target in re.findall(r'aria-describedby="([^"]+)"', html):
            for one in target.split():
                assert one in ids, (url, one)


def test_the_theme_is_remembered_and_set_on_the_page(member_client, member):
    assert "data-theme" not in member_client.get("/").content.decode().split(">", 2)[1]
    member_client.post("/profile/theme/", {"theme": "dark"}, headers={"HX-Request": "true"})
    assert Profile.objects.get(user=member).theme == "dark"
    assert '<html lang="en" data-theme="dark">' in member_client.get("/").content.decode()
    assert member_client.post("/profile/theme/", {"theme": "pink"}).status_code == 400


def test_the_last_model_and_parameters_come_back(member_client, member, local_connection):
    member_client.post("/", {"prompt": "a fox", "model": f"{local_connection.pk}:placeholder",
                             "width": "512", "height": "320", "n": "2", "seed": "9"})
    html = member_client.get("/").content.decode()
    assert 'name="width" value="512"' in html and 'name="height" value="320"' in html
    assert 'name="n" value="2"' in html
    assert 'name="seed" value="9"' not in html, "a seed is for one picture, not remembered"


def test_a_link_from_compose_fills_the_compare_form(member_client, local_connection):
    key = f"{local_connection.pk}:placeholder"
    html = member_client.get("/compare/", {"prompt": "a teapot", "model": key, "width": "640",
                                           "height": "480", "size": ""}).content.decode()
    assert "a teapot</textarea>" in html and 'value="640"' in html
    assert re.search(rf'value="{key}"\s+checked', html)


def test_compare_history_lists_my_compares(member_client, member, local_connection):
    import uuid

    group = uuid.uuid4()
    make_jobs(member, local_connection, 2, group=group)
    html = member_client.get("/compare/history/").content.decode()
    assert f'href="/compare/{group}/"' in html and "2 models" in html


@pytest.mark.parametrize("scope", ["", "mine"])
def test_new_images_appear_through_the_poll(member_client, member, local_connection, media_root, scope):
    first = make_image(member, local_connection, prompt="the first")
    page = member_client.get("/gallery/", {"scope": scope}).content.decode()
    poll = re.search(r'class="poll" hidden hx-get="([^"]+)"', page)[1].replace("&amp;", "&")
    assert f"since={first.pk}" in poll
    assert member_client.get(poll, headers={"HX-Request": "true"}).status_code == 204
    newer = make_image(member, local_connection, prompt="the second")
    html = member_client.get(poll, headers={"HX-Request": "true"}).content.decode()
    assert f'id="image-{newer.pk}"' in html and f'id="image-{first.pk}"' not in html
    assert f"since={newer.pk}" in html


def test_a_filter_change_answers_only_the_results(member_client, member, local_connection, media_root):
    make_image(member, local_connection, prompt="a red fox")
    make_image(member, local_connection, prompt="a blue whale")
    response = member_client.get("/gallery/", {"q": "fox"}, headers={"HX-Request": "true",
                                                                    "HX-Target": "gallery-results"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="gallery-results">')
    assert "a red fox" in html and "a blue whale" not in html and "<html" not in html


def test_error_pages_are_styled(member_client):
    html = member_client.get("/no/such/page/").content.decode()
    assert "<h1>Not found</h1>" in html and "css/ui.css" in html


def test_reuse_and_vary_links_open_compose_filled_in(member_client, member, local_connection, media_root):
    image = make_image(member, local_connection, prompt="a quiet harbour", seed=77)
    reuse = member_client.get(f"/gallery/images/{image.pk}/reuse/")
    assert reuse.status_code == 302 and "prompt=a+quiet+harbour" in reuse["Location"] and "seed=77" in reuse["Location"]
    vary = member_client.get(f"/gallery/images/{image.pk}/vary/")
    assert "prompt=a+quiet+harbour" in vary["Location"] and "seed=" not in vary["Location"]


def test_no_template_comment_leaks_onto_a_page(member_client, member, local_connection, media_root):
    image = make_image(member, local_connection, prompt="a quiet harbour")
    for url in ("/", "/jobs/", "/gallery/", image.get_absolute_url()):
        html = member_client.get(url).content.decode()
        assert "{#" not in html and "#}" not in html and "{%" not in html, url
