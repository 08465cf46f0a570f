"""What keeps the gallery fast with many images: the newest-first scan runs on
an index, the tiles an htmx scroll asks for skip the filter choices, and the
model choices are computed once, not on every page."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gallery.selectors import filtered_images
from tests.test_gallery_access import make_image


@pytest.fixture
def some_images(member, django_user_model, local_connection, media_root):
    other = django_user_model.objects.create_user("teammate")
    for i in range(6):
        make_image(member if i % 2 else other, local_connection, prompt=f"harbour {i}",
                   visibility="private" if i % 3 == 0 else "team")
    return member


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return " / ".join(row[-1] for row in cursor.fetchall())


@pytest.mark.parametrize("filters", [{}, {"scope": "mine"}, {"scope": "team"}, {"scope": "favourites"},
                                     {"model": "placeholder", "q": "harbour"}])
def test_a_gallery_page_walks_an_index_instead_of_sorting_every_image(some_images, filters):
    if connection.vendor != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL chooses by its statistics")
    for user_is_staff in (False, True):
        some_images.is_staff = user_is_staff
        text = plan(filtered_images(some_images, filters)[:25])
        assert "TEMP B-TREE" not in text, text


def test_htmx_tiles_skip_the_filter_choices(client, some_images):
    client.force_login(some_images)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/gallery/?before=", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "tile" in response.content.decode()
    assert not [q["sql"] for q in queries.captured_queries if "DISTINCT" in q["sql"].upper()]


def test_model_choices_are_computed_once_and_renewed_by_a_new_image(client, some_images, local_connection):
    client.force_login(some_images)
    client.get("/gallery/")
    with CaptureQueriesContext(connection) as queries:
        assert "Offline placeholder" in client.get("/gallery/").content.decode()
    assert not [q["sql"] for q in queries.captured_queries if "DISTINCT" in q["sql"].upper()]
    make_image(some_images, local_connection, model_id="dall-e-3", model_label="DALL·E 3")
    assert "DALL·E 3 (dall-e-3)" in client.get("/gallery/").content.decode()
