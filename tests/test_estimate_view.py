"""The estimate beside Generate, estimate vs actual on the usage page, and staff's price overrides."""
import json
from datetime import timedelta
from decimal import Decimal

import pytest

from providers.models import ProviderConnection
from studio.models import Budget, Job, JobStatus
from studio.usage import month_start

SIZE = {"type": "range", "min": 256, "max": 2048, "multiple": 8, "default": [1024, 1024]}
TOKENS = {"per_million_tokens": {"text_in": "5", "image_in": "8", "image_out": "30", "text_out": None},
          "image_out_tokens_1024": {"low": 200, "medium": 1767, "high": 7033}}
GPTISH = {"id": "tokeny", "label": "Tokeny", "size": SIZE, "max_n": 4, "price": TOKENS,
          "params": {"quality": {"type": "choice", "choices": ["auto", "low", "medium", "high"], "default": "auto"}}}
MYSTERY = {"id": "mystery", "label": "Mystery", "size": SIZE, "max_n": 4, "params": {}, "price": None}


@pytest.fixture
def conn(db):
    return ProviderConnection.objects.create(kind="local", name="Renderer plus", custom_models=[GPTISH, MYSTERY])


def estimate(client, conn, model="tokeny", **fields):
    return client.get("/compose/estimate/", {"model": f"{conn.pk}:{model}", "width": 1024, "height": 1024,
                                             "n": 1, **fields}).content.decode()


def test_the_estimate_follows_quality_size_and_n(member_client, conn):
    assert estimate(member_client, conn, quality="high") == "≈ $0.21"
    assert estimate(member_client, conn, quality="medium") == "≈ $0.05"
    assert estimate(member_client, conn, quality="low") == "≈ $0.006"
    assert estimate(member_client, conn, quality="low", n=4) == "≈ $0.02"
    assert estimate(member_client, conn, quality="high", width=2048, height=1024) == "≈ $0.42"


def test_the_estimate_says_what_is_left_of_a_budget(member_client, member, conn):
    Budget.objects.create(user=member, monthly_cost=Decimal("20"))
    Job.objects.create(owner=member, connection=conn, connection_name=conn.name, model_id="tokeny", model_label="Tokeny",
                       prompt="p", status=JobStatus.SUCCEEDED, cost=Decimal("15.63"), image_count=1,
                       created_at=month_start() + timedelta(hours=1))
    assert estimate(member_client, conn, quality="high") == "≈ $0.21 · $4.37 of $20.00 left this month"


def test_an_unpriced_model_says_so_and_never_zero(member_client, member, conn):
    assert estimate(member_client, conn, "mystery") == "Unpriced: no price is set for this model"
    Budget.objects.create(user=member, monthly_cost=Decimal("20"))
    assert estimate(member_client, conn, "mystery") == (
        "No price is known for this model yet; ask staff to set one.")


def test_compose_page_shows_the_estimate_beside_generate(member_client, conn):
    page = member_client.get("/", {"model": f"{conn.pk}:tokeny", "quality": "medium"}).content.decode()
    assert 'id="estimate"' in page and 'hx-get="/compose/estimate/"' in page and "≈ $0.05" in page
    # The model's fields swap brings the estimate for the new model's defaults.
    fields = member_client.get("/compose/fields/", {"model": f"{conn.pk}:mystery"}).content.decode()
    assert "Unpriced: no price is set for this model" in fields


def test_compare_estimate_totals_the_ticked_models(member_client, conn):
    data = {"models": [f"{conn.pk}:tokeny", f"{conn.pk}:placeholder"], "width": 1024, "height": 1024}
    # Quality is not a compare field: the provider's "auto" is estimated as high.
    assert member_client.get("/compare/estimate/", data).content.decode() == "≈ $0.21"
    data["models"].append(f"{conn.pk}:mystery")
    assert member_client.get("/compare/estimate/", data).content.decode() == "≈ $0.21 + 1 unpriced model"
    assert 'hx-get="/compare/estimate/"' in member_client.get("/compare/").content.decode()


def test_usage_shows_estimate_and_actual_per_model(client, staff, member):
    for estimate_, cost in (("0.21", "0.19"), ("0.21", "0.23")):
        Job.objects.create(owner=member, connection_name="OpenAI", model_id="gpt-image-2", model_label="GPT Image 2",
                           prompt="p", status=JobStatus.SUCCEEDED, estimate=Decimal(estimate_), cost=Decimal(cost),
                           image_count=1, created_at=month_start() + timedelta(hours=1))
    Job.objects.create(owner=member, connection_name="X", model_id="mystery", model_label="Mystery", prompt="p",
                       status=JobStatus.SUCCEEDED, image_count=2, created_at=month_start() + timedelta(hours=1))
    client.force_login(staff)
    response = client.get("/usage/")
    rows = {row["label"]: (row["estimate_display"], row["cost_display"]) for row in response.context["by_model"]}
    assert rows == {"GPT Image 2": ("$0.42", "$0.42"), "Mystery": ("—", "unpriced")}
    page = response.content.decode()
    assert "<th scope=\"col\">Estimated</th>" in page and "<th scope=\"col\">Actual cost</th>" in page


def admin_form(conn, **changes):
    return {"kind": conn.kind, "name": conn.name, "base_url": "http://renderer.lan", "api_key": "", "enabled": "on",
            "enabled_models": "[]", "custom_models": json.dumps(conn.custom_models), "options": "{}", "max_concurrency": 4,
            "per_image_prices": "", "advanced_prices": "", **changes}


def test_staff_set_prices_per_image_and_in_json(admin_client, conn):
    url = f"/admin/providers/providerconnection/{conn.pk}/change/"
    data = admin_form(conn, per_image_prices="mystery: 0.035\n",
                      advanced_prices='{"flux-x": {"credits_first_mp": 3, "credits_per_mp": 1.5, "usd_per_credit": "0.01"}}')
    assert admin_client.post(url, data).status_code == 302
    conn.refresh_from_db()
    assert conn.prices == {"mystery": "0.035", "flux-x": {"credits_first_mp": 3, "credits_per_mp": 1.5,
                                                          "usd_per_credit": "0.01"}}
    page = admin_client.get(url).content.decode()
    assert "mystery: 0.035" in page


@pytest.mark.parametrize("field,value,error", [
    ("per_image_prices", "mystery 0.035", "Line 1: write it as “model-id: 0.04”."),
    ("per_image_prices", "mystery: NaN", "Line 1 (mystery): The price must be a finite number of at least 0"),
    ("per_image_prices", "mystery: -1", "Line 1 (mystery): The price must be a finite number of at least 0"),
    ("advanced_prices", '{"mystery": {"credits": 6.5}}', "mystery: A credit price needs usd_per_credit"),
])
def test_a_bad_price_is_refused_naming_the_model(admin_client, conn, field, value, error):
    url = f"/admin/providers/providerconnection/{conn.pk}/change/"
    response = admin_client.post(url, admin_form(conn, **{field: value}))
    assert response.status_code == 200 and error in response.content.decode()


def test_estimates_need_a_login(client, conn):
    for url in ("/compose/estimate/", "/compare/estimate/"):
        response = client.get(url, {"model": f"{conn.pk}:tokeny"})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
