"""Property tests: whatever a price or a provider says, an estimate or a recorded cost is
None or a finite amount the database can hold, and never negative."""
from decimal import Decimal
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from providers.base import GenerationResult
from providers.pricing import cost_from_usage, estimate, price_errors
from providers.rules import ModelSpec
from studio.costs import COST_MAX, job_cost

numbers = st.one_of(st.integers(-10**40, 10**40), st.floats(allow_nan=True, allow_infinity=True),
                    st.text(max_size=12), st.decimals(allow_nan=True, allow_infinity=True), st.none(),
                    st.booleans())
prices = st.one_of(
    numbers,
    st.fixed_dictionaries({"usd": numbers}),
    st.fixed_dictionaries({"credits": numbers, "usd_per_credit": numbers}),
    st.fixed_dictionaries({"credits_first_mp": numbers, "credits_per_mp": numbers, "usd_per_credit": numbers}),
    st.fixed_dictionaries({"table": st.dictionaries(st.sampled_from(["low", "high", "*"]),
                                                    st.dictionaries(st.sampled_from(["1024x1024", "*"]), numbers))}),
    st.fixed_dictionaries({"per_million_tokens": st.dictionaries(st.sampled_from(["text_in", "image_in", "image_out", "text_out"]), numbers),
                           "image_out_tokens_1024": st.dictionaries(st.sampled_from(["low", "high"]), numbers)}),
)
SIZE = {"type": "range", "min": 64, "max": 4096, "multiple": 16, "default": [1024, 1024]}


def spec_with(price):
    return ModelSpec(id="m", label="M", kind="local", size=ModelSpec.from_dict({"id": "m", "size": SIZE}).size,
                     pricing=price if isinstance(price, dict) else None)


@settings(max_examples=300, deadline=None)
@given(price=prices, n=st.integers(1, 10), width=st.integers(64, 4096), height=st.integers(64, 4096),
       quality=st.sampled_from([None, "auto", "low", "high", "xhigh"]))
def test_an_accepted_price_always_gives_a_sane_estimate(price, n, width, height, quality):
    errors = price_errors(price)
    assert isinstance(errors, list)
    if errors or not isinstance(price, dict):
        return
    cost = estimate(spec_with(price), quality=quality, width=width, height=height, size="1024x1024", n=n)
    assert cost is None or (cost.is_finite() and cost >= 0)


@settings(max_examples=300, deadline=None)
@given(reported=numbers, tokens=numbers, estimate_=st.one_of(st.none(), st.decimals(0, 1000, places=6)),
       kept=st.integers(0, 10))
def test_a_recorded_cost_is_always_storable(reported, tokens, estimate_, kept):
    conn = SimpleNamespace(kind="apipie", price_override=lambda model_id: None)
    job = SimpleNamespace(connection=conn, estimate=estimate_, params={"n": max(kept, 1)})
    value = reported if isinstance(reported, (Decimal, int, float, str)) and not isinstance(reported, bool) else None
    try:
        cost = None if value is None else Decimal(str(value))
    except Exception:
        cost = None
    result = GenerationResult(images=[], usage={"output_tokens": tokens}, cost=cost)
    recorded, source, notes = job_cost(job=job, spec=spec_with(None), results=[result], image_count=kept)
    assert recorded is None or (recorded.is_finite() and 0 <= recorded <= COST_MAX)
    assert source in ("provider", "tokens", "catalog", "")


@given(usage=st.dictionaries(st.sampled_from(["input_tokens", "output_tokens", "input_tokens_details",
                                              "output_tokens_details"]),
                             st.one_of(numbers, st.dictionaries(st.sampled_from(["text_tokens", "image_tokens"]), numbers))))
def test_cost_from_any_usage_is_none_or_sane(usage):
    price = {"per_million_tokens": {"image_out": "30"}, "image_out_tokens_1024": {"high": 7033}}
    cost = cost_from_usage(spec_with(price), usage)
    assert cost is None or (cost.is_finite() and cost >= 0)
