"""Learning from the provider which models exist: refresh, compare with the catalog, enable.

OpenAI and the gateways that copy it list their models at ``GET /v1/models``
(OpenAI's entries carry ``shutdown_date``, YYYY-MM-DD or null). The list has
no capability flags, so image models are recognised by id prefix, or by
matching a catalog entry of the connection's kind; OpenRouter's list
(``?output_modalities=image``) holds image models only. A1111 and ComfyUI list
their checkpoints, which become the connection's models. A daily django-q
schedule refreshes every enabled connection.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

from django.utils import timezone

from .base import ProviderError
from .catalog import rules_of
from .catalog.overrides import current_models, merged_entries
from .crypto import UndecryptableKey
from .registry import KINDS, adapter_class

log = logging.getLogger(__name__)

IMAGE_PREFIXES = ("gpt-image-", "chatgpt-image-", "dall-e-")
LISTING_KINDS = ("openai", "apiyi", "apipie", "aigc", "openai-compatible", "openrouter")
# Kinds whose list holds image models only (OpenRouter's ?output_modalities=image).
IMAGE_ONLY_LISTS = ("openrouter",)
SCHEDULE_NAME = "Refresh provider model lists"
SCHEDULE_FUNC = "providers.discovery.connections_refresh"


@dataclass
class RefreshResult:
    ok: bool
    message: str
    listed: list[str] = field(default_factory=list)


def is_image_model(kind: str, model_id: str) -> bool:
    if kind in IMAGE_ONLY_LISTS:
        return True
    return model_id.startswith(IMAGE_PREFIXES) or any(s.id == model_id for s in current_models(kind))


def connection_refresh(*, connection) -> RefreshResult:
    """Read the provider's model list into the connection; clears "unavailable" marks."""
    kind = KINDS[connection.kind]
    if not kind.discovers_models and connection.kind not in LISTING_KINDS:
        return RefreshResult(False, "This provider publishes no model list: its models come "
                                    "from the catalog.")
    try:
        adapter = adapter_class(connection.kind)(connection.as_connection())
        if kind.discovers_models:
            found = adapter.list_models()
        else:
            found = [m for m in adapter.listed_models() if is_image_model(connection.kind, m["id"])]
    except (ProviderError, UndecryptableKey) as exc:
        return RefreshResult(False, getattr(exc, "message", str(exc)))
    connection.listed_at = timezone.now()
    connection.unavailable_models = {}
    fields = ["listed_at", "unavailable_models", "updated_at"]
    if kind.discovers_models:
        connection.discovered_models = found
        fields.append("discovered_models")
        ids = list(found)
    else:
        connection.listed_models = found
        fields.append("listed_models")
        ids = [m["id"] for m in found]
    connection.save(update_fields=fields)
    noun = "model" if len(ids) == 1 else "models"
    if kind.discovers_models:
        return RefreshResult(True, f"found {len(ids)} {noun} on the server.", ids)
    return RefreshResult(True, f"The provider lists {len(ids)} image {noun}.", ids)


def connections_refresh() -> int:
    """The daily task: refresh every enabled connection that has a list; returns how many worked."""
    from .models import ProviderConnection

    done = 0
    for conn in ProviderConnection.objects.filter(enabled=True):
        if conn.kind not in LISTING_KINDS and not KINDS[conn.kind].discovers_models:
            continue
        result = connection_refresh(connection=conn)
        if result.ok:
            done += 1
        else:
            log.warning("Model refresh of %s failed: %s", conn.name, result.message)
    return done


@dataclass(frozen=True)
class ListReport:
    missing: list[str]  # catalog models (usable ones) the provider no longer lists
    unknown: list[str]  # image models it lists that the catalog does not know


def connection_list_report(connection) -> ListReport | None:
    """How the provider's last list compares with the catalog; None before any refresh."""
    if connection.listed_at is None or connection.kind not in LISTING_KINDS:
        return None
    from .lifecycle import model_state

    listed = [m["id"] for m in connection.listed_models or [] if isinstance(m, dict)]
    known = {s.id for s in connection.all_specs()}
    missing = [s.id for s in current_models(connection.kind)
               if s.id not in listed and model_state(spec=s) != "shutdown"]
    return ListReport(missing=missing, unknown=[m for m in listed if m not in known])


def similar_model(kind: str, model_id: str) -> str | None:
    """The catalog model whose id shares the longest start with ``model_id`` (its family)."""
    from .lifecycle import model_state

    best, best_len = None, 0
    for spec in current_models(kind):
        if model_state(spec=spec) == "shutdown":
            continue
        common = len(os.path.commonprefix([spec.id, model_id]))
        if common > best_len:
            best, best_len = spec.id, common
    return best


def connection_model_enable(*, connection, model_id: str, like: str) -> dict:
    """Offer a model the catalog does not know on this connection, with ``like``'s rules."""
    entries = {e["id"]: e for e in merged_entries(connection.kind)}
    entries.update({e["id"]: e for e in connection.custom_models or [] if isinstance(e, dict)})
    if like not in entries:
        raise ValueError(f"{like} is not a {connection.kind} model")
    entry = {**rules_of(entries[like]), "id": model_id, "label": model_id, "status": "unknown",
             "notes": f"Listed by the provider; rules copied from {like} by staff."}
    connection.custom_models = [e for e in connection.custom_models or []
                                if not (isinstance(e, dict) and e.get("id") == model_id)] + [entry]
    if connection.enabled_models and model_id not in connection.enabled_models:
        connection.enabled_models = [*connection.enabled_models, model_id]
    connection.full_clean(validate_unique=False)
    connection.save(update_fields=["custom_models", "enabled_models", "updated_at"])
    return entry


def refresh_schedule_ensure(**_) -> None:
    """Create the daily refresh schedule once (post_migrate); never a second copy."""
    from django.db import DatabaseError

    try:
        from django_q.models import Schedule

        Schedule.objects.get_or_create(
            name=SCHEDULE_NAME,
            defaults={"func": SCHEDULE_FUNC, "schedule_type": Schedule.DAILY, "repeats": -1})
    except (DatabaseError, LookupError, ImportError):  # django_q not migrated yet
        log.info("Model refresh schedule not created yet: django_q tables are missing")
