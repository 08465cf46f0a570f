"""Budgets hold: unpriced models are refused under a cost budget, the check lives in the
services (compose, compare, retry), reservations follow the job, and concurrency cannot beat them."""
import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection

from providers.models import ProviderConnection
from providers.services import ModelChoice
from studio import services
from studio.budgets import UNPRICED, BudgetExceeded, Unpriced, budget_reserve, job_estimate
from studio.compare import compare_create
from studio.models import Budget, Job, JobStatus
from studio.usage import month_spent

SIZE = {"type": "range", "min": 256, "max": 2048, "multiple": 8, "default": [512, 512]}
MYSTERY = {"id": "mystery", "label": "Mystery model", "size": SIZE, "max_n": 4,
           "params": {"seed": "seed"}, "price": None}
PRICED = {"id": "priced", "label": "Priced model", "size": SIZE, "max_n": 4,
          "params": {"seed": "seed"}, "price": {"usd": "0.10"}}


@pytest.fixture
def conn(db):
    """The offline renderer, with an unpriced model and a $0.10 one beside its free placeholder."""
    return ProviderConnection.objects.create(kind="local", name="Renderer plus",
                                             custom_models=[MYSTERY, PRICED])


def post(client, conn, model, **fields):
    data = {"prompt": "a lighthouse", "model": f"{conn.pk}:{model}", "width": 512, "height": 512, "n": 1, **fields}
    return client.post("/", data, HTTP_HX_REQUEST="true")


def test_unpriced_model_is_refused_under_a_cost_budget(member_client, member, conn, media_root):
    Budget.objects.create(user=member, monthly_cost=Decimal("20"))
    page = post(member_client, conn, "mystery").content.decode()
    assert "No price is known for this model yet; ask staff to set one" in page
    assert not Job.objects.exists()


def test_unpriced_model_runs_without_a_budget_and_reads_unpriced(member_client, member, conn, media_root,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(member_client, conn, "mystery")
    job = Job.objects.get()
    assert job.status == JobStatus.SUCCEEDED and job.cost is None and job.estimate is None
    card = member_client.get(f"/jobs/{job.pk}/card/").content.decode()
    assert ">unpriced</span>" in card and "$0" not in card


def test_an_image_quota_alone_does_not_refuse_unpriced_models(member_client, member, conn, media_root):
    Budget.objects.create(user=member, monthly_images=10)
    post(member_client, conn, "mystery")
    assert Job.objects.count() == 1


def test_a_staff_price_makes_it_usable_under_a_budget(member_client, member, conn, media_root):
    Budget.objects.create(user=member, monthly_cost=Decimal("1"))
    conn.prices = {"mystery": "0.25"}
    conn.save()
    post(member_client, conn, "mystery", n=2)
    assert Job.objects.get().estimate == Decimal("0.50")
    page = post(member_client, conn, "mystery", n=3).content.decode()
    assert "$0.50 left of $1.00 this month, and this request costs about $0.75" in page


def test_compare_is_checked_once_for_all_its_models(member, conn):
    Budget.objects.create(user=member, monthly_cost=Decimal("1"))
    choices = [ModelChoice(conn, conn.spec("priced")), ModelChoice(conn, conn.spec("mystery"))]
    wanted = {"prompt": "a fox", "width": 512, "height": 512, "seed": 1}
    with pytest.raises(Unpriced, match="Mystery model: No price is known"):
        compare_create(owner=member, choices=choices, wanted=wanted)
    assert not Job.objects.exists()  # all or nothing
    Budget.objects.filter(user=member).update(monthly_cost=Decimal("0.15"))
    with pytest.raises(BudgetExceeded, match="costs about \\$0.20"):
        compare_create(owner=member, choices=[choices[0], choices[0]], wanted=wanted)
    assert not Job.objects.exists()


def test_retry_goes_through_the_budget(member, member_client, conn):
    Budget.objects.create(user=member, monthly_cost=Decimal("0.15"))
    failed = Job.objects.create(owner=member, connection=conn, connection_name=conn.name, model_id="priced",
                                model_label="Priced model", prompt="a fox", params={"n": 1, "width": 512, "height": 512},
                                status=JobStatus.FAILED, estimate=Decimal("0.10"))
    services.job_retry(failed, owner=member)
    assert Job.objects.filter(status=JobStatus.QUEUED).get().estimate == Decimal("0.10")
    page = member_client.post(f"/jobs/{failed.pk}/retry/", HTTP_HX_REQUEST="true").content.decode()
    assert "This would go over your monthly budget: $0.05 left" in page
    assert Job.objects.count() == 2


def test_a_reservation_is_released_when_the_job_fails(member, conn):
    Budget.objects.create(user=member, monthly_cost=Decimal("0.25"), monthly_images=2)
    job = services.job_create(owner=member, choice=ModelChoice(conn, conn.spec("priced")),
                              values={"prompt": "a fox", "width": 512, "height": 512, "n": 2})
    assert month_spent(member) == (Decimal("0.20"), 2)
    with pytest.raises(BudgetExceeded):
        services.job_create(owner=member, choice=ModelChoice(conn, conn.spec("priced")),
                            values={"prompt": "a fox", "width": 512, "height": 512, "n": 1})
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    assert month_spent(member) == (Decimal("0"), 0)
    services.job_create(owner=member, choice=ModelChoice(conn, conn.spec("priced")),
                        values={"prompt": "a fox", "width": 512, "height": 512, "n": 2})


def test_a_reservation_settles_at_the_actual_cost_when_the_job_succeeds(member, conn, media_root,
                                                                         django_capture_on_commit_callbacks):
    Budget.objects.create(user=member, monthly_cost=Decimal("5"))
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(owner=member, choice=ModelChoice(conn, conn.spec("priced")),
                                  values={"prompt": "a fox", "width": 512, "height": 512, "n": 3})
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.cost == Decimal("0.30") and job.cost_source == "catalog"
    assert month_spent(member) == (Decimal("0.30"), 3)


@pytest.mark.django_db(transaction=True)
def test_reserving_outside_a_transaction_is_refused(django_user_model):
    # Without the transaction that creates the jobs, the lock would end before they exist.
    member = django_user_model.objects.create_user("mira")
    conn = ProviderConnection.objects.create(kind="local", name="Renderer plus", custom_models=[PRICED])
    estimate = job_estimate(choice=ModelChoice(conn, conn.spec("priced")), values={"n": 1})
    with pytest.raises(RuntimeError, match="inside the transaction"):
        budget_reserve(user=member, estimates=[estimate])


def test_unpriced_sentence_is_the_one_the_issue_asks_for():
    assert str(Unpriced()) == UNPRICED + "." == "No price is known for this model yet; ask staff to set one."


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_compares_cannot_beat_a_quota_of_three_images(django_user_model, monkeypatch):
    monkeypatch.setattr(services, "job_enqueue", lambda job_id: None)  # queue only; nothing runs
    member = django_user_model.objects.create_user("mira")
    Budget.objects.create(user=member, monthly_images=3)
    conn = ProviderConnection.objects.create(kind="local", name="Renderer plus", custom_models=[MYSTERY, PRICED])
    choices = [ModelChoice(conn, conn.spec("priced")), ModelChoice(conn, conn.spec("placeholder"))]
    start, outcomes = threading.Barrier(20), []

    def compare():
        close_old_connections()
        try:
            start.wait()
            compare_create(owner=member, choices=choices, wanted={"prompt": "a fox", "width": 512,
                                                                  "height": 512, "seed": 1})
            outcomes.append("queued")
        except BudgetExceeded:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=compare) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(set(outcomes)) == ["queued", "refused"] and len(outcomes) == 20
    assert outcomes.count("queued") == 1  # two images fit under three; a second compare would make four
    assert Job.objects.count() == 2


def test_the_budget_list_shows_what_queued_jobs_hold(admin_client, member, conn):
    Budget.objects.create(user=member, monthly_cost=Decimal("5"))
    services.job_create(owner=member, choice=ModelChoice(conn, conn.spec("priced")),
                        values={"prompt": "a fox", "width": 512, "height": 512, "n": 2})
    page = admin_client.get("/admin/studio/budget/").content.decode()
    assert "$0.00 · 0 images (+ $0.20 reserved)" in page


def test_input_images_count_in_a_per_megapixel_estimate(member, conn):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.fakes.base import png_bytes

    flux = {"credits_first_mp": 3, "credits_per_mp": 1.5, "usd_per_credit": "0.01"}
    conn.prices = {"priced": flux}
    conn.save()
    upload = SimpleUploadedFile("ref.png", png_bytes(1000, 1000), content_type="image/png")
    estimate = job_estimate(choice=ModelChoice(conn, conn.spec("priced")),
                            values={"width": 2000, "height": 1000, "n": 1, "input_image": upload})
    assert estimate.cost == Decimal("0.06")  # BFL's example: 3 + 1.5 + 1.5 credits
    assert upload.read(8) == png_bytes(1, 1)[:8]  # left readable for the job to store
