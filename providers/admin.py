"""Provider connections in the admin: staff only; the key is write-only."""
from __future__ import annotations

import json
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.views.decorators.debug import sensitive_post_parameters

from .admin_forms import ConnectionAdminExtras
from .admin_prices import PricesFieldsMixin
from .admin_schema import SchemaModelAdminMixin
from .base import ProviderError
from .catalog.schema import CatalogError
from .catalog.overrides import catalog_import
from .crypto import UndecryptableKey
from .discovery import (connection_list_report, connection_model_enable, connection_refresh,
                        similar_model)
from .models import CatalogOverride, ProviderConnection, default_attempts
from .registry import adapter_class


class ProviderConnectionForm(PricesFieldsMixin, forms.ModelForm):
    api_key = forms.CharField(
        label="API key", required=False, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only: leave blank to keep the stored key.")
    clear_api_key = forms.BooleanField(label="Remove the stored key", required=False)
    password = forms.CharField(
        label="Basic-auth password", required=False, strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="AUTOMATIC1111 --api-auth, with options {\"username\": …}. Stored encrypted; "
                  "write-only: leave blank to keep the stored password.")
    clear_password = forms.BooleanField(label="Remove the stored password", required=False)

    class Meta:
        model = ProviderConnection
        fields = ["kind", "name", "base_url", "api_key", "clear_api_key", "password",
                  "clear_password", "enabled", "enabled_models", "custom_models", "options",
                  "per_image_prices", "advanced_prices", "max_concurrency", "max_attempts"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["max_attempts"].required = False  # blank keeps the default
        if self.instance.api_key_last4:
            self.fields["api_key"].help_text = (
                f"A key ending in …{self.instance.api_key_last4} is stored. " + self.fields["api_key"].help_text)
        elif self.instance.has_key:
            self.fields["api_key"].help_text = "A key is stored. " + self.fields["api_key"].help_text

    def clean_max_attempts(self):
        value = self.cleaned_data.get("max_attempts")
        if value is None:
            return self.instance.max_attempts if self.instance.pk else default_attempts()
        if value < 1:
            raise forms.ValidationError("Attempts must be at least 1 (one call, no retries).",
                                        code="min_attempts")
        return value

    def save(self, commit=True):
        conn = super().save(commit=False)
        if self.cleaned_data.get("clear_api_key"):
            conn.api_key_encrypted, conn.api_key_last4 = "", ""
        elif self.cleaned_data.get("api_key"):
            conn.set_api_key(self.cleaned_data["api_key"])
        if self.cleaned_data.get("clear_password"):
            conn.password_encrypted = ""
        elif self.cleaned_data.get("password"):
            conn.set_password(self.cleaned_data["password"])
        if commit:
            conn.save()
        return conn


@admin.register(ProviderConnection)
class ProviderConnectionAdmin(ConnectionAdminExtras, SchemaModelAdminMixin, admin.ModelAdmin):
    form = ProviderConnectionForm
    list_display = ["name", "kind", "effective_base_url", "key_hint", "enabled", "max_concurrency"]
    list_filter = ["kind", "enabled"]
    search_fields = ["name"]
    actions = ["test_connection", "refresh_models"]
    readonly_fields = ["provider_list"]

    @method_decorator(sensitive_post_parameters("api_key", "password"))  # never in an error report
    def changeform_view(self, request, *args, **kwargs):
        return super().changeform_view(request, *args, **kwargs)

    @admin.display(description="API key")
    def key_hint(self, obj):
        return f"…{obj.api_key_last4}" if obj.api_key_last4 else ("stored" if obj.has_key else "none")

    @admin.action(description="Test connection")
    def test_connection(self, request, queryset):
        for conn in queryset:
            level, text = connection_test(conn)
            self.message_user(request, f"{conn.name}: {text}", level)


    @admin.action(description="Refresh models (read the provider's model list)")
    def refresh_models(self, request, queryset):
        for conn in queryset:
            result = connection_refresh(connection=conn)
            self.message_user(request, f"{conn.name}: {result.message}",
                              messages.SUCCESS if result.ok else messages.WARNING)

    @admin.display(description="Provider's model list")
    def provider_list(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        report = connection_list_report(obj)
        if report is None:
            return "Not read yet: use the “Refresh models” action." if obj.listed_at is None else "—"
        parts = [format_html("<p>Read {}.</p>", obj.listed_at.strftime("%Y-%m-%d %H:%M"))]
        if obj.unavailable_models:
            parts.append(format_html("<p>Refused by the provider since: {}</p>", ", ".join(obj.unavailable_models)))
        if report.missing:
            parts.append(format_html("<p>Catalog models the provider no longer lists: {}</p>",
                                     ", ".join(report.missing)))
        if report.unknown:
            url = reverse("admin:providers_providerconnection_enable_model", args=[obj.pk])
            parts.append(format_html(
                "<p>Image models it lists that the catalog does not know:</p><ul>{}</ul>",
                # The id is the provider's text: encoded, so "&like=…" in it cannot add a field.
                format_html_join("", '<li>{} — <a href="{}?{}">enable with rules like {}</a></li>',
                                 ((m, url, urlencode({"model": m}), similar_model(obj.kind, m) or "?")
                                  for m in report.unknown))))
        if len(parts) == 1:
            parts.append(format_html("<p>{}</p>", "It lists every catalog model, and nothing unknown."))
        return format_html_join("", "{}", ((p,) for p in parts))

    def get_urls(self):
        return [path("<int:pk>/enable-model/", self.admin_site.admin_view(self.enable_model),
                     name="providers_providerconnection_enable_model")] + super().get_urls()

    def enable_model(self, request, pk):
        """Offer a listed-but-unknown model, its rules copied from a model staff pick."""
        conn = get_object_or_404(ProviderConnection, pk=pk)
        model_id = (request.POST.get("model") or request.GET.get("model") or "").strip()
        like = request.POST.get("like") or similar_model(conn.kind, model_id)
        choices = [s.id for s in conn.all_specs()]
        if request.method == "POST":
            try:
                connection_model_enable(connection=conn, model_id=model_id, like=like)
            except (ValueError, forms.ValidationError) as exc:
                self.message_user(request, f"Could not enable {model_id}: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"{model_id} is enabled on {conn.name} with the rules of {like}.")
            return redirect("admin:providers_providerconnection_change", conn.pk)
        return render(request, "admin/providers/enable_model.html",
                      {**self.admin_site.each_context(request), "conn": conn, "model_id": model_id,
                       "like": like, "choices": choices, "title": f"Enable {model_id}"})


class CatalogUploadForm(forms.Form):
    file = forms.FileField(label="Catalog file (JSON)")


@admin.register(CatalogOverride)
class CatalogOverrideAdmin(admin.ModelAdmin):
    """Entries staff loaded from files; delete one to fall back to the shipped entry."""

    list_display = ["kind", "model_id", "source", "imported_by", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["model_id"]
    readonly_fields = ["kind", "model_id", "data", "source", "imported_by", "updated_at"]
    change_list_template = "admin/providers/catalogoverride/change_list.html"

    def has_add_permission(self, request):
        return False  # entries come from an uploaded file, checked as a whole

    def get_urls(self):
        return [path("upload/", self.admin_site.admin_view(self.upload),
                     name="providers_catalogoverride_upload")] + super().get_urls()

    def upload(self, request):
        form = CatalogUploadForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                data = json.loads(upload.read().decode("utf-8"))
                added, updated = catalog_import(data=data, source=upload.name,
                                                user=request.user.get_username())
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                errors = [f"{upload.name} is not valid JSON: {exc}"]
            except CatalogError as exc:
                errors = exc.errors
            else:
                self.message_user(request, f"Imported {upload.name}: {added} added, {updated} updated.")
                return redirect("admin:providers_catalogoverride_changelist")
        return render(request, "admin/providers/catalog_upload.html",
                      {**self.admin_site.each_context(request), "form": form, "errors": errors,
                       "title": "Upload a catalog file"})


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
