"""Staff set up the new providers in the admin: Test connection, a fal model by id,
OpenRouter's image-model list."""
import pytest

from providers.models import ProviderConnection
from tests.fakes import azure, fal, gemini, openrouter, replicate
from tests.test_providers_ui import connect

CASES = [
    ("gemini", gemini.FakeGemini, "", gemini.API_KEY, "The key works: it sees 6 models"),
    ("openrouter", openrouter.FakeOpenRouter, "/api/v1", openrouter.API_KEY,
     "The key works: OpenRouter lists 10 image models"),
    ("fal", fal.FakeFal, "", fal.API_KEY, "The key works: fal&#x27;s queue accepted it."),
    ("replicate", replicate.FakeReplicate, "", replicate.API_KEY,
     "The token works: Replicate account studio-team."),
    ("azure-openai", azure.FakeAzure, "", azure.API_KEY, "The key works: the resource offers 4 models"),
]


@pytest.mark.parametrize("kind,make_fake,suffix,key,said", CASES, ids=[c[0] for c in CASES])
def test_test_connection_reports_what_the_provider_said(admin_client, kind, make_fake, suffix, key, said):
    with make_fake() as fake:
        conn = connect(kind, fake, suffix, key, {})
        response = admin_client.post("/admin/providers/providerconnection/",
                                     {"action": "test_connection", "_selected_action": [conn.pk]},
                                     follow=True)
        page = response.content.decode()
        assert said in page
        assert key not in page


def test_staff_add_a_fal_model_by_id_and_members_get_its_fields(admin_client, member_client):
    with fal.FakeFal() as fake:
        conn = connect("fal", fake, "", fal.API_KEY,
                       {"schema_url": f"{fake.url}/openapi/queue/openapi.json"})
        page = admin_client.get(f"/admin/providers/providerconnection/{conn.pk}/change/").content.decode()
        assert "Add a model by its id" in page
        response = admin_client.post(f"/admin/providers/providerconnection/{conn.pk}/add-model/",
                                     {"model": "acme/pixel-art"}, follow=True)
        assert "Added acme/pixel-art to fal test with 3 fields from its schema" in response.content.decode()
        conn.refresh_from_db()
        assert conn.options["wire"]["acme/pixel-art"]["images"] == "image_url"
        compose = member_client.get("/").content.decode()
        assert f'value="{conn.pk}:acme/pixel-art"' in compose
        spec = conn.spec("acme/pixel-art")
        assert spec.params["style"].choices == ("8bit", "16bit", "isometric")
        response = admin_client.post(f"/admin/providers/providerconnection/{conn.pk}/add-model/",
                                     {"model": "acme/unknown-thing"}, follow=True)
        assert "Could not add acme/unknown-thing: fal publishes no schema" in response.content.decode()


def test_openrouter_refresh_lists_image_models_the_catalog_does_not_know(admin_client):
    with openrouter.FakeOpenRouter() as fake:
        conn = connect("openrouter", fake, "/api/v1", openrouter.API_KEY, {})
        response = admin_client.post("/admin/providers/providerconnection/",
                                     {"action": "refresh_models", "_selected_action": [conn.pk]},
                                     follow=True)
        assert "The provider lists 10 image models." in response.content.decode()
        page = admin_client.get(f"/admin/providers/providerconnection/{conn.pk}/change/").content.decode()
        assert "newcomer/image-model-9 — " in page
        assert ProviderConnection.objects.get(pk=conn.pk).listed_at is not None
