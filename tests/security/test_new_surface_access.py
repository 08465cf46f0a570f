"""Two members, staff and an outsider against every object URL added with boards,
bulk actions, editing, lineage, history and compare: another member's private
image, board or job is never reached by its id."""
import io
import zipfile

import pytest
from django.urls import reverse

from gallery.boards import board_create
from gallery.models import BoardImage, Image, ImageParent, Visibility
from gallery.services import image_delete
from studio.models import Job
from tests.conftest import PASSWORD
from tests.test_gallery_access import make_image

SECRET = "secret surprise party for Mira"


@pytest.fixture
def tom(django_user_model):
    return django_user_model.objects.create_user("tom", password=PASSWORD)


@pytest.fixture
def mine(member, local_connection, media_root):
    """Mira's private image, a team image edited from it, and her private board."""
    private = make_image(member, local_connection, prompt=SECRET, visibility=Visibility.PRIVATE)
    child = make_image(member, local_connection, prompt="a party hat", visibility=Visibility.TEAM)
    ImageParent.objects.create(child=child, parent=private, parent_label=f"Image {private.pk}: {SECRET}",
                               role="image", operation="edit", position=0)
    board = board_create(owner=member, name="Surprise ideas")
    BoardImage.objects.create(board=board, image=private)
    return private, child, board


@pytest.fixture
def tom_client(client, tom):
    client.force_login(tom)
    client.raise_request_exception = False
    return client


def test_another_members_private_things_are_404_by_id(tom_client, mine):
    private, _, board = mine
    for url in (reverse("image-edit", args=[private.pk]), reverse("image-lineage", args=[private.pk]),
                reverse("image-reuse", args=[private.pk]), reverse("image-vary", args=[private.pk]),
                reverse("board-detail", args=[board.pk])):
        assert tom_client.get(url).status_code == 404, url
    assert tom_client.post(reverse("board-change", args=[board.pk]), {"action": "delete"}).status_code == 404
    assert tom_client.post(reverse("image-edit", args=[private.pk]), {"prompt": "x"}).status_code == 404


def test_bulk_actions_never_touch_another_members_private_image(tom_client, tom, mine):
    private, _, _ = mine
    response = tom_client.post("/gallery/bulk/", {"action": "download", "ids": [private.pk]})
    assert response.status_code == 302  # nothing chosen that Tom may see
    tom_client.post("/gallery/bulk/", {"action": "delete", "ids": [private.pk]})
    tom_client.post("/gallery/bulk/", {"action": "team", "ids": [private.pk]})
    board = board_create(owner=tom, name="mine")
    tom_client.post("/gallery/bulk/", {"action": "board", "board": board.pk, "ids": [private.pk]})
    private.refresh_from_db()
    assert private.visibility == Visibility.PRIVATE and not board.entries.exists()


def test_another_members_private_image_cannot_be_an_input(tom_client, mine, local_connection):
    private, _, _ = mine
    before = Job.objects.count()
    page = tom_client.post("/", {"prompt": "x", "references": [private.pk],
                                 "model": f"{local_connection.pk}:placeholder"}, HTTP_HX_REQUEST="true")
    assert Job.objects.count() == before
    assert SECRET not in page.content.decode()


def test_history_lists_only_ones_own_jobs(tom_client, mine):
    html = tom_client.get("/jobs/").content.decode()
    assert SECRET not in html and "a party hat" not in html


def test_lineage_shows_a_private_parent_as_private(tom_client, mine):
    private, child, _ = mine
    for url in (reverse("image-lineage", args=[child.pk]), child.get_absolute_url()):
        html = tom_client.get(url).content.decode()
        assert SECRET not in html
        assert reverse("image-file", args=[private.pk, "thumbnail"]) not in html


def test_a_deleted_private_parent_keeps_its_prompt_from_teammates(tom_client, client, member, staff, mine):
    private, child, _ = mine
    image_delete(Image.objects.get(pk=private.pk))
    assert SECRET not in tom_client.get(child.get_absolute_url()).content.decode()
    client.force_login(member)  # its author still reads what it was
    assert SECRET in client.get(child.get_absolute_url()).content.decode()


def test_an_outsider_reaches_nothing_new(client, mine):
    private, child, board = mine
    urls = ["/jobs/", "/compare/history/", "/compare/grid/", "/gallery/boards/",
            reverse("board-detail", args=[board.pk]), reverse("image-edit", args=[child.pk]),
            reverse("image-lineage", args=[child.pk]), reverse("image-reuse", args=[child.pk])]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"], url
    for url in ("/gallery/bulk/", reverse("reference-upload"), reverse("board-change", args=[board.pk])):
        response = client.post(url, {"action": "delete", "ids": [private.pk, child.pk]})
        assert response.status_code in (302, 403) and Image.objects.count() == 2, url


def test_state_changing_endpoints_refuse_get(client, member, mine):
    _, child, board = mine
    client.force_login(member)
    for url in ("/gallery/bulk/?action=delete&ids=%d" % child.pk, reverse("reference-upload"),
                reverse("board-change", args=[board.pk]) + "?action=delete", "/profile/theme/?theme=dark"):
        assert client.get(url).status_code == 405, url
    assert Image.objects.count() == 2 and board.__class__.objects.filter(pk=board.pk).exists()


def test_bulk_refuses_a_cross_site_post(member, mine):
    from django.test import Client

    _, child, _ = mine
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    assert strict.post("/gallery/bulk/", {"action": "delete", "ids": [child.pk]}).status_code == 403
    assert Image.objects.filter(pk=child.pk).exists()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_bulk_never_redirects_off_site(member_client, mine, target):
    _, child, _ = mine
    response = member_client.post("/gallery/bulk/", {"action": "team", "ids": [child.pk], "next": target})
    assert response["Location"] == reverse("gallery")


def test_a_zip_past_the_size_cap_is_refused_with_the_rule(member_client, mine, monkeypatch):
    from gallery import views_bulk

    private, child, _ = mine
    monkeypatch.setattr(views_bulk, "MAX_ZIP_BYTES", private.bytes + child.bytes - 1)
    response = member_client.post("/gallery/bulk/", {"action": "download", "ids": [private.pk, child.pk]},
                                  follow=True)
    assert not getattr(response, "streaming", False)
    assert "select fewer images and download them in parts" in response.content.decode()
    response = member_client.post("/gallery/bulk/", {"action": "download", "ids": [child.pk]})
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    assert names == [f"image-studio-{child.pk}.png"]  # named by id: no stored name or "../" reaches the zip


@pytest.mark.parametrize("back", ["0", "gallery", "boards"])
def test_a_back_link_that_looks_like_a_view_name_is_a_plain_path(member_client, mine, back):
    _, child, _ = mine
    member_client.raise_request_exception = False
    response = member_client.post("/gallery/bulk/", {"action": "team", "ids": [child.pk], "next": back})
    assert response.status_code == 302 and response["Location"] == back
    response = member_client.post("/profile/theme/", {"theme": "dark"}, HTTP_REFERER=back)
    assert response.status_code == 302 and response["Location"] == back
