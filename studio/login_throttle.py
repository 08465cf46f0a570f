"""How django-axes sees a login: the client's address, and the page a locked-out login gets.

Throttling itself (counting failures by username and by address, the cool-off,
the admin's "Access attempts" list to unlock) is django-axes, configured in
settings.py's security block.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render


def client_ip(request) -> str | None:
    """The address to count failures against.

    Behind ``STUDIO_TRUSTED_PROXIES`` proxies, each appended the address it saw
    to X-Forwarded-For, so the client is that many entries from the right;
    anything further left was written by the client and cannot be trusted.
    """
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.STUDIO_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    return chain[-proxies] if len(chain) >= proxies else remote


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (f"Too many failed logins for this account or from this address. Try again in {minutes} "
            f"minutes, or ask an admin to unlock it.")


def lockout_response(request, original_response=None, credentials=None):
    """The login page again, with the reason, answered 429 (Too Many Requests)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    response = render(request, "registration/login.html",
                      {"form": form, "lockout_message": lockout_message(),
                       "next": request.POST.get("next") or request.GET.get("next", "")},
                      status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
