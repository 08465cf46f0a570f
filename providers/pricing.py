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


def price_errors(price) -> list[str]:
    """What is wrong with a ``price`` value, as sentences; empty when it is usable."""
    return []
