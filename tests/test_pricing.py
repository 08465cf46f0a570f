"""Prices as each provider bills them: tokens, per megapixel, credits, tables; and the schema check."""
from decimal import Decimal

import pytest

from providers.pricing import cost_from_usage, estimate, price_errors, price_of
from providers.rules import ModelSpec

TOKENS = {"per_million_tokens": {"text_in": "5", "image_in": "8", "image_out": "30", "text_out": None},
          "image_out_tokens_1024": {"low": 200, "medium": 1767, "high": 7033}}
GPT_SIZES = {"type": "list", "sizes": ["1024x1024", "1536x1024", "1024x1536", "auto"], "default": "1024x1024"}


def spec(price, size=None, **extra):
    return ModelSpec.from_dict({"id": "m", "label": "M", "size": size or {
        "type": "range", "min": 64, "max": 4096, "multiple": 16, "default": [1024, 1024]}, "price": price, **extra})


def usd(text):
    return Decimal(text)


@pytest.mark.parametrize("quality,expected", [("low", "0.006"), ("medium", "0.053"), ("high", "0.211")])
def test_gpt_image_2_at_1024_matches_openai_per_image_prices(quality, expected):
    cost = estimate(spec(TOKENS), quality=quality, width=1024, height=1024)
    assert cost.quantize(Decimal("0.001")) == usd(expected)


@pytest.mark.parametrize("quality", ["low", "medium", "high"])
@pytest.mark.parametrize("size", ["1024x1024", "1536x1024", "1024x1536"])
def test_actual_cost_of_each_quality_and_size_is_the_token_formula(quality, size):
    w, h = map(int, size.split("x"))
    image_tokens = round(TOKENS["image_out_tokens_1024"][quality] * w * h / 1024 ** 2)
    usage = {"input_tokens": 60, "input_tokens_details": {"text_tokens": 50, "image_tokens": 10},
             "output_tokens": image_tokens, "output_tokens_details": {"image_tokens": image_tokens, "text_tokens": 0},
             "total_tokens": 60 + image_tokens}
    expected = (50 * usd("5") + 10 * usd("8") + image_tokens * usd("30")) / 1_000_000
    assert cost_from_usage(spec(TOKENS, GPT_SIZES), usage) == expected
    # The estimate is the same output tokens at the image-out rate (prompt tokens aside).
    guess = estimate(spec(TOKENS, GPT_SIZES), quality=quality, size=size)
    assert abs(guess - image_tokens * usd("30") / 1_000_000) < usd("0.0001")


def test_quality_auto_and_size_auto_are_estimated_as_the_dearest_choice():
    gpt = spec(TOKENS, GPT_SIZES)
    high = estimate(gpt, quality="high", size="1536x1024")
    assert estimate(gpt, quality="auto", size="auto") == high
    assert estimate(gpt, quality=None, size="1024x1024", n=3) == 3 * estimate(gpt, quality="high", size="1024x1024")


def test_missing_output_details_charge_every_output_token_as_image():
    usage = {"input_tokens": 44, "input_tokens_details": {"text_tokens": 44, "image_tokens": 0}, "output_tokens": 1056}
    assert cost_from_usage(spec(TOKENS), usage) == (44 * usd("5") + 1056 * usd("30")) / 1_000_000


def test_text_output_with_no_listed_price_is_charged_at_the_image_rate():
    usage = {"input_tokens": 0, "output_tokens": 1100,
             "output_tokens_details": {"image_tokens": 1000, "text_tokens": 100}}
    assert cost_from_usage(spec(TOKENS), usage) == 1100 * usd("30") / 1_000_000
    priced = {**TOKENS, "per_million_tokens": {**TOKENS["per_million_tokens"], "text_out": "10"}}
    assert cost_from_usage(spec(priced), usage) == (1000 * usd("30") + 100 * usd("10")) / 1_000_000


def test_usage_that_is_not_a_count_gives_no_cost():
    assert cost_from_usage(spec(TOKENS), {}) is None
    assert cost_from_usage(spec(TOKENS), {"output_tokens": "lots"}) is None
    assert cost_from_usage(spec({"usd": "0.04"}), {"output_tokens": 10}) is None  # not token-priced


def test_bfl_flux2_is_priced_per_megapixel_in_credits():
    pro = spec({"credits_first_mp": 3, "credits_per_mp": 1.5, "usd_per_credit": "0.01"})
    # BFL's own example: FLUX.2 [pro], 2 MP out, one 1 MP reference: 3 + 1.5 + 1.5 = 6 credits.
    assert estimate(pro, width=2000, height=1000, input_images=[(1000, 1000)]) == usd("0.06")
    assert estimate(pro, width=1000, height=1000) == usd("0.03")  # the first megapixel only
    assert estimate(pro, width=500, height=500) == usd("0.03")  # never below the first megapixel
    klein = spec({"credits_first_mp": "1.4", "credits_per_mp": "0.1", "usd_per_credit": "0.01"})
    assert estimate(klein, width=2000, height=2000) == usd("0.017")


def test_stability_credits_become_dollars():
    large = spec({"credits": 6.5, "usd_per_credit": "0.01"}, {"type": "aspect", "ratios": ["1:1", "16:9"]})
    assert estimate(large, aspect_ratio="16:9") == usd("0.065")
    assert estimate(large, aspect_ratio="1:1", n=4) == usd("0.26")


def test_tables_by_quality_and_size():
    table = spec({"table": {"low": {"1024x1024": "0.011", "1536x1024": "0.016"},
                            "high": {"1024x1024": "0.167", "*": "0.25"}}}, GPT_SIZES)
    assert estimate(table, quality="low", size="1536x1024") == usd("0.016")
    assert estimate(table, quality="high", size="1024x1536", n=2) == usd("0.50")
    assert estimate(table, quality="auto", size="1024x1024") == usd("0.167")  # the dearest it could be
    assert estimate(table, quality="low", size="1024x1536") is None  # not in the table: unknown, not $0


def test_no_price_is_unknown_never_free_and_staff_override_wins():
    unpriced = spec(None)
    assert estimate(unpriced, width=1024, height=1024) is None
    assert estimate(unpriced, width=1024, height=1024, n=2, override="0.03") == usd("0.06")
    assert estimate(spec("0.04"), n=2, override={"credits": 2, "usd_per_credit": "0.01"}) == usd("0.04")
    assert price_of(spec("0.04")) == {"usd": "0.04"}


@pytest.mark.parametrize("price,fragment", [
    ({"usd": "NaN"}, "finite"),
    ({"usd": "-1"}, "at least 0"),
    ({"usd": "1e30"}, "implausibly large"),
    ({"usd": "5000"}, "no provider charges"),
    ({"usd": True}, "number"),
    ({"usd": "0.04", "credits": 4}, "exactly one"),
    ({"dollars": 1}, "exactly one"),
    ({"credits": 6.5}, "usd_per_credit"),
    ({"credits_first_mp": 3, "usd_per_credit": "0.01"}, "credits_per_mp"),
    ({"table": {"high": "0.2"}}, "table['high']"),
    ({"per_million_tokens": {"text_in": "5"}, "image_out_tokens_1024": {"high": 1}}, "image_out"),
    ({"per_million_tokens": {"image_out": "30", "video": "1"}, "image_out_tokens_1024": {"high": 1}}, "video"),
    ({"per_million_tokens": {"image_out": "30"}}, "image_out_tokens_1024"),
    ({"per_million_tokens": {"image_out": "30"}, "image_out_tokens_1024": {"high": -5}}, "whole number"),
    ({"usd": "0.04", "colour": "red"}, "colour"),
    ("lots", "number"),
])
def test_price_errors_name_the_field(price, fragment):
    errors = price_errors(price)
    assert errors and fragment in errors[0]


@pytest.mark.parametrize("price", [None, "0.04", 0, {"usd": "0"}, TOKENS, {"note": "⚠ reseller figure", "usd": "0.02"},
                                   {"credits": 6.5, "usd_per_credit": "0.01"},
                                   {"credits_first_mp": 3, "credits_per_mp": 1.5, "usd_per_credit": "0.01"},
                                   {"table": {"*": {"*": "0.05"}}}])
def test_valid_prices_have_no_errors(price):
    assert price_errors(price) == []
