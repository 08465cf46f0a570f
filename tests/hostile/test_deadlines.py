"""A provider that drips one byte at a time cannot keep a call past its deadline,
and a cancel ends the call while it waits for bytes (issue 9, item 2)."""
from __future__ import annotations

import threading
import time

import pytest

from providers.base import CancelledError, ProviderError
from providers.download import download_image
from tests.hostile import fake as hostile
from tests.hostile.conftest import generate, outcome


def test_a_dripping_body_ends_at_the_connections_time_limit(fake):
    fake.behaviour = hostile.drip(every=0.2)
    error, took = outcome(lambda: generate(fake, timeout=1), within=6)
    assert isinstance(error, ProviderError) and error.code == "timeout"
    assert error.message == "The provider did not answer in time (1 s)"
    assert 0.9 < took < 2
    assert not error.permanent  # only the call's own limit ran out: a retry may help


def test_dripping_headers_end_at_the_limit_too(fake):
    fake.behaviour = hostile.drip(every=0.2, headers_too=True)
    error, took = outcome(lambda: generate(fake, timeout=1), within=6)
    assert isinstance(error, ProviderError) and error.code == "timeout"
    assert took < 2


def test_the_jobs_deadline_ends_the_call_and_is_not_retried(fake):
    fake.behaviour = hostile.drip(every=0.2)
    deadline = time.monotonic() + 1
    error, took = outcome(lambda: generate(fake, deadline=deadline), within=6)
    assert isinstance(error, ProviderError) and error.code == "timeout" and error.permanent
    assert error.message == "The job's time ran out while waiting for the provider"
    assert took < 2


def test_a_cancel_ends_the_call_while_it_waits_for_bytes(fake):
    fake.behaviour = hostile.drip(every=1.0)
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    error, took = outcome(lambda: generate(fake, should_stop=stop.is_set), within=6)
    assert isinstance(error, CancelledError)
    assert took < 0.5 + 0.5


def test_a_call_already_past_its_deadline_sends_nothing(fake):
    error, _ = outcome(lambda: generate(fake, deadline=time.monotonic() - 1), within=3)
    assert isinstance(error, ProviderError) and error.code == "timeout"
    assert fake.requests == []


def test_an_honest_slow_answer_within_the_limit_still_arrives(fake):
    def slow(wire, req):
        time.sleep(0.6)  # longer than the 0.25 s slices the socket waits in
        hostile.images()(wire, req)
    fake.behaviour = slow
    result, _ = outcome(lambda: generate(fake, timeout=5), within=6)
    assert not isinstance(result, BaseException), result
    assert result.images[0].data == hostile.PNG


@pytest.mark.parametrize("how, message", [
    ("seconds", "The image did not arrive in time (1 s)"),
    ("deadline", "The job's time ran out while the image was downloading")])
def test_a_dripping_download_ends_by_its_deadline(fake, how, message):
    fake.behaviour = hostile.drip(every=0.2, content_type="image/png")
    limit = {"seconds": 1} if how == "seconds" else {"deadline": time.monotonic() + 1}
    error, took = outcome(lambda: download_image(fake.url + "/x.png", own_url=fake.url,
                                                 max_bytes=8 * 2**20, **limit), within=6)
    assert isinstance(error, ProviderError) and error.code == "timeout"
    assert error.message == message and error.permanent == (how == "deadline")
    assert took < 2


def test_a_cancel_ends_a_dripping_download(fake):
    fake.behaviour = hostile.drip(every=1.0, content_type="image/png")
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    error, took = outcome(lambda: download_image(fake.url + "/x.png", own_url=fake.url,
                                                 max_bytes=8 * 2**20, should_stop=stop.is_set), within=6)
    assert isinstance(error, CancelledError)
    assert took < 0.3 + 0.5
