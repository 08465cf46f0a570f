"""Writes and reads for personal API tokens (web, API, MCP and the commands all call these)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from .models import ApiToken

PREFIX = "ist_"  # "image studio token": lets secret scanners and people recognise one
# last_used_* is written at most this often per token, not on every call.
TOUCH_EVERY = timedelta(seconds=30)


class TokenRefused(Exception):
    """No usable token; str() says why in words safe to show the caller."""


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@sensitive_variables("raw")  # never in an error report
def token_create(*, user, name: str, expires_in_days: int | None = None,
                 allowed_models: list[str] | None = None) -> tuple[ApiToken, str]:
    """A new token and its secret text, which is never stored and cannot be shown again."""
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip(), prefix=raw[:len(PREFIX) + 6], digest=token_digest(raw),
        allowed_models=list(allowed_models or []),
        expires_at=timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None)
    return token, raw


def token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


@sensitive_variables("raw")
def token_authenticate(*, raw: str, address: str | None = None) -> ApiToken:
    """The active token for this secret, its last use recorded; TokenRefused otherwise.

    Wrong, expired and revoked tokens all get the same refusal: a caller
    learns nothing about tokens that are not theirs.
    """
    raw = (raw or "").strip()
    token = (ApiToken.objects.select_related("user").filter(digest=token_digest(raw)).first()
             if raw else None)
    if token is None or not token.is_active or not token.user.is_active:
        raise TokenRefused("Invalid, expired or revoked API token.")
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY or token.last_used_ip != address:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=address)
    return token


def token_from_header(value: str | None) -> str:
    """The secret of an ``Authorization: Bearer …`` header ('' if there is none)."""
    scheme, _, raw = (value or "").partition(" ")
    return raw.strip() if scheme.lower() == "bearer" else ""


def token_allows_model(token: ApiToken, *, key: str, model_id: str) -> bool:
    allowed = token.allowed_models or []
    return not allowed or key in allowed or model_id in allowed


