"""With Redis down, pages still answer: the session comes from the database and
the gallery computes its filter choices, and people can still log in and out."""
import socket

import pytest
from django.core.cache import caches
from django.test import override_settings

from studio.env import cache


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket closes


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {"default": cache(f"redis://127.0.0.1:{closed_port()}/0", settings.DATA_DIR)}
    yield caches["default"]


def test_pages_answer_while_the_cache_on_redis_is_down(client, member, redis_down):
    assert redis_down.get("anything", "missing") == "missing"
    redis_down.set("anything", 1)  # skipped, not raised
    client.force_login(member)
    assert client.get("/gallery/").status_code == 200
    assert client.get("/profile/").status_code == 200


def test_logging_in_and_out_work_while_redis_is_down(client, member, redis_down):
    from tests.conftest import PASSWORD

    response = client.post("/accounts/login/", {"username": member.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/gallery/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/gallery/").status_code == 302, "logged out: sent to the login page"
