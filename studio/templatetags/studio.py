import time

from django import template
from django.template.defaultfilters import truncatechars

from ..usage import format_usd

register = template.Library()


@register.filter
def usd(amount) -> str:
    """$1.23, more decimals below a cent, "—" when unknown."""
    return format_usd(amount)


@register.simple_tag
def epoch_now() -> str:
    """Now as Unix seconds with microseconds: the browser's clock offset for a ticking card."""
    return f"{time.time():.6f}"


@register.filter
def actionable_by(job, user) -> bool:
    """Whether ``user`` may cancel, retry and poll ``job``: its owner, or staff
    (nobody, when a page is drawn without a request)."""
    return getattr(user, "pk", None) is not None and (job.owner_id == user.pk or bool(user.is_staff))


@register.filter(is_safe=True)
def clip(text, length: int) -> str:
    """``truncatechars``, without its scan of text already short enough (a prompt
    on a card drawn every second usually is)."""
    text = str(text)
    return text if len(text) <= int(length) else truncatechars(text, length)
