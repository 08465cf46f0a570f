"""Malformed ids and numbers sent to the new endpoints get an answer, never a 500.

"²" passes ``str.isdigit`` yet ``int`` refuses it; an id over 2**63 - 1 makes
the database driver raise; "inf" and "nan" parse as floats.
"""
import pytest
from hypothesis import given, strategies as st

from gallery.boards import board_create
from gallery.models import BoardImage
from studio.models import Job
from tests.security.test_input_properties import FIXTURES_OK, any_text, numberish
from tests.test_gallery_access import make_image

BAD_IDS = ["²", "99999999999999999999999", "9" * 30, "-1", "0", "abc", "1e5", "٣٣", " 7 "]


@pytest.fixture
def picture(member, local_connection, media_root):
    return make_image(member, local_connection)


@pytest.fixture
def answering(member_client):
    member_client.raise_request_exception = False
    return member_client


@pytest.mark.parametrize("bad", BAD_IDS)
def test_bulk_actions_ignore_ids_that_name_no_image(answering, picture, bad):
    for action in ("delete", "download", "team"):
        response = answering.post("/gallery/bulk/", {"action": action, "ids": [bad]})
        assert response.status_code == 302
    assert picture.__class__.objects.filter(pk=picture.pk).exists()


@pytest.mark.parametrize("bad", BAD_IDS)
def test_adding_to_a_board_that_cannot_exist_is_a_404(answering, picture, bad):
    response = answering.post("/gallery/bulk/", {"action": "board", "ids": [picture.pk], "board": bad})
    assert response.status_code == 404


@pytest.mark.parametrize("bad", BAD_IDS)
def test_removing_malformed_ids_from_a_board_keeps_its_images(answering, member, picture, bad):
    board = board_create(owner=member, name="harbours")
    BoardImage.objects.create(board=board, image=picture)
    response = answering.post(f"/gallery/boards/{board.pk}/change/", {"action": "remove", "ids": [bad]})
    assert response.status_code == 302 and board.entries.count() == 1


@pytest.mark.parametrize("bad", ["²", "99999999999999999999999", "12,²"])
def test_a_compose_link_with_malformed_references_still_opens(answering, bad):
    response = answering.get("/", {"references": bad})
    assert response.status_code == 200


@pytest.mark.parametrize("bad", ["²", "99999999999999999999999"])
def test_a_compose_post_with_malformed_references_names_the_rule(answering, local_connection, bad):
    response = answering.post("/", {"prompt": "a fox", "references": bad,
                                    "model": f"{local_connection.pk}:placeholder"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Image ids must be whole numbers" in response.content.decode()
    assert not Job.objects.exists()


@pytest.mark.parametrize("bad", ["²", "99999999999999999999999"])
def test_an_edit_with_malformed_references_names_the_rule(answering, picture, local_connection, bad):
    before = Job.objects.count()
    response = answering.post(f"/edit/{picture.pk}/", {"prompt": "a fox", "references": bad, "operation": "edit",
                                                        "model": f"{local_connection.pk}:placeholder"})
    assert response.status_code == 200 and Job.objects.count() == before


def grid(client, connection, **fields):
    data = {"prompt": "a lighthouse", "width": "512", "height": "512", "x_axis": "seeds", "seeds": "1, 2",
            "models": [f"{connection.pk}:placeholder"], "param": "guidance", "values": "3", **fields}
    return client.post("/compare/grid/", data)


@pytest.mark.parametrize("values", ["inf", "nan", "1e400", "-inf", "3, NaN"])
def test_a_grid_of_endless_numbers_is_refused_with_its_rule(answering, local_connection, values):
    response = grid(answering, local_connection, values=values)
    assert response.status_code == 200 and "Each value must be a number" in response.content.decode()
    assert not Job.objects.exists()


@pytest.mark.parametrize("seeds", ["99999999999999999999999, 1", "-5, 1", f"{2**32}, 1"])
def test_a_grid_seed_out_of_range_is_refused_with_its_rule(answering, local_connection, seeds):
    response = grid(answering, local_connection, seeds=seeds)
    assert response.status_code == 200 and "Each seed must be between 0 and" in response.content.decode()
    assert not Job.objects.exists()


@FIXTURES_OK
@given(data=st.fixed_dictionaries({}, optional={
    "ids": st.lists(st.one_of(numberish, any_text), max_size=4), "board": st.one_of(numberish, any_text),
    "action": st.sampled_from(["download", "delete", "private", "team", "board", "x"]),
    "next": any_text}))
def test_no_bulk_post_gives_a_500(answering, picture, data):
    assert answering.post("/gallery/bulk/", data).status_code in (200, 302, 400, 404)


@FIXTURES_OK
@given(data=st.fixed_dictionaries({}, optional={
    "prompt": any_text, "x_axis": st.sampled_from(["models", "seeds", ""]), "seeds": any_text,
    "param": st.sampled_from(["steps", "guidance", "quality", "x"]), "width": numberish, "height": numberish,
    "values": st.one_of(any_text, st.lists(numberish, min_size=1, max_size=3).map(",".join))}))
def test_no_grid_post_gives_a_500(answering, local_connection, data):
    data = {**data, "models": [f"{local_connection.pk}:placeholder"]}
    assert answering.post("/compare/grid/", data).status_code in (200, 302)


@FIXTURES_OK
@given(page=st.one_of(numberish, any_text), op=st.one_of(any_text, st.sampled_from(["edit", "upscale", "variation"])),
       refs=st.lists(st.one_of(numberish, any_text), max_size=3))
def test_no_history_edit_or_board_query_gives_a_500(answering, picture, page, op, refs):
    for url, params in (("/jobs/", {"page": page}), ("/compare/history/", {"page": page}),
                        (f"/edit/{picture.pk}/", {"op": op}), ("/", {"references": refs})):
        assert answering.get(url, params).status_code in (200, 404)
    assert answering.post(f"/gallery/boards/{2**70}/change/", {"action": "delete"}).status_code == 404


@FIXTURES_OK
@given(data=st.fixed_dictionaries({}, optional={
    "prompt": any_text, "width": numberish, "height": numberish, "n": numberish, "seed": numberish,
    "steps": numberish, "guidance": numberish, "references": st.one_of(numberish, any_text),
    "operation": st.one_of(any_text, st.sampled_from(["edit", "reference", "variation"])),
    "model": any_text, "models": st.lists(any_text, max_size=3)}), key=st.booleans())
def test_no_estimate_query_gives_a_500(answering, local_connection, data, key):
    if key:
        data = {**data, "model": f"{local_connection.pk}:placeholder",
                "models": [f"{local_connection.pk}:placeholder"] * 2}
    for url in ("/compose/estimate/", "/compare/estimate/"):
        assert answering.get(url, data, HTTP_HX_REQUEST="true").status_code in (200, 204, 400)


def test_a_restored_file_naming_impossible_input_ids_restores_the_rest(member, picture):
    from studio.edits import restore_inputs

    found = {"operation": "edit", "inputs": [{"id": 2**70, "role": "image"}, {"id": picture.pk, "role": "reference"},
                                             {"id": True}, {"id": -3}]}
    update, note = restore_inputs(user=member, found=found)
    assert update["references"] == str(picture.pk)
    assert f"the edited image {2**70} is not in this studio" in note
