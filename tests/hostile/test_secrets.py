"""Every secret of a connection is redacted, in every form a provider echoes it,
from every provider text we keep or show (issue 9, item 8)."""
from __future__ import annotations

import base64

import pytest

from providers.a1111 import A1111Adapter
from providers.base import Connection, GenerationRequest, Hooks, ProviderError
from providers.secrets import redact
from tests.hostile import fake as hostile
from tests.hostile.conftest import KEY, generate, outcome

USER, PASSWORD = "studio", "hunter2-correct-horse"
BASIC = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
MASKED = f"{KEY[:3]}…{KEY[-20:-3]}***"  # OpenAI's style: the start, then a long tail


def leaks(text: str) -> list[str]:
    """The forms of a secret still readable in ``text``."""
    forms = {"key": KEY, "key core": KEY[8:-4], "masked tail": KEY[-20:-3],
             "password": PASSWORD, "basic": BASIC, "basic core": BASIC[4:-4],
             "key base64": base64.b64encode(KEY.encode()).decode()[:-4],
             "key base64url": base64.urlsafe_b64encode(KEY.encode()).decode()[:-4]}
    return [name for name, form in forms.items() if form in (text or "")]


def run(fake):
    value, _ = outcome(lambda: generate(fake), within=10)
    return value


@pytest.mark.parametrize("echo", [
    f"Incorrect API key provided: {MASKED}.",
    f"Incorrect API key provided: {KEY}",
    f"upstream said: Authorization: Bearer {KEY}",
    f"token={base64.b64encode(KEY.encode()).decode()}",
    f"token={base64.urlsafe_b64encode(('Bearer ' + KEY).encode()).decode()}",
    f"your key ends in {KEY[-12:]}",
])
def test_a_key_echoed_in_an_error_is_redacted(fake, echo):
    fake.behaviour = hostile.error(401, echo)
    error = run(fake)
    assert isinstance(error, ProviderError) and error.status == 401
    assert leaks(error.message) == [] and "***" in error.message


def test_a_key_echoed_in_x_request_id_is_redacted_on_success_and_failure(fake):
    fake.behaviour = hostile.images(headers={"x-request-id": f"req_{KEY}"})
    assert run(fake).request_id == "req_***"
    fake.behaviour = hostile.error(500, "oops", headers={"x-request-id": f"req_{KEY[:-6]}"})
    assert run(fake).request_id == "req_***"


def test_a_key_echoed_in_the_revised_prompt_is_redacted(fake):
    fake.behaviour = hostile.images(revised_prompt=f"A lighthouse. [debug: Authorization: Bearer {KEY}]")
    revised = run(fake).images[0].revised_prompt
    assert leaks(revised) == [] and revised.startswith("A lighthouse.")


def test_a_key_echoed_in_usage_is_redacted(fake):
    fake.behaviour = hostile.images(usage={"echo": {"headers": [f"Bearer {KEY}"]}})
    assert leaks(repr(run(fake).usage)) == []


def test_a_basic_auth_header_echoed_by_a1111_is_redacted(fake):
    def echo(wire, req):
        wire.answer(401, {"detail": f"Not authenticated; got Authorization: "
                                    f"{req.headers.get('authorization')} for {USER}:{PASSWORD}"})
    fake.behaviour = echo
    adapter = A1111Adapter(Connection("a1111", fake.url, "", {"username": USER,
                                                                "password": PASSWORD}))
    request = GenerationRequest(prompt="x", model="sd.safetensors", width=64, height=64)
    error, _ = outcome(lambda: adapter.generate(request, None, Hooks()), within=10)
    assert isinstance(error, ProviderError)
    assert fake.requests[0].headers["authorization"] == f"Basic {BASIC}"  # it really echoed it
    assert leaks(error.message) == [], error.message


def test_a_check_that_echoes_the_key_is_redacted(fake):
    fake.behaviour = hostile.error(403, f"key {KEY[5:30]} has no access")
    from tests.hostile.conftest import adapter
    error, _ = outcome(lambda: adapter(fake).check(), within=10)
    assert isinstance(error, ProviderError) and KEY[5:30] not in error.message
    assert "key *** has no access" in error.message


def test_ordinary_text_is_left_alone():
    text = "The prompt was refused: it names a living artist. Try again in 2 minutes."
    assert redact(text, [KEY, PASSWORD, f"{USER}:{PASSWORD}"]) == text
