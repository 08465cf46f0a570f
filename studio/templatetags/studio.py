from django import template

from ..usage import format_usd

register = template.Library()


@register.filter
def usd(amount) -> str:
    """$1.23, more decimals below a cent, "—" when unknown."""
    return format_usd(amount)
