"""Browsing: infinite scroll, filters kept in the URL, search, the image page and its actions."""
import re
from datetime import datetime, timedelta
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gallery.models import Favourite, Image, Profile, Visibility
from gallery.views import PAGE_SIZE
from tests.conftest import PASSWORD
from tests.test_gallery_access import make_image

TILE = re.compile(r'id="image-(\d+)"')


def tile_ids(html: str) -> list[int]:
    return [int(pk) for pk in TILE.findall(html)]


def sentinel_url(html: str) -> str | None:
    match = re.search(r'<div class="more" hx-get="([^"]+)" hx-trigger="revealed" hx-swap="outerHTML">', html)
    return unescape(match[1]) if match else None


@pytest.fixture
def teammate(django_user_model):
    return django_user_model.objects.create_user("tom", password=PASSWORD)


@pytest.fixture
def many(member, local_connection, media_root):
    """30 images a minute apart, newest last made; two share a timestamp to test the keyset tie."""
    start = timezone.now() - timedelta(days=1)
    images = [make_image(member, local_connection, prompt=f"harbour number {i}",
                         created_at=start + timedelta(minutes=i)) for i in range(30)]
    Image.objects.filter(pk=images[10].pk).update(created_at=images[11].created_at)
    return images


def test_first_page_has_24_tiles_and_a_revealed_trigger_for_the_rest(member_client, many):
    html = member_client.get("/gallery/").content.decode()
    ids = tile_ids(html)
    assert len(ids) == PAGE_SIZE == 24
    assert ids[0] == many[-1].pk, "newest first"
    next_url = sentinel_url(html)
    assert next_url and "before=" in next_url
    assert f'<a href="{next_url.replace("&", "&amp;")}" rel="next">Older →</a>' in html  # without JavaScript


def test_the_htmx_scroll_answers_only_the_next_tiles(member_client, many):
    first = member_client.get("/gallery/").content.decode()
    response = member_client.get(sentinel_url(first), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and "<form method=\"get\"" not in html
    assert html.lstrip().startswith("<figure")
    assert response["Vary"] and "HX-Request" in response["Vary"]
    rest = tile_ids(html)
    assert len(rest) == 6 and sentinel_url(html) is None, "the last page has no trigger"
    everything = tile_ids(first) + rest
    assert sorted(everything) == sorted(i.pk for i in many), "no image lost or repeated, ties included"


def test_the_no_js_older_link_renders_a_full_page_with_a_way_back(member_client, many):
    first = member_client.get("/gallery/?q=harbour").content.decode()
    page = member_client.get(sentinel_url(first)).content.decode()
    assert "<html" in page and len(tile_ids(page)) == 6
    assert '<a href="/gallery/?q=harbour">← Back to the newest</a>' in page


def test_filters_stay_in_the_next_page_url(member_client, many):
    html = member_client.get("/gallery/?scope=mine&q=harbour&provider=local").content.decode()
    query = parse_qs(urlsplit(sentinel_url(html)).query)
    assert query["scope"] == ["mine"] and query["q"] == ["harbour"] and query["provider"] == ["local"]
    assert "before" in query
    assert 'value="harbour"' in html, "the form shows the filters in use"


def test_a_garbled_cursor_starts_at_the_newest(member_client, many):
    for cursor in ("nonsense", "99999999999999999999999-1", "-5"):
        assert tile_ids(member_client.get(f"/gallery/?before={cursor}").content.decode())[0] == many[-1].pk


@pytest.fixture
def mixed(member, teammate, local_connection, media_root):
    Profile.objects.create(user=teammate, display_name="Tom T.")
    now = timezone.now()
    return {
        "mine": make_image(member, local_connection, prompt="red fox in snow", created_at=now),
        "mine_private": make_image(member, local_connection, prompt="blue fox at night",
                                   visibility=Visibility.PRIVATE, created_at=now - timedelta(days=3)),
        "toms": make_image(teammate, local_connection, prompt="a red lighthouse", model_id="other-model",
                           model_label="Other", created_at=now - timedelta(days=10)),
    }


def shown(client, query: str, mixed) -> set[str]:
    ids = set(tile_ids(client.get("/gallery/" + query).content.decode()))
    return {key for key, image in mixed.items() if image.pk in ids}


def test_scopes(member_client, member, mixed):
    Favourite.objects.create(user=member, image=mixed["toms"])
    assert shown(member_client, "", mixed) == {"mine", "mine_private", "toms"}
    assert shown(member_client, "?scope=mine", mixed) == {"mine", "mine_private"}
    assert shown(member_client, "?scope=team", mixed) == {"mine", "toms"}
    assert shown(member_client, "?scope=favourites", mixed) == {"toms"}


def test_model_provider_person_and_search(member_client, mixed):
    assert shown(member_client, "?model=other-model", mixed) == {"toms"}
    assert shown(member_client, "?provider=local", mixed) == {"mine", "mine_private", "toms"}
    assert shown(member_client, "?provider=openai", mixed) == set()
    assert shown(member_client, "?person=tom", mixed) == {"toms"}
    assert shown(member_client, "?q=fox", mixed) == {"mine", "mine_private"}
    assert shown(member_client, "?q=RED+fox", mixed) == {"mine"}, "every word must match, any case"
    assert shown(member_client, "?q=red&person=mira", mixed) == {"mine"}


def test_date_range_counts_whole_days(member_client, mixed):
    today = timezone.localdate()
    week_ago = (today - timedelta(days=7)).isoformat()
    assert shown(member_client, f"?date_from={week_ago}", mixed) == {"mine", "mine_private"}
    assert shown(member_client, f"?date_to={week_ago}", mixed) == {"toms"}
    day = timezone.localtime(mixed["mine_private"].created_at).date().isoformat()
    assert shown(member_client, f"?date_from={day}&date_to={day}", mixed) == {"mine_private"}


def test_the_form_offers_the_people_and_models_and_explains_a_bad_range(member_client, mixed):
    html = member_client.get("/gallery/?date_from=2026-02-02&date_to=2026-01-01").content.decode()
    assert "The start date must not be after the end date." in html
    assert '<option value="tom">Tom T.</option>' in html
    assert '<option value="other-model">Other (other-model)</option>' in html


def test_query_count_does_not_grow_with_the_page_size(client, member, django_user_model, local_connection,
                                                      media_root, django_assert_max_num_queries):
    people = [member] + [django_user_model.objects.create_user(f"p{i}") for i in range(3)]
    for i, person in enumerate(people):
        Profile.objects.create(user=person, display_name=f"Person {i}")

    def add(count):
        for i in range(count):
            image = make_image(people[i % len(people)], local_connection, prompt=f"tile {i}")
            if i % 2:
                Favourite.objects.create(user=member, image=image)

    client.force_login(member)
    add(5)
    with CaptureQueriesContext(db_connection) as small:
        assert len(tile_ids(client.get("/gallery/").content.decode())) == 5
    add(35)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(tile_ids(client.get("/gallery/").content.decode())) == PAGE_SIZE
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/gallery/?scope=favourites&q=tile")


def test_every_img_has_the_prompt_as_alt_text(member_client, mixed):
    for url in ("/gallery/", mixed["mine"].get_absolute_url()):
        imgs = re.findall(r"<img [^>]*>", member_client.get(url).content.decode())
        assert imgs
        for tag in imgs:
            assert re.search(r'alt="(red fox in snow|blue fox at night|a red lighthouse)"', tag), tag


def test_the_image_page_shows_everything_about_it(member_client, member, local_connection, media_root):
    Profile.objects.create(user=member, display_name="Mira M.")
    image = make_image(member, local_connection, prompt="a quiet harbour", negative_prompt="fog",
                       params={"width": 256, "height": 256, "n": 2, "steps": 30}, seed=1234,
                       cost=Decimal("0.04"))
    Image.objects.filter(pk=image.pk).update(revised_prompt="a very quiet harbour at dawn")
    html = member_client.get(image.get_absolute_url()).content.decode()
    for text in ('<dd class="prompt" id="prompt-text">a quiet harbour</dd>', "a very quiet harbour at dawn",
                 "fog", "<dd>1234</dd>", "Offline placeholder (not AI) <code>placeholder</code>",
                 "Offline renderer", "Offline placeholder renderer (not AI)", "16 × 12 PNG",
                 "<th scope=\"row\">steps</th><td>30</td>", "$0.04", "Mira M.", "Team",
                 f'datetime="{timezone.localtime(image.created_at).isoformat()}"', "Copy prompt",
                 "js/copy-text.js", 'data-copy="#prompt-text"', 'href="' + image.original_url + '?download=1"'):
        assert text in html, text


def test_reuse_and_vary_carry_every_parameter(member_client, member, local_connection, media_root):
    image = make_image(member, local_connection, prompt="a quiet harbour", negative_prompt="fog",
                       params={"width": 512, "height": 384, "n": 2, "tiling": False, "hires": True},
                       seed=1234)
    html = member_client.get(image.get_absolute_url()).content.decode()
    reuse = unescape(re.search(r'href="([^"]+)"[^>]*>Reuse<', html)[1])
    vary = unescape(re.search(r'href="([^"]+)"[^>]*>Vary<', html)[1])
    expected = {"model": [f"{local_connection.pk}:placeholder"], "prompt": ["a quiet harbour"],
                "negative_prompt": ["fog"], "width": ["512"], "height": ["384"], "n": ["2"], "hires": ["on"]}
    assert urlsplit(reuse).path == "/"
    assert parse_qs(urlsplit(reuse).query, keep_blank_values=True) == expected | {"tiling": [""], "seed": ["1234"]}
    assert parse_qs(urlsplit(vary).query, keep_blank_values=True) == expected | {"tiling": [""]}
    # The compose form opens filled in.
    compose = member_client.get(reuse).content.decode()
    assert ">\na quiet harbour</textarea>" in compose and 'value="1234"' in compose and 'value="384"' in compose
    assert 'name="seed"' in member_client.get(vary).content.decode()
    assert 'value="1234"' not in member_client.get(vary).content.decode()


def test_reuse_without_the_job_leaves_the_model_to_the_form(member_client, member, local_connection, media_root):
    image = make_image(member, local_connection)
    image.job.delete()
    html = member_client.get(image.get_absolute_url()).content.decode()
    reuse = unescape(re.search(r'href="([^"]+)"[^>]*>Reuse<', html)[1])
    assert "model" not in parse_qs(urlsplit(reuse).query) and "prompt=a+quiet+harbour" in reuse


def test_an_empty_gallery_says_so(member_client, db):
    assert "No images yet" in member_client.get("/gallery/").content.decode()
    assert "No images match" in member_client.get("/gallery/?q=zebra").content.decode()


def test_staff_see_others_private_images_in_the_grid(client, staff, member, local_connection, media_root):
    make_image(member, local_connection, visibility=Visibility.PRIVATE)
    client.force_login(staff)
    assert len(tile_ids(client.get("/gallery/").content.decode())) == 1


def test_dates_in_another_day_are_outside_the_range(member_client, member, local_connection, media_root):
    tz = timezone.get_default_timezone()
    late = timezone.make_aware(datetime(2026, 3, 10, 23, 59), tz)
    make_image(member, local_connection, prompt="late", created_at=late)
    assert len(tile_ids(member_client.get("/gallery/?date_from=2026-03-10&date_to=2026-03-10").content.decode())) == 1
    assert not tile_ids(member_client.get("/gallery/?date_from=2026-03-11").content.decode())
