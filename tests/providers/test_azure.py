"""The Azure OpenAI adapter against a fake Azure resource over real HTTP."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from providers.azure import API_VERSION, AzureOpenAIAdapter
from providers.base import Connection, ContentPolicyError, GenerationRequest, Hooks, ProviderError
from providers.catalog import spec_for
from providers.lifecycle import model_state
from tests.fakes.azure import API_KEY, FakeAzure
from tests.fakes.base import png_bytes
from tests.fakes.fixtures import fake_fixtures
from tests.providers.helpers import generate

server, fake = fake_fixtures(lambda: FakeAzure())
OPTIONS = {"deployments": {"gpt-image-2": "img2-prod"}, "api_version": "2025-04-01-preview"}


def adapter(fake, client, key=API_KEY, options=OPTIONS):
    return AzureOpenAIAdapter(Connection("azure-openai", fake.url, key, options), client)


def run(fake, client, model="gpt-image-2", options=OPTIONS, **fields):
    return generate(adapter(fake, client, options=options), model, **fields)


def test_generation_goes_to_the_deployment_with_api_version_and_api_key(fake, client):
    result = run(fake, client, width=1536, height=1024, quality="high", output_format="jpeg")
    [sent] = fake.requests
    assert sent.path == "/openai/deployments/img2-prod/images/generations"
    assert sent.query == {"api-version": ["2025-04-01-preview"]}
    assert sent.headers["api-key"] == API_KEY and "authorization" not in sent.headers
    assert sent.json == {"prompt": "a red fox", "size": "1536x1024", "quality": "high",
                         "output_format": "jpeg"}
    assert Image.open(io.BytesIO(result.images[0].data)).size == (24, 24)
    assert result.usage["output_tokens"] == 1056


def test_a_model_without_a_mapping_uses_a_deployment_named_like_it(fake, client):
    run(fake, client, "gpt-image-1-mini", options={}, width=1024, height=1024)
    assert fake.requests[0].path == "/openai/deployments/gpt-image-1-mini/images/generations"
    assert fake.requests[0].query == {"api-version": [API_VERSION]}


def test_edit_is_multipart_with_every_image_and_the_mask(fake, client):
    first, second = png_bytes(32, 32), png_bytes(16, 16)
    mask = png_bytes(32, 32)
    run(fake, client, width=1024, height=1024, operation="inpaint", input_images=(first, second),
        mask=mask)
    sent = fake.requests[0]
    assert sent.path == "/openai/deployments/img2-prod/images/edits"
    assert sent.headers["content-type"].startswith("multipart/form-data")
    raw = sent.body
    assert raw.count(b'name="image[]"') == 2 and b'name="mask"; filename="mask.png"' in raw
    assert sent.form()["prompt"] == "a red fox" and sent.form()["size"] == "1024x1024"


def test_a_mask_of_the_wrong_size_is_azures_permanent_error(fake, client):
    with pytest.raises(ProviderError) as caught:
        run(fake, client, width=1024, height=1024, input_images=(png_bytes(32, 32),),
            mask=png_bytes(8, 8))
    assert caught.value.permanent and "same size" in str(caught.value)


def test_content_filter_is_a_content_policy_refusal(fake, client):
    with pytest.raises(ContentPolicyError):
        run(fake, client, prompt="forbidden things", width=1024, height=1024)


def test_a_missing_deployment_tells_staff_where_to_map_it(fake, client):
    with pytest.raises(ProviderError) as caught:
        run(fake, client, "gpt-image-2.6-sunburst", options={}, width=1024, height=1024)
    assert caught.value.code == "model_not_found" and '"deployments"' in str(caught.value)


def test_check_and_a_bad_key(fake, client):
    assert adapter(fake, client).check().startswith("The key works: the resource offers 4 models")
    with pytest.raises(ProviderError) as caught:
        adapter(fake, client, key="wrong-azure-key-1234").check()
    assert caught.value.code == "auth" and "wrong-azure" not in str(caught.value)


def test_azure_keeps_models_openai_shut_down():
    assert model_state(spec=spec_for("openai", "gpt-image-1-mini")) == "shutdown"
    azure = spec_for("azure-openai", "gpt-image-1-mini")
    assert model_state(spec=azure) == "deprecated" and azure.shutdown_date.isoformat() == "2027-04-07"
    assert "webp" not in spec_for("azure-openai", "gpt-image-2").params["output_format"].choices


def test_a_base_url_pasted_with_openai_at_the_end_still_works(fake, client):
    conn = Connection("azure-openai", fake.url + "/openai/", API_KEY, OPTIONS)
    AzureOpenAIAdapter(conn, client).generate(
        GenerationRequest("fox", "gpt-image-2", width=1024, height=1024),
        spec_for("azure-openai", "gpt-image-2"), Hooks())
    assert fake.requests[0].path == "/openai/deployments/img2-prod/images/generations"
