"""A provider's numbers and texts are checked before anything keeps them
(issue 9, item 6; cost is checked by the budgets work)."""
from __future__ import annotations

import pytest

from providers.base import ProviderError
from tests.hostile import fake as hostile
from tests.hostile.conftest import generate, outcome


def run(fake, **kw):
    value, _ = outcome(lambda: generate(fake, **kw), within=10)
    return value


def test_300_images_for_one_asked_keeps_one_and_says_so(fake):
    fake.behaviour = hostile.images(300)
    result = run(fake)
    assert len(result.images) == 1
    assert result.notes == ["The provider returned 300 images for 1 asked; the extra 299 were not kept."]


def test_as_many_images_as_asked_are_all_kept_without_a_note(fake):
    fake.behaviour = hostile.images(3)
    result = run(fake, n=3)
    assert len(result.images) == 3 and result.notes == []


@pytest.mark.parametrize("seed", [2**64 - 1, 2**63, -5, 1.5, True, "42"])
def test_a_seed_we_cannot_store_is_dropped(fake, seed):
    fake.behaviour = hostile.images(seed=seed)
    assert run(fake).images[0].seed is None


@pytest.mark.parametrize("seed", [0, 42, 2**63 - 1])
def test_a_seed_in_range_is_kept(fake, seed):
    fake.behaviour = hostile.images(seed=seed)
    assert run(fake).images[0].seed == seed


def test_a_megabyte_revised_prompt_is_cut_to_a_few_kb(fake):
    fake.behaviour = hostile.images(revised_prompt="a lighthouse " * 80_000)
    revised = run(fake).images[0].revised_prompt
    assert 3000 < len(revised) <= 4000 and revised.endswith("…")


def test_a_megabyte_error_message_is_cut_to_a_few_kb(fake):
    fake.behaviour = hostile.error(400, "bad request " * 90_000)
    error = run(fake)
    assert isinstance(error, ProviderError) and error.permanent
    assert len(error.message) <= 2000 and error.message.endswith("…")


def test_a_long_request_id_fits_the_column_that_keeps_it(fake):
    fake.behaviour = hostile.images(headers={"x-request-id": "r" * 5000})
    assert len(run(fake).request_id) <= 200
    fake.behaviour = hostile.error(500, "oops", headers={"x-request-id": "r" * 5000})
    assert len(run(fake).request_id) <= 200


def test_an_endless_retry_after_is_bounded(fake):
    fake.behaviour = hostile.error(429, "slow down", headers={"retry-after": "1e400"})
    error = run(fake)
    assert not error.permanent and error.retry_after is None
    fake.behaviour = hostile.error(429, "slow down", headers={"retry-after": "99999999"})
    assert run(fake).retry_after == 3600


def test_usage_that_no_json_column_takes_is_cleaned(fake):
    fake.behaviour = hostile.images(usage={"total_tokens": 10, "odd": [1.0, float("nan")],
                                           "big": float("inf")})
    assert run(fake).usage == {"total_tokens": 10, "odd": [1.0, "nan"], "big": "inf"}
    fake.behaviour = hostile.images(usage={"note": "x" * 50_000, "more": list(range(5000))})
    assert "not kept" in run(fake).usage["note"]


def test_a_megabyte_image_address_is_refused(fake):
    def long_url(wire, req):
        wire.answer(200, {"data": [{"url": "https://cdn.example.com/" + "a" * 2**20}]})
    fake.behaviour = long_url
    error = run(fake)
    assert isinstance(error, ProviderError) and error.code == "bad_url"
