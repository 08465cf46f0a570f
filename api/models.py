"""Personal API tokens and the idempotency keys scripts send with them.

A token is shown once and stored only as its SHA-256: a token has 256 bits
of randomness, so a plain hash is enough (no salt or slow hash is needed
against guessing, unlike a password).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What it is for, e.g. “nightly product shots”.")
    # "ist_" and the first characters, so a person can tell their tokens apart.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    # Model ids (or "<connection id>:<model id>" keys) it may use; empty means all.
    allowed_models = models.JSONField(default=list, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    # Blank: the site's defaults (STUDIO_API_RATE_PER_MINUTE, STUDIO_API_MAX_IN_FLIGHT).
    rate_per_minute = models.PositiveIntegerField(null=True, blank=True)
    max_in_flight = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="unique_api_token_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= timezone.now():
            return "expired"
        return "active"


class RateWindow(models.Model):
    """Requests one token made in one minute; a row per token and minute, so
    every process and host counts against the same figure."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="windows")
    minute = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "minute"], name="unique_rate_window")]


class IdempotencyKey(models.Model):
    """The jobs one ``Idempotency-Key`` made, so a retried request gets them back
    instead of paying twice."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="idempotency_keys")
    key = models.CharField(max_length=255)
    # SHA-256 of the request body: the same key with another body is refused.
    fingerprint = models.CharField(max_length=64)
    job_ids = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "key"], name="unique_idempotency_key")]
