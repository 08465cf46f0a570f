"""Templates that name a shut-down or retiring model: compose opens the replacement,
and staff are told before the date."""
from datetime import date, timedelta

from django.utils import timezone

from gallery.models import PromptTemplate
from providers.lifecycle import models_retiring_soon
from providers.models import ProviderConnection
from tests.test_lifecycle import NOTE, openai_conn  # noqa: F401  (fixture)


def test_a_template_naming_a_shut_down_model_opens_its_replacement(member_client, member, openai_conn):
    template = PromptTemplate.objects.create(
        author=member, name="harbour", text="a harbour at {time}",
        variables=[{"name": "time", "default": "dusk", "choices": []}],
        params={"model": f"{openai_conn.pk}:dall-e-3", "size": "1024x1024"})
    response = member_client.post(f"/prompts/templates/{template.pk}/use/", {"time": "dawn"}, follow=True)
    page = response.content.decode()
    assert response.context["form"].choice.key == f"{openai_conn.pk}:gpt-image-2.5-sunburst"
    assert NOTE in page
    assert "a harbour at dawn" in page


def test_staff_are_told_which_templates_use_a_model_retiring_within_30_days(db, member):
    conn = ProviderConnection.objects.create(kind="openai", name="OpenAI team",
                                             base_url="http://127.0.0.1:9/v1")
    retiring = timezone.localdate() + timedelta(days=20)
    conn.custom_models = [{"id": "old-model", "label": "Old model", "status": "deprecated",
                           "shutdown_date": retiring.isoformat(),
                           "size": {"type": "list", "sizes": ["1024x1024"], "default": "1024x1024"}}]
    conn.save()
    PromptTemplate.objects.create(author=member, name="poster", text="a poster",
                                  params={"model": f"{conn.pk}:old-model"})
    PromptTemplate.objects.create(author=member, name="unrelated", text="a cat", params={})
    rows = [(r.what, r.name) for r in models_retiring_soon()]
    assert ("Template", "poster") in rows
    assert ("Template", "unrelated") not in rows
    later = [(r.what, r.name) for r in models_retiring_soon(today=date.today() - timedelta(days=60))]
    assert ("Template", "poster") not in later
