"""A shared board's image count: a teammate must not learn how many private images the owner keeps on it."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gallery.boards import board_add, board_create
from gallery.models import Visibility
from tests.conftest import PASSWORD
from tests.test_gallery_access import make_image


@pytest.fixture
def teammate(django_user_model):
    return django_user_model.objects.create_user("tom", password=PASSWORD)


@pytest.fixture
def shared_board(member, local_connection, media_root):
    """Mira's shared board: two team images and one private one."""
    board = board_create(owner=member, name="Harbour", visibility=Visibility.TEAM)
    images = [make_image(member, local_connection, prompt=f"team {n}") for n in range(2)]
    images.append(make_image(member, local_connection, prompt="only mine", visibility=Visibility.PRIVATE))
    board_add(board=board, images=images)
    return board


def _count_on_list(html: str, name: str) -> str:
    match = re.search(rf">{name}</a>\s*<small[^>]*>(\d+) image", html)
    assert match, f"{name} not listed"
    return match.group(1)


def _tiles(html: str) -> int:
    return len(re.findall(r'<figure class="tile', html))


def test_a_teammate_counts_only_the_images_they_may_see(client, member, teammate, shared_board):
    client.force_login(teammate)
    assert _count_on_list(client.get("/gallery/boards/").content.decode(), "Harbour") == "2"
    html = client.get(shared_board.get_absolute_url()).content.decode()
    assert _tiles(html) == 2 and "only mine" not in html


def test_the_owner_counts_all_their_images(client, member, shared_board):
    client.force_login(member)
    assert _count_on_list(client.get("/gallery/boards/").content.decode(), "Harbour") == "3"
    assert _tiles(client.get(shared_board.get_absolute_url()).content.decode()) == 3


def test_the_boards_page_reads_in_the_same_number_of_queries_however_many_boards(
        client, member, teammate, shared_board, local_connection):
    client.force_login(teammate)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/gallery/boards/").status_code == 200
    for n in range(4):
        board = board_create(owner=member if n % 2 else teammate, name=f"More {n}", visibility=Visibility.TEAM)
        board_add(board=board, images=[make_image(member, local_connection, prompt=f"more {n}")])
    with CaptureQueriesContext(connection) as five:
        html = client.get("/gallery/boards/").content.decode()
    assert "More 3" in html
    assert len(five) == len(one)
