"""Links built from a cached route (studio.links) are the links reverse() makes."""
from datetime import datetime, timezone as dt_timezone

import pytest
from django.urls import reverse, set_script_prefix

from gallery.models import Image
from studio.links import id_url


@pytest.mark.parametrize("name", ["image-detail", "image-favourite", "job-card"])
def test_an_id_route_is_what_reverse_makes(name):
    for pk in (1, 42, 2**63 - 1):
        assert id_url(name, pk) == reverse(name, args=[pk])


def test_a_studio_served_under_a_sub_path_links_under_it():
    plain = reverse("image-detail", args=[7])
    try:
        set_script_prefix("/studio/")
        assert id_url("image-detail", 7) == "/studio" + plain == reverse("image-detail", args=[7])
    finally:
        set_script_prefix("/")
    assert id_url("image-detail", 7) == plain


def test_a_route_with_more_than_an_id_is_refused():
    with pytest.raises(Exception):
        id_url("gallery", 1)


def test_a_tile_dates_its_image_in_the_studios_time_zone(settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    image = Image(pk=3, created_at=datetime(2026, 12, 1, 20, 30, tzinfo=dt_timezone.utc))
    assert image.created_day == "2 Dec 2026"  # already the next day in Tokyo
    assert image.created_iso == "2026-12-02T05:30:00+09:00"
