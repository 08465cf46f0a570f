"""Staff add a marketplace model (fal, Replicate) by its id; its form follows its schema.

``connection_schema_model_add`` asks the provider for the model's input
schema, turns it into a catalog entry (``schema_params``), and stores the
entry in the connection's ``custom_models`` and the model's wire map in its
``options["wire"]``, as ``discovery.connection_model_enable`` stores a listed
model. Adding the same id again refreshes it from the newest schema.
"""
from __future__ import annotations

import re

from .schema_params import entry_from_schema

SCHEMA_KINDS = ("fal", "replicate")
# owner/name, with fal's sub-paths (fal-ai/flux-2-pro/edit): the id goes into URL paths.
MODEL_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)+$")


def connection_schema_model_add(*, connection, model_id: str) -> dict:
    """The entry added for ``model_id``; ProviderError when its schema cannot be had."""
    from .registry import adapter_class

    model_id = model_id.strip()
    if connection.kind not in SCHEMA_KINDS:
        raise ValueError(f"{connection.get_kind_display()} publishes no model schemas")
    if not MODEL_ID.match(model_id) or ".." in model_id:
        raise ValueError("A model id looks like owner/name (Replicate) or fal-ai/model (fal)")
    adapter = adapter_class(connection.kind)(connection.as_connection())
    schema, components, about = adapter.model_schema(model_id)
    entry, wire = entry_from_schema(
        model_id, schema, components, label=about.get("label") or model_id,
        notes=(about.get("notes") + " " if about.get("notes") else "")
        + "Added by staff; its fields were read from the provider's schema.")
    connection.custom_models = [e for e in connection.custom_models or []
                                if not (isinstance(e, dict) and e.get("id") == model_id)] + [entry]
    options = dict(connection.options or {})
    options["wire"] = {**(options.get("wire") if isinstance(options.get("wire"), dict) else {}),
                       model_id: wire}
    connection.options = options
    if connection.enabled_models and model_id not in connection.enabled_models:
        connection.enabled_models = [*connection.enabled_models, model_id]
    connection.full_clean(validate_unique=False)
    connection.save(update_fields=["custom_models", "options", "enabled_models", "updated_at"])
    return entry
