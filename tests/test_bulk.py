"""Bulk actions on gallery images: a streamed zip, delete, visibility, add to a board."""
import io
import zipfile

import pytest

from gallery.boards import board_create
from gallery.models import BoardImage, Image, Visibility
from tests.conftest import PASSWORD
from tests.test_gallery_access import make_image


@pytest.fixture
def pictures(member, local_connection, media_root):
    return [make_image(member, local_connection, prompt=f"harbour {i}") for i in range(3)]


@pytest.fixture
def toms(django_user_model, local_connection, media_root):
    tom = django_user_model.objects.create_user("tom", password=PASSWORD)
    return make_image(tom, local_connection, prompt="tom's lighthouse")


def bulk(client, action, images, **extra):
    return client.post("/gallery/bulk/", {"action": action, "ids": [i.pk for i in images], **extra})


def test_download_streams_a_zip_of_exactly_the_chosen_files(member_client, pictures):
    response = bulk(member_client, "download", pictures[:2])
    assert response.streaming and response["Content-Type"] == "application/zip"
    assert 'filename="image-studio.zip"' in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == sorted(f"image-studio-{i.pk}.png" for i in pictures[:2])
    assert archive.read(f"image-studio-{pictures[0].pk}.png") == pictures[0].file.open("rb").read()


def test_a_private_image_of_someone_else_never_enters_the_zip(member_client, pictures, toms):
    Image.objects.filter(pk=toms.pk).update(visibility=Visibility.PRIVATE)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(bulk(member_client, "download", [pictures[0], toms]).streaming_content)))
    assert archive.namelist() == [f"image-studio-{pictures[0].pk}.png"]


def test_delete_removes_mine_and_leaves_a_teammates(member_client, pictures, toms):
    response = bulk(member_client, "delete", [pictures[0], toms])
    assert response.status_code == 302
    assert not Image.objects.filter(pk=pictures[0].pk).exists()
    assert Image.objects.filter(pk=toms.pk).exists()
    html = member_client.get("/gallery/").content.decode()
    assert "Deleted 1 image. 1 of someone else&#x27;s was left alone" in html


def test_visibility_changes_for_every_chosen_image(member_client, pictures):
    bulk(member_client, "private", pictures)
    assert set(Image.objects.values_list("visibility", flat=True)) == {Visibility.PRIVATE}
    bulk(member_client, "team", pictures[:1])
    assert Image.objects.get(pk=pictures[0].pk).visibility == Visibility.TEAM


def test_add_to_board_adds_each_image_once(member_client, member, pictures):
    board = board_create(owner=member, name="Picks")
    bulk(member_client, "board", pictures[:2], board=board.pk)
    bulk(member_client, "board", pictures, board=board.pk)
    assert BoardImage.objects.filter(board=board).count() == 3


def test_someone_elses_private_board_cannot_be_added_to(member_client, django_user_model, pictures):
    other = django_user_model.objects.create_user("otto", password=PASSWORD)
    board = board_create(owner=other, name="Otto's")
    assert bulk(member_client, "board", pictures, board=board.pk).status_code == 404
    assert not BoardImage.objects.exists()


def test_an_unknown_action_or_empty_selection_is_refused(member_client, pictures):
    assert bulk(member_client, "explode", pictures).status_code == 400
    response = member_client.post("/gallery/bulk/", {"action": "delete"}, follow=True)
    assert "Select at least one image first." in response.content.decode()
    assert Image.objects.count() == 3
