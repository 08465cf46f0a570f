"""OpenAIAdapter error handling: permanent or passing, retry_after, messages, no key."""
from __future__ import annotations

import base64

import pytest

from providers.base import ContentPolicyError, Connection, GenerationRequest, Hooks, ProviderError
from providers.catalog import spec_for
from providers.openai import OpenAIAdapter
from tests.fakes.base import Reply, png_bytes
from tests.fakes.openai import API_KEY, FakeOpenAI, openai_error, rate_limited, server_error
from tests.fakes.fixtures import fake_fixtures


server, fake = fake_fixtures(lambda: FakeOpenAI("openai"))


def fail(fake, client, model="gpt-image-2", key=API_KEY, prompt="a red fox", **fields) -> ProviderError:
    adapter = OpenAIAdapter(Connection("openai", fake.base_url, key), client)
    fields.setdefault("size", "1024x1024")
    request = GenerationRequest(prompt=prompt, model=model, **fields)
    with pytest.raises(ProviderError) as info:
        adapter.generate(request, spec_for("openai", model), Hooks())
    error = info.value
    assert API_KEY not in str(error) and "sk-wrong-key-123456" not in str(error)
    return error


def test_bad_key_is_permanent_and_redacted(fake, client):
    error = fail(fake, client, key="sk-wrong-key-123456")
    assert error.permanent and error.status == 401 and error.code == "auth"
    assert "Incorrect API key provided" in str(error)


def test_unknown_parameter_is_permanent_with_the_provider_message(fake, client):
    fake.push(openai_error(400, "Unknown parameter: 'response_format'.",
                           code="unknown_parameter", param="response_format"))
    error = fail(fake, client, model="gpt-image-2")
    assert error.permanent and error.status == 400 and error.code == "invalid"
    assert "Unknown parameter: 'response_format'." in str(error)
    assert error.request_id == "req_err"


def test_dalle_content_policy(fake, client):
    error = fail(fake, client, prompt="something forbidden")
    assert isinstance(error, ContentPolicyError) and error.permanent
    assert str(error).startswith("The provider refused this prompt: Your request was rejected")
    assert error.status == 400


def test_gpt_image_moderation_blocked(fake, client):
    error = fail(fake, client, model="gpt-image-2", prompt="something forbidden")
    assert isinstance(error, ContentPolicyError)
    assert "safety_violations=[sexual]" in str(error)


def test_rate_limit_with_retry_after(fake, client):
    fake.push(rate_limited(retry_after="2"))
    error = fail(fake, client)
    assert not error.permanent and error.status == 429 and error.retry_after == 2.0
    assert "Rate limit exceeded for images per minute" in str(error)


def test_rate_limit_prefers_retry_after_ms(fake, client):
    fake.push(rate_limited(retry_after="9", retry_after_ms="250"))
    assert fail(fake, client).retry_after == 0.25


def test_exhausted_quota_is_permanent(fake, client):
    fake.push(openai_error(429, "You exceeded your current quota.", type="insufficient_quota",
                           code="insufficient_quota"))
    error = fail(fake, client)
    assert error.permanent and error.code == "quota" and "current quota" in str(error)


def test_server_error_is_passing(fake, client):
    fake.push(server_error())
    error = fail(fake, client)
    assert not error.permanent and error.status == 500
    assert "The server had an error" in str(error)


def test_html_gateway_page_is_passing_without_html(fake, client):
    fake.push(Reply(502, "<html><body>Bad gateway</body></html>",
                    headers={"Content-Type": "text/html"}))
    error = fail(fake, client)
    assert not error.permanent and error.status == 502 and "<html>" not in str(error)


def test_html_page_with_200_is_passing(fake, client):
    fake.push(Reply(200, "<html>maintenance</html>", headers={"Content-Type": "text/html"}))
    error = fail(fake, client)
    assert not error.permanent and error.code == "bad_response"


@pytest.mark.parametrize("body", [
    {"created": 1}, {"data": "nope"}, {"data": [1, 2]}, ["not", "an", "object"],
    {"data": [{"revised_prompt": "no image"}]},
])
def test_wrong_shape_is_permanent(fake, client, body):
    fake.push(Reply(200, body))
    error = fail(fake, client)
    assert error.permanent and error.code == "bad_response"


def test_plain_text_200_is_permanent(fake, client):
    fake.push(Reply(200, "OK"))
    assert fail(fake, client).permanent


def test_empty_image_list_is_an_error(fake, client):
    fake.push(Reply(200, {"created": 1, "data": []}))
    error = fail(fake, client)
    assert error.permanent and error.code == "no_images"


def test_invalid_base64_is_an_error(fake, client):
    fake.push(Reply(200, {"created": 1, "data": [{"b64_json": "not base64!!"}]}))
    error = fail(fake, client)
    assert error.permanent and "base64" in str(error)


def test_error_envelope_with_200(fake, client):
    fake.push(Reply(200, {"error": {"message": "Model not available", "code": "model_not_found"}}))
    error = fail(fake, client)
    assert error.permanent and "Model not available" in str(error)


def test_data_uri_is_decoded(fake, client):
    image = png_bytes()
    uri = "data:image/png;base64," + base64.b64encode(image).decode()
    fake.push(Reply(200, {"created": 1, "data": [{"url": uri}]}))
    adapter = OpenAIAdapter(Connection("openai", fake.base_url, API_KEY), client)
    result = adapter.generate(GenerationRequest(prompt="x", model="gpt-image-2", size="auto"),
                              spec_for("openai", "gpt-image-2"), Hooks())
    assert result.images[0].data == image


def test_unreachable_provider_is_passing(client):
    adapter = OpenAIAdapter(Connection("openai", "http://127.0.0.1:9/v1", API_KEY), client)
    with pytest.raises(ProviderError) as info:
        adapter.generate(GenerationRequest(prompt="x", model="gpt-image-2", size="auto"),
                         spec_for("openai", "gpt-image-2"), Hooks())
    assert not info.value.permanent and info.value.code == "connect"


def test_check_with_a_bad_key(fake, client):
    adapter = OpenAIAdapter(Connection("openai", fake.base_url, "sk-wrong-key-123456"), client)
    with pytest.raises(ProviderError) as info:
        adapter.check()
    assert info.value.permanent and info.value.status == 401
    assert "sk-wrong-key-123456" not in str(info.value)
