"""The gallery grid's tiles, drawn in Python: ``{% tiles images %}``.

The design of a tile is the ``tile`` partial of templates/gallery/gallery.html
(and its ``favourite`` form); this is its fast twin for the grids, where a
page draws 48 tiles and the template engine's cost per variable (about forty a
tile) was two thirds of the page. tests/test_tiles.py draws both for tiles of
every kind and fails when they differ, so a change to one must be made to the
other.
"""
from __future__ import annotations

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()
_PRIVATE = '<small class="badge">Private</small>'


@register.simple_tag(takes_context=True)
def tiles(context, images) -> str:
    csrf = CsrfTokenNode().render(context)  # once: the same masked token serves every form of the page
    return mark_safe("".join(_tile(image, csrf) for image in images))


def _tile(image, csrf: str) -> str:
    detail = escape(image.get_absolute_url())
    prompt, label = escape(image.prompt), escape(image.model_label)
    private = image.visibility == "private"
    on = bool(getattr(image, "is_favourite", False))  # as the template reads a missing annotation
    action = escape(image.favourite_url)
    pk, width, height = int(image.pk), int(image.width), int(image.height)
    return (
        f'<figure class="tile{" is-private" if private else ""}" id="image-{pk}">\n'
        f'<a href="{detail}" class="lightbox-link" data-lightbox\n'
        f' data-full="{detail}original/" data-download="{detail}original/?download=1"\n'
        f' data-reuse="{detail}reuse/" data-vary="{detail}vary/"\n'
        f' data-prompt="{prompt}" data-title="{label} · {width}×{height}">'
        f'<img src="{detail}thumbnail/" alt="{prompt}" width="{width}" height="{height}" loading="lazy"></a>\n'
        f'<input type="checkbox" class="tile-select" name="ids" value="{pk}" form="bulk-form"'
        f' aria-label="Select image {pk}">\n'
        f'<figcaption>\n'
        f'<span class="tile-prompt">{prompt}</span>\n'
        f'<span class="tile-meta"><span class="author">{escape(getattr(image, "author_name", ""))}</span> · {label} · '
        f'<time datetime="{escape(image.created_iso)}">{escape(image.created_day)}</time></span>\n'
        f'<span class="tile-tools">\n'
        f'{_PRIVATE if private else ""}\n'
        f'<form method="post" action="{action}" class="favourite inline-form"\n'
        f' hx-post="{action}" hx-swap="outerHTML">\n'
        f'{csrf}\n'
        f'<input type="hidden" name="favourite" value="{"0" if on else "1"}">\n'
        f'<button type="submit" class="favourite-button small{"" if on else " outline"}"\n'
        f' aria-label="Favourite" aria-pressed="{"true" if on else "false"}"\n'
        f' title="{"Remove from your favourites" if on else "Add to your favourites"}">\n'
        f'{"♥" if on else "♡"}<span class="label"> Favourite</span>\n'
        f'</button>\n'
        f'</form>\n'
        f'</span>\n'
        f'</figcaption>\n'
        f'</figure>\n'
    )
