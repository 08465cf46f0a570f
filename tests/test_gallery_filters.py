"""The gallery's filter bar: its selects, and the person choices it keeps between pages."""
import re

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from gallery.models import Profile
from tests.test_gallery_access import make_image
from tests.test_gallery_browse import mixed, shown, teammate  # noqa: F401 — fixtures


def page(client, query: str = "") -> str:
    return client.get("/gallery/" + query).content.decode()


def test_the_chosen_filters_are_selected_and_only_those(member_client, mixed):
    html = page(member_client, "?scope=mine&person=tom&provider=local")
    assert '<option value="mine" selected>Mine</option>' in html
    assert '<option value="tom" selected>Tom T.</option>' in html
    assert '<option value="local" selected>' in html
    assert re.findall(r'<option value="([^"]*)" selected>', html) == ["mine", "", "local", "tom"], \
        "one option per select: the model filter is unset, so Any model"
    assert '<select name="person" id="id_person">' in html, "labels still point at their selects"


def test_names_are_escaped_in_the_person_filter(member_client, member, mixed, django_user_model):
    hostile = django_user_model.objects.create_user("eve")
    Profile.objects.create(user=hostile, display_name='<img src=x onerror=alert(1)> "Eve"')
    html = page(member_client)
    assert "<img src=x" not in html
    assert '<option value="eve">&lt;img src=x onerror=alert(1)&gt; &quot;Eve&quot;</option>' in html


def test_a_renamed_or_new_or_deactivated_person_shows_on_the_next_page(member_client, member, mixed,
                                                                      django_user_model):
    assert "Tom T." in page(member_client)  # the choices are now cached
    profile = Profile.objects.get(user__username="tom")
    profile.display_name = "Thomas"
    profile.save(update_fields=["display_name"])
    newcomer = django_user_model.objects.create_user("ana")
    html = page(member_client)
    assert '<option value="tom">Thomas</option>' in html and "Tom T." not in html
    assert '<option value="ana">ana</option>' in html
    newcomer.is_active = False
    newcomer.save()
    assert '<option value="ana">' not in page(member_client)


def test_a_login_or_a_theme_keeps_the_person_choices_cached(member_client, member, mixed):
    page(member_client)
    with CaptureQueriesContext(db_connection) as warm:
        page(member_client)
    member_client.force_login(member)  # saves last_login
    profile = Profile.objects.get(user__username="tom")
    profile.theme = "dark"
    profile.save(update_fields=["theme"])
    with CaptureQueriesContext(db_connection) as after:
        page(member_client)
    assert len(after.captured_queries) == len(warm.captured_queries)
    assert not [q for q in after.captured_queries if "FROM \"auth_user\"" in q["sql"] and "COALESCE" in q["sql"]]


@pytest.mark.parametrize("query", ["?person=nobody", "?person=", "?person=tom%00", "?person=" + "x" * 300])
def test_an_unknown_person_in_a_shared_link_is_dropped_not_fatal(member_client, mixed, query):
    response = member_client.get("/gallery/" + query)
    assert response.status_code == 200
    assert shown(member_client, query, mixed) == {"mine", "mine_private", "toms"}


def test_the_person_filter_matches_by_username(member_client, mixed, member, local_connection):
    make_image(member, local_connection, prompt="another of mine")
    assert shown(member_client, "?person=tom", mixed) == {"toms"}
