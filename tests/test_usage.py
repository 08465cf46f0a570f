"""Usage: the month's figures, who sees what, the charts and the month picker."""
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from studio.models import Job, JobStatus
from studio.usage import (format_usd, month_shift, month_start, month_totals, parse_month, usage_by_model,
                          usage_by_person)

pytestmark = pytest.mark.django_db


def make_job(owner, *, status=JobStatus.SUCCEEDED, cost=None, images=1, model="DALL·E 3", when=None, n=1):
    return Job.objects.create(
        owner=owner, connection_name="OpenAI", model_id=model.lower(), model_label=model, prompt="a fox",
        params={"n": n}, status=status, cost=None if cost is None else Decimal(cost),
        image_count=images if status == JobStatus.SUCCEEDED else 0,
        created_at=when or month_start() + timedelta(hours=1))


@pytest.fixture
def month(member, staff):
    """This month: Mira 3 images for $0.12 and a failure; Sam 1 unpriced image; noise outside it."""
    make_job(member, cost="0.08", images=2)
    make_job(member, cost="0.04", images=1, model="FLUX.2 [pro]")
    make_job(member, status=JobStatus.FAILED)
    make_job(staff, images=1, model="FLUX.2 [pro]")
    make_job(member, cost="9", images=9, when=month_start() - timedelta(seconds=1))
    make_job(member, cost="9", images=9, when=month_shift(month_start(), 1))


def test_totals_count_the_month_only_and_images_of_succeeded_jobs(member, month):
    assert month_totals(month_start(), member) == {
        "jobs": 3, "image_total": 3, "cost_total": Decimal("0.12"), "failed": 1, "unpriced": 0}
    everyone = month_totals(month_start())
    assert (everyone["jobs"], everyone["image_total"], everyone["cost_total"], everyone["unpriced"]) == (
        4, 4, Decimal("0.12"), 1)


def test_breakdowns_by_model_and_by_person(member, staff, month):
    mine = {row["model_label"]: (row["image_total"], row["cost_total"], row["jobs"]) for row in
            usage_by_model(month_start(), member)}
    assert mine == {"DALL·E 3": (2, Decimal("0.08"), 2), "FLUX.2 [pro]": (1, Decimal("0.04"), 1)}
    people = {row["name"]: (row["image_total"], row["cost_total"], row["failed"]) for row in usage_by_person(month_start())}
    assert people == {"mira": (3, Decimal("0.12"), 1), "sam": (1, None, 0)}


def test_a_month_is_a_calendar_month_in_the_configured_time_zone(settings, member):
    settings.TIME_ZONE = "America/New_York"
    # 03:00 UTC on 1 March is still 28 February in New York.
    make_job(member, cost="0.04", when=datetime(2026, 3, 1, 3, tzinfo=ZoneInfo("UTC")))
    march = parse_month("2026-03")
    assert march == datetime(2026, 3, 1, tzinfo=ZoneInfo("America/New_York"))
    assert month_totals(march, member)["jobs"] == 0
    assert month_totals(month_shift(march, -1), member)["jobs"] == 1


def test_months_are_parsed_strictly():
    assert parse_month("2026-11") == datetime(2026, 11, 1, tzinfo=ZoneInfo("UTC"))
    for nonsense in ("2026-13", "2026-00", "26-11", "2026-1", "november", "", "2026-11-01"):
        assert parse_month(nonsense) is None, nonsense
    assert month_shift(parse_month("2026-12"), 1) == parse_month("2027-01")
    assert month_shift(parse_month("2026-01"), -1) == parse_month("2025-12")


def test_costs_are_dollars_with_more_decimals_below_a_cent():
    assert format_usd(Decimal("5")) == "$5.00"
    assert format_usd(Decimal("0.125")) == "$0.13"
    assert format_usd(Decimal("1234.5")) == "$1,234.50"
    assert format_usd(Decimal("0.004")) == "$0.004"
    assert format_usd(Decimal("0.0035")) == "$0.0035"
    assert format_usd(Decimal("0")) == "$0.00"
    assert format_usd(None) == "—"


def test_a_member_sees_their_own_month_and_nobody_elses(member_client, month):
    response = member_client.get("/usage/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your images and cost" in page
    totals = response.context["totals"]
    assert (totals["image_total"], totals["cost_display"], totals["failed"]) == (3, "$0.12", 1)
    assert [row["label"] for row in response.context["by_model"]] == ["DALL·E 3", "FLUX.2 [pro]"]
    assert "<svg" not in page and "By person" not in page and "sam" not in page.replace("Log out", "")
    assert "by_person" not in response.context


def test_staff_see_everyone_with_tables_and_bar_charts(client, staff, month):
    client.force_login(staff)
    response = client.get("/usage/")
    page = response.content.decode()
    assert "Everyone's images and cost" in page and "By person" in page
    assert [row["label"] for row in response.context["by_person"]] == ["mira", "sam"]
    assert page.count('<svg role="img"') == 2
    month_name = month_start().strftime("%B %Y")
    assert f"<title>Cost by person, {month_name}</title>" in page
    assert f'aria-label="Cost by model, {month_name}: DALL·E 3: $0.08 · 2 images;' in page
    assert ">mira</text>" in page and ">$0.12 · 3 images</text>" in page
    assert ">sam</text>" in page and ">unpriced · 1 image</text>" in page


def test_charts_measure_images_when_no_cost_is_known(client, staff, member):
    make_job(member, images=3)
    client.force_login(staff)
    page = client.get("/usage/").content.decode()
    assert "<title>Images by person," in page and ">3 images</text>" in page


def test_the_month_picker_shows_that_month_with_previous_and_next(member_client, member, month):
    make_job(member, cost="0.5", images=5, when=datetime(2026, 3, 15, tzinfo=ZoneInfo("UTC")))
    response = member_client.get("/usage/", {"month": "2026-03"})
    page = response.content.decode()
    assert "March 2026" in page and response.context["totals"]["image_total"] == 5
    assert 'href="?month=2026-02"' in page and 'href="?month=2026-04"' in page
    assert 'value="2026-03"' in page


def test_this_month_has_no_next_link(member_client, month):
    response = member_client.get("/usage/")
    assert response.context["next"] is None and 'rel="next"' not in response.content.decode()
    assert response.context["previous"] == month_shift(month_start(), -1).strftime("%Y-%m")


def test_a_nonsense_month_falls_back_to_this_month_and_says_so(member_client, month):
    response = member_client.get("/usage/", {"month": "2026-13"})
    assert response.status_code == 200
    assert response.context["start"] == month_start() and response.context["totals"]["image_total"] == 3
    assert "“2026-13” is not a month (write it like 2026-11)" in response.content.decode()


def test_usage_needs_a_login(client):
    response = client.get("/usage/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
