"""OpenAIAdapter behind a LiteLLM proxy: errors keep their meaning though error.code is the HTTP status."""
from __future__ import annotations

import pytest

from providers.base import ContentPolicyError, Connection, GenerationRequest, Hooks, ProviderError
from providers.openai import OpenAIAdapter
from tests.fakes import litellm
from tests.fakes.fixtures import fake_fixtures
from tests.fakes.openai import API_KEY, MODERATION_WORD, rate_limited

server, fake = fake_fixtures(litellm.FakeLiteLLM)


def run(fake, client, model="gpt-image-2", prompt="a red fox"):
    adapter = OpenAIAdapter(Connection("openai-compatible", fake.base_url, API_KEY), client)
    return adapter.generate(GenerationRequest(prompt=prompt, model=model, size="1024x1024"), None, Hooks())


def fail(fake, client, **kw) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        run(fake, client, **kw)
    return caught.value


def test_a_success_keeps_litellms_call_id(fake, client):
    result = run(fake, client)
    assert result.images and result.request_id == litellm.CALL_ID


def test_a_content_policy_refusal_still_reads_as_one(fake, client):
    error = fail(fake, client, prompt=f"something {MODERATION_WORD}")
    assert isinstance(error, ContentPolicyError) and error.permanent
    assert error.message.startswith("The provider refused this prompt: litellm.")
    assert error.request_id == litellm.CALL_ID


def test_the_proxys_own_content_policy_class_reads_as_a_refusal(fake, client):
    fake.push(litellm.content_policy())
    error = fail(fake, client)
    assert isinstance(error, ContentPolicyError) and error.status == 400


def test_insufficient_quota_is_not_retried(fake, client):
    fake.push(litellm.insufficient_quota())
    error = fail(fake, client)
    assert error.permanent and error.code == "quota" and error.status == 429
    assert "exceeded your current quota" in error.message
    assert error.request_id == litellm.CALL_ID


def test_a_plain_rate_limit_is_still_retried(fake, client):
    fake.push(litellm.FakeLiteLLM.as_litellm(rate_limited()))
    error = fail(fake, client)
    assert not error.permanent and error.code == "rate_limit"
    assert error.request_id == litellm.CALL_ID


def test_a_shut_down_model_behind_the_proxy_reads_as_gone(fake, client):
    error = fail(fake, client, model="dall-e-3")
    assert error.code == "model_not_found" and error.permanent
    assert "does not exist" in error.message
