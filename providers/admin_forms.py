"""Staff-friendly connection editing: enabled models from a checklist, custom models through a
validated form (never raw JSON), and a connection test (or a missing-key warning) on every save.

``ConnectionAdminExtras`` is mixed into the connection's ModelAdmin in providers/admin.py.
"""
from __future__ import annotations

import json
import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from .models import ProviderConnection
from .registry import KINDS
from .rules import ModelSpec

SIZE = re.compile(r"^(\d+x\d+|auto)$")
RATIO = re.compile(r"^\d+(\.\d+)?:\d+(\.\d+)?$")


class ModelChecklistField(forms.MultipleChoiceField):
    """Ticked model ids. Also takes the older JSON list ("[]", '["a", "b"]') scripts may post."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value):
        if isinstance(value, (list, tuple)) and len(value) == 1 and str(value[0]).startswith("["):
            value = value[0]
        if isinstance(value, str) and value.startswith("["):
            try:
                value = json.loads(value)
            except ValueError:
                raise forms.ValidationError("Tick the models members may use.", code="invalid_list") from None
        return super().to_python(value)


def _checklist_for(conn: ProviderConnection | None, initial: list[str]) -> ModelChecklistField:
    specs = conn.all_specs() if conn is not None and conn.kind in KINDS else []
    field = ModelChecklistField(
        label="Enabled models", required=False,
        choices=[(s.id, f"{s.label} ({s.id})" if s.label != s.id else s.id) for s in specs],
        help_text="Members may use the ticked models. None ticked means every model of this connection."
                  if specs else "Save the connection first; its models are listed here to tick.")
    field.initial = initial
    return field


class CustomModelForm(forms.Form):
    """One extra model and its rules, checked the way the catalog's own models are."""

    id = forms.SlugField(label="Model id", max_length=200, allow_unicode=False,
                         help_text="As the provider names it, e.g. flux-dev or my-checkpoint.")
    label = forms.CharField(label="Label", max_length=200, required=False, help_text="Shown to members.")
    size_type = forms.ChoiceField(label="Size rule", choices=[
        ("range", "Any width and height in a range"), ("list", "A list of sizes"), ("aspect", "Aspect ratios")])
    size_min = forms.IntegerField(label="Smallest side", required=False, min_value=1)
    size_max = forms.IntegerField(label="Largest side", required=False, min_value=1)
    size_multiple = forms.IntegerField(label="Multiple of", required=False, min_value=1, initial=8)
    sizes = forms.CharField(label="Sizes or ratios", required=False,
                            help_text="Comma-separated: 1024x1024, 1536x1024 (or auto); ratios 1:1, 16:9.")
    max_n = forms.IntegerField(label="Images per request", min_value=1, max_value=16, initial=1)
    price = forms.DecimalField(label="Price per image (USD)", required=False, min_value=0, decimal_places=6)
    latency_s = forms.FloatField(label="Typical seconds", min_value=0, initial=10)
    needs_image = forms.BooleanField(label="Edits an uploaded image", required=False)
    notes = forms.CharField(label="Notes", required=False, max_length=500)

    def clean(self):
        c = super().clean()
        kind = c.get("size_type")
        items = [s.strip() for s in (c.get("sizes") or "").split(",") if s.strip()]
        if kind == "range":
            if c.get("size_min") is None or c.get("size_max") is None:
                raise forms.ValidationError("A range needs its smallest and largest side.", code="range")
            if c["size_min"] > c["size_max"]:
                raise forms.ValidationError("The smallest side must not be larger than the largest.", code="range")
            size = {"type": "range", "min": c["size_min"], "max": c["size_max"], "multiple": c.get("size_multiple") or 1}
        elif kind == "list":
            if not self._items_match(items, SIZE, "Write sizes as WIDTHxHEIGHT (or auto), e.g. "
                                     "1024x1024.", "Not a size", "sizes"):
                return c
            size = {"type": "list", "sizes": items}
        else:
            if not self._items_match(items, RATIO, "Write ratios as W:H, e.g. 1:1, 16:9.",
                                     "Not a ratio", "ratios"):
                return c
            size = {"type": "aspect", "ratios": items}
        data = {"id": c.get("id"), "label": c.get("label") or c.get("id"), "size": size,
                "max_n": c.get("max_n") or 1, "latency_s": c.get("latency_s") or 10,
                "needs_image": bool(c.get("needs_image")), "notes": c.get("notes") or ""}
        if c.get("price") is not None:
            data["price"] = str(c["price"])
        try:
            ModelSpec.from_dict(data)
        except (ValueError, TypeError, KeyError) as exc:
            raise forms.ValidationError(f"The catalog would refuse this model: {exc}", code="spec") from None
        c["model"] = data
        return c

    def _items_match(self, items: list[str], pattern, rule: str, naming: str, code: str) -> bool:
        """Whether every item of the sizes field matches; if not, the field says which do not."""
        bad = [s for s in items if not pattern.match(s)]
        if items and not bad:
            return True
        self.add_error("sizes", forms.ValidationError(
            rule + (f" {naming}: {', '.join(bad)}." if bad else ""), code=code))
        return False


def connection_save_notice(conn: ProviderConnection) -> tuple[int, str]:
    """What staff should know right after saving: a missing key its kind needs, or the test's answer."""
    from .admin import connection_test  # the admin module imports this one

    kind = KINDS.get(conn.kind)
    if kind and kind.needs_key and not conn.has_key:
        return messages.WARNING, (f"Saved without an API key, and {kind.label} needs one: "
                                  "members' jobs on it will fail until a key is added.")
    if not conn.enabled:
        return messages.INFO, "Saved. The connection is switched off, so it was not tested."
    level, text = connection_test(conn)
    return level, f"Connection test: {text}"


class ConnectionAdminExtras:
    """Mixed into the connection's ModelAdmin (first, before admin.ModelAdmin)."""

    change_form_template = "admin/providers/connection_change_form.html"

    def get_fields(self, request, obj=None):
        return [f for f in super().get_fields(request, obj) if f != "custom_models"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class WithChecklist(form_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                if "enabled_models" in self.fields:
                    self.fields["enabled_models"] = _checklist_for(obj, list(getattr(obj, "enabled_models", []) or []))

        return WithChecklist

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        level, text = connection_save_notice(obj)
        self.message_user(request, text, level)

    def get_urls(self):
        extra = [path("<int:pk>/custom-models/", self.admin_site.admin_view(self.custom_models_view),
                      name="providers_providerconnection_custom_models")]
        return extra + super().get_urls()

    def custom_models_view(self, request, pk: int):
        conn = get_object_or_404(ProviderConnection, pk=pk)
        if not self.has_change_permission(request, conn):
            raise PermissionDenied
        form = CustomModelForm(request.POST or None)
        if request.method == "POST" and "remove" in request.POST:
            conn.custom_models = [m for m in conn.custom_models or [] if m.get("id") != request.POST["remove"]]
            conn.save(update_fields=["custom_models", "updated_at"])
            self.message_user(request, f"Removed {request.POST['remove']}.", messages.SUCCESS)
            return redirect(request.path)
        if request.method == "POST" and form.is_valid():
            model = form.cleaned_data["model"]
            conn.custom_models = [m for m in conn.custom_models or [] if m.get("id") != model["id"]] + [model]
            conn.save(update_fields=["custom_models", "updated_at"])
            self.message_user(request, f"Saved the custom model {model['id']}.", messages.SUCCESS)
            return redirect(request.path)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "conn": conn, "form": form,
                   "title": f"Custom models of {conn.name}", "models": conn.custom_models or [],
                   "change_url": reverse("admin:providers_providerconnection_change", args=[conn.pk])}
        return TemplateResponse(request, "admin/providers/custom_models.html", context)


# Keep the name importable for providers/admin.py's one-line hook.
__all__ = ["ConnectionAdminExtras", "CustomModelForm", "connection_save_notice", "admin"]
