"""What Django's error report (the DEBUG 500 page, ADMINS e-mails) may show.

Django's own filter already hides META keys and settings named like secrets
(``HTTP_AUTHORIZATION`` among them), but it leaves three holes that matter here:

- it cleanses POST fields and local variables only when DEBUG is off, and only
  those a view marked with ``sensitive_post_parameters``/``sensitive_variables``;
- a local variable named ``api_key`` or ``password`` is shown as is;
- a secret copied under an innocent name is shown as is: /mcp hands the
  request's headers, ``Authorization: Bearer <token>`` included, to the MCP
  SDK as a list of byte pairs in ``scope``.

So this filter is always on, hides POST fields and locals named like secrets,
and masks every local whose text contains a credential this request carried.
"""
from __future__ import annotations

import re

from django.template.defaultfilters import pprint
from django.views.debug import SafeExceptionReporterFilter

from providers.secrets import redact

# Django's list, plus names our forms and adapters give secrets.
HIDDEN = re.compile("API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|COOKIE|CREDENTIAL", flags=re.I)
# The report shows a local's first 4096 characters; look a little further.
SHOWN = 4200


class _Masked:
    """A local shown with the request's credentials taken out of its text."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


class StudioExceptionReporterFilter(SafeExceptionReporterFilter):
    hidden_settings = HIDDEN

    def is_active(self, request) -> bool:
        # A DEBUG page is read by whoever hit the error, not only by staff.
        return True

    def request_secrets(self, request) -> list[str]:
        """Credentials this request carried: secret-named headers (the token
        without its ``Bearer`` scheme as well) and secret-named POST fields."""
        if request is None:
            return []
        found = []
        for name, value in getattr(request, "META", {}).items():
            if name.startswith("HTTP_") and isinstance(value, str) and self.hidden_settings.search(name):
                found.append(value)
                found.extend(value.split()[1:])
        marked = getattr(request, "sensitive_post_parameters", None) or []
        try:
            posted = list(request.POST.lists()) if request.method == "POST" else []
        except Exception:  # the error may be the body itself (too big, malformed)
            posted = []
        for name, values in posted:
            if marked == "__ALL__" or name in marked or self.hidden_settings.search(name):
                found.extend(v for v in values if isinstance(v, str))
        return [s for s in found if s.strip()]

    def get_post_parameters(self, request):
        post = super().get_post_parameters(request)
        if not post:
            return post
        post = post.copy()
        for name in post:
            if self.hidden_settings.search(name):
                post[name] = self.cleansed_substitute
        return post

    def get_traceback_frame_variables(self, request, tb_frame):
        secrets = self.request_secrets(request)
        cleansed = []
        for name, value in super().get_traceback_frame_variables(request, tb_frame):
            value = self.cleanse_setting(name, value)
            if secrets and value is not self.cleansed_substitute:
                value = self._masked(value, secrets)
            cleansed.append((name, value))
        return cleansed

    def _masked(self, value, secrets: list[str]):
        # The text the report would show (pprint sorts a dict's keys, so a
        # plain repr could hold a secret later than the cut).
        text = pprint(value)[:SHOWN]
        hidden = redact(text, secrets)
        return value if hidden == text else _Masked(hidden)
