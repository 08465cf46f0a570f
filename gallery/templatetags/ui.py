"""Template helpers for the page frame and image tiles."""
from __future__ import annotations

from django import template
from django.core.exceptions import ObjectDoesNotExist

from gallery.models import Theme
from studio.numbers import is_ascii_number

register = template.Library()


@register.simple_tag(takes_context=True)
def theme(context) -> str:
    """The person's chosen theme, or "" to follow the device (Pico reads prefers-color-scheme)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return ""
    try:
        chosen = user.profile.theme
    except ObjectDoesNotExist:  # no profile yet (made on first save): follow the device
        return ""
    return "" if chosen == Theme.AUTO else chosen


@register.simple_tag(takes_context=True)
def theme_choice(context) -> str:
    chosen = theme(context)
    return chosen or Theme.AUTO


@register.filter
def reuse_url(image) -> str:
    from gallery.views import compose_url

    return compose_url(image, keep_seed=True)


@register.filter
def vary_url(image) -> str:
    from gallery.views import compose_url

    return compose_url(image, keep_seed=False)


@register.simple_tag
def model_picker(choices):
    from studio.picker import model_picker as groups

    return groups(choices)


@register.filter
def model_facts(spec) -> str:
    from studio.picker import model_facts as facts

    return " · ".join(facts(spec)) if spec else ""


@register.simple_tag
def shape(value) -> dict:
    """A rectangle of ``value``'s shape ("16:9", "1024x1536"; anything else a square) centred in 32×32."""
    text = str(value)
    for sep in (":", "x"):
        a, found, b = text.partition(sep)
        if (found and is_ascii_number(a.replace(".", "", 1)) and is_ascii_number(b.replace(".", "", 1))
                and float(b)):
            ratio = float(a) / float(b)
            break
    else:
        ratio = 1.0
    w, h = (28, 28 / ratio) if ratio >= 1 else (28 * ratio, 28)
    return {"x": round((32 - w) / 2, 1), "y": round((32 - h) / 2, 1), "w": round(w, 1), "h": round(h, 1)}


@register.filter
def make_list_of_ratios(text: str) -> list[str]:
    return text.split()
