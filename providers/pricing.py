"""What an image costs, the way each provider bills it.

A catalog entry's ``price`` is a plain dict (or null: no price is known). The
shapes, all amounts in USD as decimal strings unless said otherwise:

- ``{"usd": "0.04"}``: a flat price per output image.
- ``{"table": {"<quality>": {"<WxH>": "0.011", ...}, ...}}``: per output image
  by quality × size; either key may be ``"*"`` for "any".
- ``{"credits": 6.5, "usd_per_credit": "0.01"}``: credits per output image,
  converted to dollars (Stability, BFL's flat-priced models).
- ``{"credits_first_mp": 3, "credits_per_mp": 1.5, "usd_per_credit": "0.01"}``:
  per megapixel, as BFL bills FLUX.2: the first output megapixel, every further
  output megapixel and every input megapixel.
- ``{"per_million_tokens": {"text_in": "5", "image_in": "8", "image_out": "30",
  "text_out": null}, "image_out_tokens_1024": {"low": 200, "medium": 1767,
  "high": 7033}}``: token billing (GPT image models). The estimate scales the
  1024×1024 output tokens of the quality by pixel area; the actual cost comes
  from the response's ``usage``.

Any shape may add ``"note"`` (where the figure comes from, how sure it is).
"""
from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

MILLION = Decimal(1_000_000)
# No image anyone sells costs more than this; a figure above it is a typo or a lie.
MAX_USD_PER_IMAGE = Decimal(1000)
TOKEN_KINDS = ("text_in", "image_in", "image_out", "text_out")
SHAPES = ("usd", "table", "credits", "credits_first_mp", "per_million_tokens")
_1024_SQUARED = 1024 * 1024


class _Bad(ValueError):
    pass


def _amount(value: Any, where: str) -> Decimal:
    """A finite, non-negative decimal from a string or number; _Bad naming ``where`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise _Bad(f"{where} must be a number written as a string, like \"0.04\"")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise _Bad(f"{where} must be a number, not {str(value)[:20]!r}") from None
    if not amount.is_finite() or amount < 0:
        raise _Bad(f"{where} must be a finite number of at least 0")
    if amount > MAX_USD_PER_IMAGE * 1000:
        raise _Bad(f"{where} is implausibly large")
    return amount


def price_errors(price) -> list[str]:
    """What is wrong with a ``price`` value, as sentences; empty when it is usable.

    ``None`` (no price known) and a plain amount (USD per image) are valid too.
    """
    if price is None:
        return []
    try:
        _check(price)
    except _Bad as exc:
        return [str(exc)]
    return []


def _check(price) -> None:
    if not isinstance(price, dict):
        _per_image(_amount(price, "The price"), "The price")
        return
    shapes = [key for key in SHAPES if key in price]
    if len(shapes) != 1:
        raise _Bad(f"A price needs exactly one of {', '.join(SHAPES)}" +
                   (f"; it has {', '.join(shapes)}" if shapes else ""))
    known = {"note", *shapes, "usd_per_credit", "credits_per_mp", "image_out_tokens_1024"}
    if extra := sorted(set(price) - known):
        raise _Bad(f"Unknown price field {extra[0]!r}")
    if "note" in price and not isinstance(price["note"], str):
        raise _Bad("note must be text")
    shape = shapes[0]
    if shape == "usd":
        _per_image(_amount(price["usd"], "usd"), "usd")
    elif shape == "table":
        table = price["table"]
        if not isinstance(table, dict) or not table:
            raise _Bad("table must map each quality to {size: price}")
        for quality, row in table.items():
            if not isinstance(row, dict) or not row:
                raise _Bad(f"table[{quality!r}] must map sizes like \"1024x1024\" to prices")
            for size, amount in row.items():
                _per_image(_amount(amount, f"table[{quality!r}][{size!r}]"), f"table[{quality!r}][{size!r}]")
    elif shape == "credits":
        _per_image(_amount(price["credits"], "credits") * _usd_per_credit(price), "credits")
    elif shape == "credits_first_mp":
        _usd_per_credit(price)
        _amount(price["credits_first_mp"], "credits_first_mp")
        if "credits_per_mp" not in price:
            raise _Bad("credits_first_mp needs credits_per_mp")
        _amount(price["credits_per_mp"], "credits_per_mp")
    else:
        _check_tokens(price)


def _check_tokens(price: dict) -> None:
    rates = price["per_million_tokens"]
    if not isinstance(rates, dict):
        raise _Bad("per_million_tokens must map text_in, image_in, image_out, text_out to prices")
    if extra := sorted(set(rates) - set(TOKEN_KINDS)):
        raise _Bad(f"Unknown token kind {extra[0]!r} (known: {', '.join(TOKEN_KINDS)})")
    if rates.get("image_out") is None:
        raise _Bad("per_million_tokens needs image_out")
    for kind, rate in rates.items():
        if rate is not None:
            _amount(rate, f"per_million_tokens[{kind!r}]")
    tokens = price.get("image_out_tokens_1024")
    if not isinstance(tokens, dict) or not tokens:
        raise _Bad("A token price needs image_out_tokens_1024: {quality: output tokens of a 1024×1024 image}")
    for quality, count in tokens.items():
        if isinstance(count, bool) or not isinstance(count, int) or not 0 < count <= 10_000_000:
            raise _Bad(f"image_out_tokens_1024[{quality!r}] must be a whole number of tokens above 0")


def _usd_per_credit(price: dict) -> Decimal:
    if "usd_per_credit" not in price:
        raise _Bad("A credit price needs usd_per_credit")
    return _amount(price["usd_per_credit"], "usd_per_credit")


def _per_image(amount: Decimal, where: str) -> None:
    if amount > MAX_USD_PER_IMAGE:
        raise _Bad(f"{where} is more than ${MAX_USD_PER_IMAGE} per image, which no provider charges")


# --- the price that applies --------------------------------------------------

def price_of(spec, override=None) -> dict | None:
    """The price dict that applies: staff's override, the catalog's shape, its headline price, or None."""
    for price in (override, spec.pricing):
        if price is not None:
            return price if isinstance(price, dict) else {"usd": str(price)}
    return {"usd": str(spec.price)} if spec.price is not None else None


def is_token_priced(price: dict | None) -> bool:
    return bool(price) and "per_million_tokens" in price


# --- estimates ---------------------------------------------------------------

def estimate(spec, *, quality=None, width=None, height=None, size=None, aspect_ratio=None, n=1,
             input_images: Iterable[tuple[int, int]] = (), override=None) -> Decimal | None:
    """What ``n`` images should cost before they are made, in USD; None when no price is known.

    ``input_images`` are the (width, height) of uploaded images. Where a figure
    is uncertain the estimate leans high, so a budget is not overrun by it.
    """
    price = price_of(spec, override)
    if price is None or price_errors(price):
        return None
    n = max(int(n or 1), 1)
    pixels = _pixels(spec, width, height, size)
    if "usd" in price:
        each = _amount(price["usd"], "usd")
    elif "table" in price:
        each = _from_table(price["table"], quality, _size_key(width, height, size, aspect_ratio))
    elif "credits" in price:
        each = _amount(price["credits"], "credits") * _usd_per_credit(price)
    elif "credits_first_mp" in price:
        each = _flux2_credits(price, pixels, input_images) * _usd_per_credit(price)
    else:
        each = _token_estimate(price, quality, pixels)
    return None if each is None else each * n


def _size_key(width, height, size, aspect_ratio) -> str | None:
    if size:
        return size
    if width and height:
        return f"{width}x{height}"
    return aspect_ratio


def _pixels(spec, width, height, size) -> int | None:
    """Output pixels; for "auto" the largest size the model lists (the provider picks, so lean high)."""
    if width and height:
        return int(width) * int(height)
    if size and "x" in size:
        w, _, h = size.partition("x")
        if w.isdecimal() and h.isdecimal():
            return int(w) * int(h)
    listed = [s for s in getattr(spec.size, "sizes", ()) if "x" in s]
    if size == "auto" and listed:
        return max(_pixels(spec, None, None, s) for s in listed)
    default = getattr(spec.size, "default", None)
    if isinstance(default, (list, tuple)) and len(default) == 2:
        return int(default[0]) * int(default[1])
    if isinstance(default, str) and default != size and "x" in default:
        return _pixels(spec, None, None, default)
    return None


def _from_table(table: dict, quality, size_key) -> Decimal | None:
    if quality in (None, "", "auto") and not ("auto" in table or "*" in table):
        # The provider picks the quality: estimate the dearest one it could pick.
        rows = list(table.values())
    else:
        row = table.get(quality) or table.get("*")
        rows = [row] if row else []
    found = [row.get(size_key) or row.get("*") for row in rows]
    if not found or any(value is None for value in found):
        return None
    return max(_amount(value, "table") for value in found)


def _flux2_credits(price: dict, pixels: int | None, input_images) -> Decimal:
    """BFL FLUX.2: first output MP + each further output MP + each input MP, in credits.

    ⚠ BFL reports MP with two decimals and does not say how it rounds; we use
    exact megapixels (w×h / 1,000,000). Its ``cost`` in the submit answer is
    the real charge and replaces this estimate.
    """
    first, per_mp = _amount(price["credits_first_mp"], "credits_first_mp"), _amount(price["credits_per_mp"], "credits_per_mp")
    out_mp = Decimal(pixels or 1_000_000) / MILLION
    in_mp = sum((Decimal(w * h) / MILLION for w, h in input_images), Decimal(0))
    return first + max(out_mp - 1, Decimal(0)) * per_mp + in_mp * per_mp


def _token_estimate(price: dict, quality, pixels: int | None) -> Decimal:
    """Output image tokens of a 1024² image at this quality, scaled by area, at the image-out rate.

    quality "auto" (or none) is estimated as the dearest quality, usually
    "high": the provider picks, and an upper bound keeps budgets safe. Scaling
    by area leans high too (OpenAI's own tables price 1536×1024 below 1.5× of
    1024²). Prompt tokens are left out: a few hundred at $5/M is under $0.002.
    """
    tokens = price["image_out_tokens_1024"]
    count = tokens.get(quality) if quality not in (None, "", "auto") else None
    if count is None:
        count = max(tokens.values())
    scale = Decimal(pixels or _1024_SQUARED) / _1024_SQUARED
    rate = _amount(price["per_million_tokens"]["image_out"], "image_out")
    return Decimal(count) * scale * rate / MILLION


# --- actual cost from usage ------------------------------------------------------

def cost_from_usage(spec, usage: dict, *, override=None) -> Decimal | None:
    """The cost of one response from its ``usage`` tokens (GPT image models); None when not computable.

    cost = (text_in × P_text_in + image_in × P_image_in + image_out × P_image_out
            + text_out × P_text_out) / 1,000,000, all at uncached rates (the
    Images API gives no cached split, so this is an upper bound). Without
    ``output_tokens_details`` every output token is charged as an image token.
    OpenAI lists no text-output price for the 2.x models: text output tokens
    with no price are charged at the image-output rate, an upper bound.
    """
    price = price_of(spec, override)
    if not is_token_priced(price) or price_errors(price) or not isinstance(usage, dict):
        return None
    rates = {kind: _amount(rate, kind) for kind, rate in price["per_million_tokens"].items() if rate is not None}
    image_out = rates["image_out"]
    text_in_rate = rates.get("text_in", image_out)
    image_in_rate = rates.get("image_in", image_out)
    text_out_rate = rates.get("text_out", image_out)
    inputs, outputs = _dict(usage.get("input_tokens_details")), _dict(usage.get("output_tokens_details"))
    total_in, total_out = _tokens(usage.get("input_tokens")), _tokens(usage.get("output_tokens"))
    if total_in is None and total_out is None:
        return None
    if inputs:
        text_in, image_in = _tokens(inputs.get("text_tokens")) or 0, _tokens(inputs.get("image_tokens")) or 0
    else:  # no split: charge every input token at the dearer input rate
        text_in, image_in = 0, total_in or 0
        image_in_rate = max(text_in_rate, image_in_rate)
    if outputs:
        image_out_tokens, text_out = _tokens(outputs.get("image_tokens")) or 0, _tokens(outputs.get("text_tokens")) or 0
    else:
        image_out_tokens, text_out = total_out or 0, 0
    total = (text_in * text_in_rate + image_in * image_in_rate + image_out_tokens * image_out
             + text_out * text_out_rate)
    return total / MILLION


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _tokens(value) -> int | None:
    """A token count as the provider sent it; None for anything that is not a sane count."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and 0 <= value <= 10**9 else None
