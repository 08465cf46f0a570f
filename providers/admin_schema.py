"""The admin page where staff add a fal or Replicate model by its id (its form follows its schema)."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html

from .base import ProviderError
from .schema_models import SCHEMA_KINDS, connection_schema_model_add


class SchemaModelAdminMixin:
    """Adds the “Add a model by id” page and a link to it on fal and Replicate connections."""

    def get_urls(self):
        return [path("<int:pk>/add-model/", self.admin_site.admin_view(self.add_schema_model),
                     name="providers_providerconnection_add_schema_model")] + super().get_urls()

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields + ["schema_models"] if obj is not None and obj.kind in SCHEMA_KINDS else fields

    def schema_models(self, obj):
        url = reverse("admin:providers_providerconnection_add_schema_model", args=[obj.pk])
        return format_html('<a href="{}">Add a model by its id</a>: its fields are read from the '
                           "schema the provider publishes.", url)
    schema_models.short_description = "More models"

    def add_schema_model(self, request, pk):
        from .models import ProviderConnection

        conn = get_object_or_404(ProviderConnection, pk=pk)
        model_id = (request.POST.get("model") or "").strip()
        if request.method == "POST":
            try:
                entry = connection_schema_model_add(connection=conn, model_id=model_id)
            except (ValueError, ValidationError, ProviderError) as exc:
                self.message_user(request, f"Could not add {model_id}: "
                                           f"{getattr(exc, 'message', None) or exc}", messages.ERROR)
            else:
                self.message_user(request, f"Added {model_id} to {conn.name} with "
                                           f"{len(entry['params'])} fields from its schema. It has "
                                           "no price yet: set one under Prices.")
                return redirect("admin:providers_providerconnection_change", conn.pk)
        return render(request, "admin/providers/add_schema_model.html",
                      {**self.admin_site.each_context(request), "conn": conn, "model_id": model_id,
                       "title": f"Add a model to {conn.name}"})
