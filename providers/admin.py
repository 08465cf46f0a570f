"""Provider connections in the admin: staff only; the key is write-only."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from .admin_forms import ConnectionAdminExtras
from .base import ProviderError
from .crypto import UndecryptableKey
from .models import ProviderConnection
from .registry import KINDS, adapter_class


class ProviderConnectionForm(forms.ModelForm):
    api_key = forms.CharField(
        label="API key", required=False, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only: leave blank to keep the stored key.")
    clear_api_key = forms.BooleanField(label="Remove the stored key", required=False)

    class Meta:
        model = ProviderConnection
        fields = ["kind", "name", "base_url", "api_key", "clear_api_key", "enabled", "enabled_models",
                  "custom_models", "options", "max_concurrency"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.api_key_last4:
            self.fields["api_key"].help_text = (
                f"A key ending in …{self.instance.api_key_last4} is stored. " + self.fields["api_key"].help_text)
        elif self.instance.has_key:
            self.fields["api_key"].help_text = "A key is stored. " + self.fields["api_key"].help_text

    def save(self, commit=True):
        conn = super().save(commit=False)
        if self.cleaned_data.get("clear_api_key"):
            conn.api_key_encrypted, conn.api_key_last4 = "", ""
        elif self.cleaned_data.get("api_key"):
            conn.set_api_key(self.cleaned_data["api_key"])
        if commit:
            conn.save()
        return conn


@admin.register(ProviderConnection)
class ProviderConnectionAdmin(ConnectionAdminExtras, admin.ModelAdmin):
    form = ProviderConnectionForm
    list_display = ["name", "kind", "effective_base_url", "key_hint", "enabled", "max_concurrency"]
    list_filter = ["kind", "enabled"]
    search_fields = ["name"]
    actions = ["test_connection", "refresh_models"]

    @admin.display(description="API key")
    def key_hint(self, obj):
        return f"…{obj.api_key_last4}" if obj.api_key_last4 else ("stored" if obj.has_key else "none")

    @admin.action(description="Test connection")
    def test_connection(self, request, queryset):
        for conn in queryset:
            level, text = connection_test(conn)
            self.message_user(request, f"{conn.name}: {text}", level)


    @admin.action(description="Refresh the model list from the server (A1111, ComfyUI)")
    def refresh_models(self, request, queryset):
        for conn in queryset:
            level, text = models_refresh(conn)
            self.message_user(request, f"{conn.name}: {text}", level)


def models_refresh(conn: ProviderConnection) -> tuple[int, str]:
    """Ask a self-hosted server which checkpoints it has and keep the list."""
    if not KINDS[conn.kind].discovers_models:
        return messages.WARNING, "This kind's models come from the catalog, not from the server."
    try:
        found = adapter_class(conn.kind)(conn.as_connection()).list_models()
    except (ProviderError, UndecryptableKey) as exc:
        return messages.ERROR, str(exc)
    conn.discovered_models = found
    conn.save(update_fields=["discovered_models", "updated_at"])
    return messages.SUCCESS, f"{len(found)} models found."


def connection_test(conn: ProviderConnection) -> tuple[int, str]:
    """Make the provider's cheapest real call; (message level, what it said)."""
    try:
        adapter = adapter_class(conn.kind)(conn.as_connection())
        return messages.SUCCESS, adapter.check()
    except UndecryptableKey as exc:
        return messages.ERROR, str(exc)
    except ProviderError as exc:
        return messages.ERROR, exc.message
    except NotImplementedError:
        return messages.WARNING, "This kind has no connection test."
