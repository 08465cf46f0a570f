from django import template

from providers.lifecycle import RETIRING_WITHIN_DAYS, models_retiring_soon

register = template.Library()


@register.simple_tag
def retiring_models():
    """What uses a model retiring soon, for the admin index notice."""
    return models_retiring_soon()


@register.simple_tag
def retiring_days():
    return RETIRING_WITHIN_DAYS
