"""Ids and sizes typed as "²", "٣" or 5,000 digits get a refusal or are ignored, never a 500."""
import pytest

from studio.numbers import is_ascii_number, parse_id

ODD = ["²", "٣", "1" * 5000, "9" * 19, "-1", "1.0", " ", ""]


def test_parse_id_takes_only_plain_ids_the_database_can_hold():
    assert parse_id("42") == 42 and parse_id(7) == 7 and parse_id("0") == 0
    assert [parse_id(v) for v in ODD] == [None] * len(ODD)
    assert parse_id(True) is None and parse_id(2**63) is None
    assert is_ascii_number("1024") and not is_ascii_number("²") and not is_ascii_number("1" * 10)


@pytest.mark.parametrize("value", ODD)
def test_odd_numbers_in_member_requests_never_give_a_500(member_client, value):
    responses = [
        member_client.get("/gallery/", {"since": value}, HTTP_HX_REQUEST="true"),
        member_client.post("/gallery/bulk/", {"ids": [value, "1"], "action": "delete"}),
        member_client.get("/compare/", {"size": f"{value}x{value}", "prompt": "a fox"}),
    ]
    assert all(r.status_code < 500 for r in responses), [r.status_code for r in responses]


def test_a_new_image_appears_in_an_empty_gallery(member_client, member, local_connection, media_root):
    from gallery.services import image_store
    from studio.models import Job, JobStatus
    from tests.security.test_member_500s import png_bytes

    first = member_client.get("/gallery/", {"since": "0"}, HTTP_HX_REQUEST="true")
    assert first.status_code == 204
    job = Job.objects.create(owner=member, connection=local_connection, model_id="placeholder",
                             prompt="a fox", status=JobStatus.SUCCEEDED)
    image_store(job=job, index=0, data=png_bytes())
    newer = member_client.get("/gallery/", {"since": "0"}, HTTP_HX_REQUEST="true")
    assert newer.status_code == 200 and b"a fox" in newer.content
