"""Whole numbers from request text, checked before ``int()`` and the database see them.

``str.isdigit()`` is true for "²" and "٣", and int() fails on the first; a
5,000-digit id passes int() and then overflows the database's 64-bit column.
Both were member-reachable 500s.
"""
from __future__ import annotations

ID_MAX = 2**63 - 1  # a BigAutoField


def parse_id(value) -> int | None:
    """A database id (0 included: "since 0" means from the start), or None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= ID_MAX else None
    text = str(value).strip()
    if not (text.isascii() and text.isdecimal() and len(text) <= 19):
        return None
    number = int(text)
    return number if number <= ID_MAX else None


def is_ascii_number(text: str, *, digits: int = 9) -> bool:
    """Plain ASCII digits, at most ``digits`` of them (sizes, counts)."""
    return text.isascii() and text.isdecimal() and len(text) <= digits
