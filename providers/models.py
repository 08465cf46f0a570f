"""Provider connections: an account (or server) at one provider, held by staff."""
from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from . import crypto
from .base import Connection
from .catalog import spec_for
from .pricing import price_errors
from .registry import KIND_CHOICES, KINDS
from .rules import ModelSpec


def validate_base_url(value: str) -> None:
    """http(s) and a host; unlike URLField, a bare LAN name (http://gpu-box:7860) is fine."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("Enter a URL that starts with http:// or https:// and names a host.",
                              code="invalid_url")
    if parts.query or parts.fragment:
        raise ValidationError("The base URL takes no query string or fragment.", code="invalid_url")


def default_attempts() -> int:
    """A new connection's attempts: STUDIO_MAX_ATTEMPTS (3 unless set)."""
    return settings.STUDIO_MAX_ATTEMPTS


class ProviderConnection(models.Model):
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    name = models.CharField(max_length=100, unique=True,
                            help_text="Shown to members beside each model, e.g. “OpenAI (marketing)”.")
    base_url = models.CharField(
        blank=True, max_length=500, validators=[validate_base_url],
        help_text="As the provider's docs write it: ending in /v1 for OpenAI-compatible "
                  "gateways, the bare host for the others. Blank uses the kind's default.")
    api_key_encrypted = models.TextField(blank=True, editable=False)
    api_key_last4 = models.CharField(max_length=4, blank=True, editable=False)
    # The basic-auth password (A1111 --api-auth), encrypted like the key; it
    # never stays in ``options``, which the admin shows.
    password_encrypted = models.TextField(blank=True, editable=False)
    enabled = models.BooleanField(default=True)
    enabled_models = models.JSONField(
        default=list, blank=True,
        help_text="Model ids members may use; empty means every model of this connection.")
    custom_models = models.JSONField(
        default=list, blank=True,
        help_text="Extra models with their rules (a list of model dicts, as in the catalog).")
    discovered_models = models.JSONField(default=list, blank=True, editable=False)
    options = models.JSONField(
        default=dict, blank=True,
        help_text="Kind-specific settings, e.g. {\"provider\": \"openai\"} for APIpie, "
                  "{\"username\": …} for A1111 basic auth.")
    # What the provider's own model list said at the last refresh (providers.discovery):
    # [{"id": …, "shutdown_date": "YYYY-MM-DD" | null}, …]; empty before the first one.
    listed_models = models.JSONField(default=list, blank=True, editable=False)
    listed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Models the provider called missing or shut down since: {model id: its words}.
    # Cleared by the next refresh.
    unavailable_models = models.JSONField(default=dict, blank=True, editable=False)
    prices = models.JSONField(
        default=dict, blank=True,
        help_text="Staff's prices, which win over the catalog's: model id → USD per image "
                  "(\"0.04\") or a price shape from providers/pricing.py.")
    max_concurrency = models.PositiveSmallIntegerField(
        default=4, help_text="Calls this connection may have in flight at once (rate limits).")
    max_attempts = models.PositiveSmallIntegerField(
        "attempts", default=default_attempts,
        help_text="Calls per image when the provider's error is worth retrying (429, 5xx, timeouts). "
                  "Set 1 for a gateway that retries by itself (LiteLLM, OpenRouter).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # A password typed into the options JSON is moved into the encrypted field.
        if isinstance(self.options, dict) and "password" in self.options:
            self.set_password(str(self.options.pop("password") or ""))
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "options", "password_encrypted"}
        super().save(*args, **kwargs)

    def clean(self):
        if self.kind in KINDS and not self.base_url and not KINDS[self.kind].default_base_url:
            raise ValidationError({"base_url": "This kind has no default address: enter the gateway's base URL."})
        for spec in self.custom_models or []:
            try:
                ModelSpec.from_dict(spec, kind=self.kind)
                if errors := price_errors(spec.get("price")):
                    raise ValueError(f"price: {errors[0]}")
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise ValidationError({"custom_models": f"{spec.get('id', '?') if isinstance(spec, dict) else spec}: {exc}"})
        if not isinstance(self.prices, dict):
            raise ValidationError({"prices": "Prices must map model ids to prices."})
        for model_id, price in self.prices.items():
            if errors := price_errors(price):
                raise ValidationError({"prices": f"{model_id}: {errors[0]}"})

    # --- key ---
    def set_api_key(self, key: str) -> None:
        key = key.strip()
        self.api_key_encrypted = crypto.encrypt(key)
        self.api_key_last4 = key[-4:] if len(key) >= 8 else ""

    def get_api_key(self) -> str:
        return crypto.decrypt(self.api_key_encrypted)

    @property
    def has_key(self) -> bool:
        return bool(self.api_key_encrypted)

    # --- basic-auth password ---
    def set_password(self, password: str) -> None:
        self.password_encrypted = crypto.encrypt(password)

    def get_password(self) -> str:
        return crypto.decrypt(self.password_encrypted)

    # --- what adapters and forms need ---
    @property
    def effective_base_url(self) -> str:
        return self.base_url or KINDS[self.kind].default_base_url

    def as_connection(self) -> Connection:
        """The plain object an adapter gets (the key decrypted in memory only)."""
        options = dict(self.options or {})
        if self.password_encrypted:
            options["password"] = self.get_password()
        return Connection(kind=self.kind, base_url=self.effective_base_url,
                          api_key=self.get_api_key(), options=options)

    def all_specs(self) -> list[ModelSpec]:
        """Every model this connection knows, shut-down ones included."""
        from .catalog.overrides import current_models

        specs = list(current_models(self.kind))
        specs += [ModelSpec.from_dict(d, kind=self.kind) for d in self.custom_models or []]
        known = {s.id for s in specs}
        specs += [spec_for(self.kind, m) for m in self.discovered_models or [] if m not in known]
        return [s for s in specs if s is not None]

    def specs(self) -> list[ModelSpec]:
        """The models members may use on this connection today."""
        from .lifecycle import model_usable

        allowed = set(self.enabled_models or [])
        return [s for s in self.all_specs() if (not allowed or s.id in allowed)
                and model_usable(spec=s, connection=self)]

    def spec(self, model_id: str) -> ModelSpec | None:
        return next((s for s in self.specs() if s.id == model_id), None)

    def price_override(self, model_id: str):
        """Staff's price for a model on this connection (a dict or USD per image), or None."""
        return (self.prices or {}).get(model_id)


class CatalogOverride(models.Model):
    """One catalog entry staff loaded from a file: it adds a model or overrides a shipped one.

    ``data`` holds the entry as given (an override of a shipped id may hold only
    the fields it changes); providers.catalog.overrides merges it over the
    shipped file, which is never edited.
    """

    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    model_id = models.CharField(max_length=200)
    data = models.JSONField()
    source = models.CharField(max_length=200, blank=True, help_text="The file it came from.")
    imported_by = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "model_id"]
        constraints = [models.UniqueConstraint(fields=["kind", "model_id"],
                                               name="unique_catalog_override")]

    def __str__(self) -> str:
        return f"{self.kind}/{self.model_id}"
