"""The API's gallery ids: one past what the database holds is "not found", not a 500."""
import pytest

from tests.api.conftest import api, placeholder, token  # noqa: F401 - fixtures
from tests.api.test_edits import editor  # noqa: F401 - fixture


@pytest.mark.parametrize("pk", [2**63, 2**70, -(2**70)])
def test_an_edit_naming_an_impossible_image_id_is_not_found(client, api, editor, placeholder, pk):  # noqa: F811
    client.raise_request_exception = False
    r = api("post", "/v1/images/edits", {"model": editor, "prompt": "snow", "image_ids": [pk]})
    assert r.status_code == 404 and r.json()["error"]["code"] == "image_not_found"


def test_an_impossible_job_id_is_not_found(client, api):  # noqa: F811
    client.raise_request_exception = False
    assert api("get", f"/v1/jobs/{2**70}").status_code == 404


@pytest.mark.parametrize("board", ["²", "99999999999999999999999"])
def test_a_malformed_board_is_not_found(client, api, placeholder, board):  # noqa: F811
    client.raise_request_exception = False
    r = api("post", "/v1/images/generations", {"model": "placeholder", "prompt": "a fox", "board": board})
    assert r.status_code == 404 and r.json()["error"]["code"] == "board_not_found"
