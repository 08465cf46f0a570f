"""Boards: named collections, private or shared with the team, and who may open or change one."""
import pytest

from gallery.boards import board_add, board_create
from gallery.models import Board, BoardImage, Image, Visibility
from tests.conftest import PASSWORD
from tests.test_gallery_access import make_image


@pytest.fixture
def teammate(django_user_model):
    return django_user_model.objects.create_user("tom", password=PASSWORD)


@pytest.fixture
def picture(member, local_connection, media_root):
    return make_image(member, local_connection, prompt="a quiet harbour")


def test_a_member_creates_a_board_and_lands_on_it(member_client, member):
    response = member_client.post("/gallery/boards/", {"name": "Moodboard", "visibility": "team"}, follow=True)
    board = Board.objects.get()
    assert (board.owner, board.name, board.visibility) == (member, "Moodboard", Visibility.TEAM)
    assert response.redirect_chain[-1][0] == board.get_absolute_url()
    assert "Shared with the team" in response.content.decode()


def test_a_board_name_is_required_and_unique_per_person(member_client, member):
    assert "A board needs a name." in member_client.post("/gallery/boards/", {"name": " "}).content.decode()
    board_create(owner=member, name="Moodboard")
    html = member_client.post("/gallery/boards/", {"name": "Moodboard"}).content.decode()
    assert "You already have a board named “Moodboard”." in html and Board.objects.count() == 1


def test_a_shared_board_opens_for_the_team_and_a_private_one_does_not(client, member, teammate, picture):
    shared = board_create(owner=member, name="Shared", visibility=Visibility.TEAM)
    private = board_create(owner=member, name="Mine")
    board_add(board=shared, images=[picture])
    client.force_login(teammate)
    html = client.get(shared.get_absolute_url()).content.decode()
    assert f'id="image-{picture.pk}"' in html
    assert client.get(private.get_absolute_url()).status_code == 404
    assert client.post(f"/gallery/boards/{shared.pk}/change/", {"action": "delete"}).status_code == 403
    assert Board.objects.filter(pk=shared.pk).exists()
    client.logout()
    assert client.get(shared.get_absolute_url()).status_code == 302  # to the login page


def test_a_private_image_on_a_shared_board_stays_hidden_from_others(client, member, teammate, local_connection,
                                                                       media_root):
    hidden = make_image(member, local_connection, prompt="not for you", visibility=Visibility.PRIVATE)
    board = board_create(owner=member, name="Shared", visibility=Visibility.TEAM)
    board_add(board=board, images=[hidden])
    client.force_login(teammate)
    assert "not for you" not in client.get(board.get_absolute_url()).content.decode()


def test_the_owner_shares_removes_and_deletes_without_losing_images(member_client, member, picture):
    board = board_create(owner=member, name="Picks")
    board_add(board=board, images=[picture])
    member_client.post(f"/gallery/boards/{board.pk}/change/", {"action": "team"})
    assert Board.objects.get().visibility == Visibility.TEAM
    member_client.post(f"/gallery/boards/{board.pk}/change/", {"action": "remove", "ids": [picture.pk]})
    assert not BoardImage.objects.exists()
    member_client.post(f"/gallery/boards/{board.pk}/change/", {"action": "delete"})
    assert not Board.objects.exists() and Image.objects.filter(pk=picture.pk).exists()


def test_the_boards_page_lists_mine_and_the_teams(client, member, teammate):
    board_create(owner=member, name="Mira's private")
    board_create(owner=teammate, name="Tom's shared", visibility=Visibility.TEAM)
    board_create(owner=teammate, name="Tom's private")
    client.force_login(member)
    html = client.get("/gallery/boards/").content.decode()
    assert "Mira&#x27;s private" in html and "Tom&#x27;s shared" in html and "Tom&#x27;s private" not in html
