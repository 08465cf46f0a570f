from django import template

from ..estimates import compare_estimates, compose_estimates, estimate_line

register = template.Library()


@register.simple_tag(takes_context=True)
def compose_estimate(context, form) -> str:
    """The estimate line for a compose form as rendered (model defaults, or what was typed)."""
    return estimate_line(user=_user(context), estimates=compose_estimates(form))


@register.simple_tag(takes_context=True)
def compare_estimate(context, form) -> str:
    return estimate_line(user=_user(context), estimates=compare_estimates(form))


def _user(context):
    return getattr(context.get("request"), "user", None)
