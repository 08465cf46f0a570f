"""A person's own page: display name, default visibility, password change."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from .models import Profile, Theme
from .preferences import profile_theme_set
from .services import profile_for


class ProfileForm(forms.ModelForm):
    theme = forms.ChoiceField(label="Theme", choices=Theme.choices, required=False,
                              help_text="Automatic follows your device's light or dark setting.")

    class Meta:
        model = Profile
        fields = ["display_name", "default_visibility"]
        labels = {"display_name": "Display name", "default_visibility": "Default visibility", "theme": "Theme"}
        help_texts = {"display_name": "Shown beside your templates instead of your username."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("theme", self.instance.theme)

    def clean_theme(self):
        return self.cleaned_data.get("theme") or Theme.AUTO

    def save(self, commit=True):
        # Not an editable model field (the admin's profile inline leaves it alone): set here.
        self.instance.theme = self.cleaned_data["theme"]
        return super().save(commit)


@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=profile_for(request.user))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile was saved.")
        return redirect("profile")
    return render(request, "gallery/profile.html", {"form": form})


password_change = auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("password_change_done"))
password_change_done = auth_views.PasswordChangeDoneView.as_view()


@require_http_methods(["POST"])
def theme_set(request):
    """Automatic, light or dark; remembered on the profile. htmx/fetch get 204, a form post goes back."""
    try:
        profile_theme_set(user=request.user, theme=request.POST.get("theme", ""))
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc))
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204)
    back = request.headers.get("Referer") or ""  # the page the toggle was pressed on
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = reverse("profile")
    return HttpResponseRedirect(back)  # not redirect(): "0" would be taken for a view's name
