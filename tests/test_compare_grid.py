"""The X/Y grid: models or seeds across, a parameter's values down, one job per cell."""
import pytest

from studio.compare import grid_rows
from studio.models import Job
from tests.test_compare import connect


def post(client, **fields):
    data = {"prompt": "a lighthouse", "width": "512", "height": "512", "x_axis": "models",
            "param": "steps", "values": "10, 20", **fields}
    return client.post("/compare/grid/", data)


def test_models_across_and_steps_down_make_one_job_per_cell(member_client, local_connection):
    aigc = connect("aigc")
    keys = [f"{local_connection.pk}:placeholder", f"{aigc.pk}:flux-dev"]
    response = post(member_client, models=keys, seeds="7")
    assert response.status_code == 302
    jobs = list(Job.objects.order_by("created_at", "id"))
    assert len(jobs) == 4 and len({j.group for j in jobs}) == 1
    assert {j.seed for j in jobs if j.model_id == "flux-dev"} <= {7, None}
    titles, rows = grid_rows(jobs)
    assert [title for title, _ in rows] == ["Steps 10", "Steps 20"]
    assert len(titles) == 2 and all(len(cells) == 2 for _, cells in rows)
    page = member_client.get(response["Location"]).content.decode()
    assert 'class="xy-grid"' in page and '<th scope="row">Steps 20</th>' in page


def test_seeds_across_need_one_model(member_client, local_connection):
    key = f"{local_connection.pk}:placeholder"
    html = post(member_client, x_axis="seeds", models=[key], seeds="5").content.decode()
    assert "Columns of seeds: write two or more seeds." in html
    response = post(member_client, x_axis="seeds", models=[key], seeds="1, 2, 3", param="guidance", values="3")
    assert response.status_code == 302
    titles, rows = grid_rows(list(Job.objects.order_by("created_at", "id")))
    assert titles == ["Seed 1", "Seed 2", "Seed 3"] and len(rows) == 1


@pytest.mark.parametrize("fields,message", [
    ({"values": "ten"}, "Each value must be a number"),
    ({"values": ",".join(str(i) for i in range(9))}, "A grid has at most 16 pictures"),
])
def test_a_grid_names_what_is_wrong(member_client, local_connection, fields, message):
    aigc = connect("aigc")
    keys = [f"{local_connection.pk}:placeholder", f"{aigc.pk}:flux-dev"]
    html = post(member_client, models=keys, **fields).content.decode()
    assert message in html and not Job.objects.exists()


def test_a_plain_compare_is_not_drawn_as_a_grid(member_client, local_connection):
    aigc = connect("aigc")
    member_client.post("/compare/", {"prompt": "a fox", "width": "512", "height": "512",
                                     "models": [f"{local_connection.pk}:placeholder", f"{aigc.pk}:flux-dev"]})
    assert grid_rows(list(Job.objects.order_by("created_at", "id"))) is None
