"""A person's own page: display name, default visibility, password change."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from .models import Profile
from .services import profile_for


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["display_name", "default_visibility"]
        labels = {"display_name": "Display name", "default_visibility": "Default visibility"}
        help_texts = {"display_name": "Shown beside your templates instead of your username."}


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
