"""Discovery: the provider's model list, what it no longer lists or newly lists, and models it refuses."""
import pytest
from django.core.management import call_command

from providers.discovery import SCHEDULE_FUNC, SCHEDULE_NAME, refresh_schedule_ensure
from providers.models import ProviderConnection
from providers.services import model_choices
from studio.models import Job, JobStatus
from tests.fakes import openai
from tests.fakes.fixtures import fake_fixtures

server, fake = fake_fixtures(lambda: openai.FakeOpenAI("openai"))


@pytest.fixture
def conn(db, fake):
    conn = ProviderConnection(kind="openai", name="OpenAI team", base_url=fake.base_url)
    conn.set_api_key(openai.API_KEY)
    conn.save()
    return conn


def offered(conn):
    return {c.spec.id for c in model_choices() if c.connection.pk == conn.pk}


def test_refresh_from_the_shell_lists_missing_and_unknown_models(conn, fake, capsys):
    fake.model_list = [{"id": "gpt-image-2", "shutdown_date": None},
                       {"id": "gpt-image-2.6-sunburst", "shutdown_date": "2099-06-01"},
                       {"id": "gpt-image-3-preview", "shutdown_date": None},
                       {"id": "gpt-4o", "shutdown_date": None}]
    call_command("provider", "refresh", "OpenAI team")
    out = capsys.readouterr().out
    assert "OpenAI team: The provider lists 3 image models." in out
    assert "No longer listed by the provider: gpt-image-2.6-flare," in out
    assert "Listed but not in the catalog: gpt-image-3-preview" in out
    conn.refresh_from_db()
    assert {"id": "gpt-image-2.6-sunburst", "shutdown_date": "2099-06-01"} in conn.listed_models
    assert "gpt-4o" not in str(conn.listed_models)  # not an image model
    # The provider's own shutdown date shows in the picker.
    label = next(c.label for c in model_choices() if c.spec.id == "gpt-image-2.6-sunburst")
    assert label.endswith("— retires on 2099-06-01")


def test_a_provider_listed_shutdown_date_that_has_come_hides_the_model(conn, fake):
    fake.model_list = [{"id": "gpt-image-2", "shutdown_date": "2026-01-01"}]
    call_command("provider", "refresh", "OpenAI team")
    assert "gpt-image-2" not in offered(conn) and "gpt-image-2.5-flare" in offered(conn)


def test_admin_shows_the_report_and_enables_an_unknown_model_like_a_similar_one(admin_client, conn, fake):
    fake.model_list = [{"id": m, "shutdown_date": None}
                       for m in ("gpt-image-2", "gpt-image-2.6-sunburst", "gpt-image-2.6-sunburst-2026-11-04")]
    response = admin_client.post("/admin/providers/providerconnection/",
                                 {"action": "refresh_models", "_selected_action": [conn.pk]}, follow=True)
    assert "The provider lists 3 image models." in response.content.decode()
    page = admin_client.get(f"/admin/providers/providerconnection/{conn.pk}/change/").content.decode()
    assert "Catalog models the provider no longer lists: gpt-image-2.6-flare," in page
    assert "gpt-image-2.6-sunburst-2026-11-04 — " in page
    assert "enable with rules like gpt-image-2.6-sunburst" in page
    response = admin_client.post(f"/admin/providers/providerconnection/{conn.pk}/enable-model/",
                                 {"model": "gpt-image-2.6-sunburst-2026-11-04", "like": "gpt-image-2.6-sunburst"})
    assert response.status_code == 302
    conn.refresh_from_db()
    assert "gpt-image-2.6-sunburst-2026-11-04" in offered(conn)
    spec = conn.spec("gpt-image-2.6-sunburst-2026-11-04")
    assert "complexity" in spec.params and spec.size.min_pixels == 655360


def test_the_daily_schedule_is_created_once(db):
    from django_q.models import Schedule

    refresh_schedule_ensure()
    refresh_schedule_ensure()
    (schedule,) = Schedule.objects.filter(name=SCHEDULE_NAME)
    assert schedule.func == SCHEDULE_FUNC and schedule.schedule_type == Schedule.DAILY


def test_a_job_on_a_model_the_provider_says_is_gone_fails_for_good_and_hides_it(
        conn, fake, member_client, media_root, django_capture_on_commit_callbacks):
    fake.push(openai.model_not_found("gpt-image-2.5-flare"))
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post("/", {"prompt": "a lighthouse", "model": f"{conn.pk}:gpt-image-2.5-flare",
                                 "n": 1}, HTTP_HX_REQUEST="true")
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED and job.attempts == 1  # permanent: never retried
    assert job.error_message == ("The provider no longer offers this model: The model "
                                 "`gpt-image-2.5-flare` does not exist or you do not have access to it.")
    conn.refresh_from_db()
    assert "gpt-image-2.5-flare" in conn.unavailable_models
    assert "gpt-image-2.5-flare" not in offered(conn) and "gpt-image-2" in offered(conn)
    call_command("provider", "refresh", "OpenAI team")  # the next refresh gives it another chance
    assert "gpt-image-2.5-flare" in offered(conn)
