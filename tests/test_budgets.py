"""Budgets: what counts as spent, the refusals and their sentences, and the admin."""
from datetime import timedelta
from decimal import Decimal

import pytest

from providers.models import ProviderConnection
from studio.budgets import BudgetExceeded, budget_check
from studio.models import Budget, Job, JobStatus
from studio.usage import month_spent, month_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def openai(db):
    return ProviderConnection.objects.create(kind="openai", name="OpenAI")


def make_job(owner, connection=None, *, status=JobStatus.SUCCEEDED, cost=None, images=0, n=1,
             model_id="dall-e-3", when=None, estimate=None):
    return Job.objects.create(
        owner=owner, connection=connection, connection_name="OpenAI", model_id=model_id,
        model_label=model_id, prompt="a fox", params={"n": n}, status=status,
        cost=None if cost is None else Decimal(cost), image_count=images,
        estimate=None if estimate is None else Decimal(estimate),
        created_at=when or month_start() + timedelta(hours=1))


def refusal(user, *, cost="0", images=1) -> str:
    with pytest.raises(BudgetExceeded) as exc:
        budget_check(user, cost=Decimal(cost), images=images)
    return str(exc.value)


def test_no_budget_or_blank_fields_mean_no_limit(member):
    make_job(member, cost="100", images=1000)
    budget_check(member, cost=Decimal("50"), images=500)
    Budget.objects.create(user=member)
    budget_check(member, cost=Decimal("50"), images=500)


def test_over_the_cost_budget_says_what_is_left(member):
    Budget.objects.create(user=member, monthly_cost=Decimal("5.00"))
    make_job(member, cost="4.88", images=3)
    make_job(member, cost="20", images=5, when=month_start() - timedelta(days=1))  # last month
    assert refusal(member, cost="0.16") == (
        "This would go over your monthly budget: $0.12 left of $5.00 this month, "
        "and this request costs about $0.16.")
    budget_check(member, cost=Decimal("0.12"), images=1)  # exactly up to the limit is fine


def test_over_the_image_quota_says_what_is_left(member):
    Budget.objects.create(user=member, monthly_images=50)
    make_job(member, cost="1", images=47)
    make_job(member, status=JobStatus.FAILED)
    assert refusal(member, images=4) == (
        "This would go over your monthly image quota: 3 of 50 images left this month, "
        "and this request makes 4.")
    budget_check(member, cost=Decimal("99"), images=3)  # no cost limit set


def test_nothing_left_reads_as_zero_not_negative(member):
    Budget.objects.create(user=member, monthly_cost=Decimal("1"), monthly_images=2)
    make_job(member, cost="1.50", images=1)
    assert "$0.00 left of $1.00" in refusal(member, cost="0.004")
    Budget.objects.filter(user=member).update(monthly_cost=None)
    make_job(member, cost="0", images=3)
    assert "0 of 2 images left" in refusal(member, images=1)


def test_queued_and_running_jobs_count_with_their_estimate(member, openai):
    make_job(member, openai, status=JobStatus.QUEUED, n=2, estimate="0.08")
    make_job(member, openai, status=JobStatus.RUNNING, n=1, estimate="0.04")
    make_job(member, openai, status=JobStatus.SUCCEEDED, cost="0.04", images=1, estimate="0.04")
    make_job(member, openai, status=JobStatus.FAILED, n=4, estimate="0.16")  # released: nothing
    make_job(member, None, status=JobStatus.QUEUED, n=3, model_id="gone")  # unknown price: images only
    assert month_spent(member) == (Decimal("0.16"), 7)

    Budget.objects.create(user=member, monthly_cost=Decimal("0.20"))
    budget_check(member, cost=Decimal("0.04"), images=1)
    assert refusal(member, cost="0.08", images=2) == (
        "This would go over your monthly budget: $0.04 left of $0.20 this month, "
        "and this request costs about $0.08.")


def test_submits_in_a_row_cannot_all_slip_under_the_quota(member, openai):
    Budget.objects.create(user=member, monthly_images=3)
    for _ in range(3):
        budget_check(member, cost=Decimal("0.04"), images=1)
        make_job(member, openai, status=JobStatus.QUEUED, n=1)
    assert refusal(member, images=1).startswith("This would go over your monthly image quota: 0 of 3")


def test_staff_set_budgets_in_the_admin(admin_client, member):
    Budget.objects.create(user=member, monthly_cost=Decimal("5"), monthly_images=50)
    make_job(member, cost="1.25", images=3)
    page = admin_client.get("/admin/studio/budget/").content.decode()
    assert "mira" in page and "$1.25 · 3 images" in page

    page = admin_client.get(f"/admin/auth/user/{member.pk}/change/").content.decode()
    assert "Monthly budget (blank means no limit)" in page and 'name="budget-0-monthly_cost" value="5.00"' in page


def test_a_budget_is_set_on_the_users_admin_page(admin_client, member):
    url = f"/admin/auth/user/{member.pk}/change/"
    data = {"username": "mira", "is_active": "on", "date_joined_0": "2026-01-01", "date_joined_1": "09:00:00",
            "budget-TOTAL_FORMS": 1, "budget-INITIAL_FORMS": 0, "budget-MIN_NUM_FORMS": 0,
            "budget-MAX_NUM_FORMS": 1, "budget-0-monthly_cost": "", "budget-0-monthly_images": "",
            "profile-TOTAL_FORMS": 1, "profile-INITIAL_FORMS": 0, "profile-MIN_NUM_FORMS": 0,
            "profile-MAX_NUM_FORMS": 1, "profile-0-display_name": "", "profile-0-default_visibility": "team"}
    assert admin_client.post(url, data).status_code == 302
    assert not Budget.objects.exists()  # left blank: no row, no limit

    data["budget-0-monthly_cost"] = "7.50"
    assert admin_client.post(url, data).status_code == 302
    budget = Budget.objects.get(user=member)
    assert (budget.monthly_cost, budget.monthly_images) == (Decimal("7.50"), None)
