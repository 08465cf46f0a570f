"""The compose field swap prices what the form would accept, never its raw text."""
import pytest


@pytest.mark.parametrize("width", ["264.0", "²", "9" * 40])
def test_a_field_swap_with_raw_numbers_still_answers(member_client, local_connection, width):
    member_client.raise_request_exception = False
    data = {"model": f"{local_connection.pk}:placeholder", "prompt": "", "width": width, "height": width, "n": "0"}
    response = member_client.get("/compose/fields/", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
