from django import template

from ..models import ApiToken

register = template.Library()


@register.simple_tag
def tokens_of(user):
    return list(ApiToken.objects.filter(user=user).order_by("-created_at"))


@register.simple_tag
def token_form_or_new(form, user):
    """The bound form with its errors after a refused create; a blank one otherwise."""
    from ..views_tokens import TokenForm

    return form or TokenForm(user=user)
