"""URLs of routes that take one id, built without the resolver each time.

A gallery page links every one of its 48 tiles to the image's page and its
favourite form; ``reverse`` walks the URL patterns for each link, and those
walks were a tenth of drawing the page. The route is reversed once (per URL
configuration and script prefix, so a deployment under a sub-path and tests
that swap URL configurations get their own) and the id is put in its place.
"""
from __future__ import annotations

from django.urls import get_script_prefix, get_urlconf, reverse

_MARK = 987654321987
_parts: dict[tuple, tuple[str, str]] = {}


def id_url(name: str, pk: int) -> str:
    """``reverse(name, args=[pk])`` for a route whose only argument is an ``int`` id."""
    key = (name, get_urlconf(), get_script_prefix())
    parts = _parts.get(key)
    if parts is None:
        head, mark, tail = reverse(name, args=[_MARK]).partition(str(_MARK))
        if not mark:
            raise ValueError(f"route {name!r} does not take one id")
        parts = _parts[key] = (head, tail)
    return f"{parts[0]}{int(pk)}{parts[1]}"
