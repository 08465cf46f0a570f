"""The profile page's token section: create (shown once), revoke."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_POST

from gallery.views_profile import ProfileForm
from gallery.services import profile_for

from .models import ApiToken
from .tokens import token_create, token_revoke

MAX_EXPIRY_DAYS = 3650


class TokenForm(forms.Form):
    name = forms.CharField(label="Token name", max_length=100, help_text="What it is for, e.g. “nightly product shots”.")
    expires_in_days = forms.IntegerField(label="Expires after (days)", required=False, min_value=1,
                                         max_value=MAX_EXPIRY_DAYS, help_text="Blank: never.")
    models = forms.CharField(label="Limit to models", required=False,
                             help_text="Model ids separated by commas; blank allows every model.")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if ApiToken.objects.filter(user=self.user, name=name).exists():
            raise forms.ValidationError("You already have a token with this name: names must differ.",
                                        code="unique")
        return name


@sensitive_variables("raw")
@require_POST
def token_new(request):
    form = TokenForm(request.POST, user=request.user)
    if not form.is_valid():
        return render(request, "gallery/profile.html", {"form": ProfileForm(instance=profile_for(request.user)),
                                                         "token_form": form}, status=400)
    models = [m.strip() for m in form.cleaned_data["models"].split(",") if m.strip()]
    token, raw = token_create(user=request.user, name=form.cleaned_data["name"],
                              expires_in_days=form.cleaned_data["expires_in_days"], allowed_models=models)
    # Rendered, not redirected: the secret must not travel in a URL or a stored message.
    response = render(request, "gallery/profile.html", {"form": ProfileForm(instance=profile_for(request.user)),
                                                         "new_token": raw, "new_token_name": token.name})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def token_revoke_view(request, pk: int):
    tokens = ApiToken.objects.all() if request.user.is_staff else ApiToken.objects.filter(user=request.user)
    token = get_object_or_404(tokens, pk=pk)
    token_revoke(token=token)
    messages.success(request, f"The token “{token.name}” was revoked.")
    return redirect("profile")
