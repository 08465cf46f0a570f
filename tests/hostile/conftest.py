"""Shared by the hostile-provider tests."""
from __future__ import annotations

import threading
import time

import pytest

from providers.base import Connection, GenerationRequest, Hooks
from providers.openai import OpenAIAdapter
from tests.hostile.fake import HostileProvider

KEY = "sk-proj-HOSTILE0123456789abcdefGHIJKLmnop"


@pytest.fixture(scope="module")
def server():
    with HostileProvider() as running:
        yield running


@pytest.fixture
def fake(server):
    server.reset()
    yield server
    server.reset()  # a dripping behaviour left running stops at the client's hang-up


def adapter(fake, *, deadline=None, should_stop=lambda: False, **options) -> OpenAIAdapter:
    return OpenAIAdapter(Connection("openai", fake.base_url, KEY, options),
                         deadline=deadline, should_stop=should_stop)


def generate(fake, *, n: int = 1, **kw):
    request = GenerationRequest(prompt="a lighthouse", model="gpt-image-1", size="1024x1024", n=n)
    return adapter(fake, **kw).generate(request, None, Hooks())


def outcome(fn, *, within: float):
    """(returned value or raised exception, seconds taken); fails the test if
    ``fn`` is still running after ``within`` seconds (the old code hung)."""
    box: dict = {}

    def run():
        started = time.monotonic()
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed back to the test
            box["value"] = exc
        box["took"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(within)
    assert not thread.is_alive(), f"still waiting on the provider after {within} s"
    return box["value"], box["took"]
