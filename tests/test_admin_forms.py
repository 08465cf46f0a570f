"""Staff edit connections without JSON: a model checklist, a custom-model form, a test on save."""
import pytest

from providers.models import ProviderConnection

CONN = "/admin/providers/providerconnection/"


def form_data(conn, **extra):
    return {"kind": conn.kind, "name": conn.name, "base_url": conn.base_url, "enabled": "on",
            "options": "{}", "max_concurrency": 4, **extra}


@pytest.fixture
def openai(db):
    return ProviderConnection.objects.create(kind="openai", name="OpenAI team", base_url="http://127.0.0.1:9/v1")


def test_enabled_models_are_ticked_from_a_checklist(admin_client, openai):
    first, second = [s.id for s in openai.specs()][:2]
    page = admin_client.get(f"{CONN}{openai.pk}/change/").content.decode()
    assert f'type="checkbox" name="enabled_models" value="{first}"' in page
    assert "custom_models" not in page.split("<form", 1)[1].split("</form>", 1)[0].replace(
        "custom-models", ""), "no raw JSON box for custom models"
    response = admin_client.post(f"{CONN}{openai.pk}/change/",
                                 form_data(openai, enabled_models=[first, second]), follow=True)
    assert response.status_code == 200
    openai.refresh_from_db()
    assert openai.enabled_models == [first, second]
    assert {s.id for s in openai.specs()} == {first, second}, "members see only the ticked ones"


def test_saving_without_a_needed_key_warns(admin_client, openai):
    response = admin_client.post(f"{CONN}{openai.pk}/change/", form_data(openai), follow=True)
    assert "Saved without an API key, and OpenAI needs one" in response.content.decode()


def test_saving_tests_the_connection(admin_client, local_connection):
    data = form_data(local_connection, base_url=local_connection.base_url or "http://127.0.0.1:9")
    response = admin_client.post(f"{CONN}{local_connection.pk}/change/", data, follow=True)
    assert "Connection test:" in response.content.decode()


def test_a_custom_model_is_added_through_a_validated_form(admin_client, openai):
    url = f"{CONN}{openai.pk}/custom-models/"
    html = admin_client.post(url, {"id": "my-model", "size_type": "list", "sizes": "1024x1024, big",
                                   "max_n": 1, "latency_s": 5}).content.decode()
    assert "Not a size: big." in html
    html = admin_client.post(url, {"id": "my-range", "size_type": "range", "size_min": 2048, "size_max": 512,
                                   "max_n": 1, "latency_s": 5}).content.decode()
    assert "The smallest side must not be larger than the largest." in html
    response = admin_client.post(url, {"id": "my-model", "label": "Mine", "size_type": "aspect",
                                       "sizes": "1:1, 16:9", "max_n": 2, "latency_s": 5, "price": "0.02"})
    assert response.status_code == 302
    openai.refresh_from_db()
    spec = next(s for s in openai.all_specs() if s.id == "my-model")
    assert (spec.label, spec.max_n, str(spec.price)) == ("Mine", 2, "0.02")
    admin_client.post(url, {"remove": "my-model"})
    openai.refresh_from_db()
    assert openai.custom_models == []
