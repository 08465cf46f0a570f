"""Staff's catalog changes: loaded from a file, kept in the database, merged over the shipped data.

``catalog_import`` checks a whole file first and stores nothing if any entry
is wrong, so a half-applied file cannot happen. ``current_models`` is what
connections offer: the shipped entries with every override applied.
"""
from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from ..registry import KINDS
from ..rules import ModelSpec
from . import build_spec, rules_of, shipped_file
from .schema import CatalogError, entry_errors, file_errors

log = logging.getLogger(__name__)

# Built specs, keyed by the override rows they came from: every process reads
# the rows each time (one small query), so an import shows everywhere at once.
_cache: dict[tuple, tuple[ModelSpec, ...]] = {}


def cache_clear() -> None:
    _cache.clear()


def _override_rows(kind: str) -> list[tuple[int, Any, dict]]:
    from ..models import CatalogOverride

    return list(CatalogOverride.objects.filter(kind=kind).order_by("pk")
                .values_list("pk", "updated_at", "data"))


def _overrides(kind: str) -> list[dict]:
    return [data for _, _, data in _override_rows(kind)]


def merge_entry(base: dict, data: dict) -> dict:
    """``data`` over ``base``; ``params`` merge by name, so an override may change one parameter."""
    merged = {**base, **data}
    if isinstance(base.get("params"), dict) and isinstance(data.get("params"), dict):
        merged["params"] = {**base["params"], **data["params"]}
    return merged


def merged_entries(kind: str, overrides: list[dict] | None = None) -> list[dict]:
    """The kind's entries, shipped order first, each override applied over its id."""
    entries = {e["id"]: e for e in shipped_file(kind)["models"]}
    for data in _overrides(kind) if overrides is None else overrides:
        base = entries.get(data["id"], {})
        if data.get("extends") in entries:
            base = {**rules_of(entries[data["extends"]]), **base}
        entries[data["id"]] = merge_entry(base, data)
    return list(entries.values())


def current_models(kind: str) -> tuple[ModelSpec, ...]:
    """Shipped models with staff overrides applied: what connections offer."""
    rows = _override_rows(kind)
    key = (kind, tuple((pk, updated) for pk, updated, _ in rows))
    if key in _cache:
        return _cache[key]
    specs = []
    for entry in merged_entries(kind, [data for _, _, data in rows]):
        try:
            specs.append(build_spec(entry, kind))
        except CatalogError as exc:  # checked at import; a hand-edited row is skipped, loudly
            log.error("Catalog override skipped: %s", exc)
    if len(_cache) > 64:
        _cache.clear()
    _cache[key] = tuple(specs)
    return _cache[key]


def import_errors(data: Any) -> list[str]:
    """Every problem with an uploaded file, each naming entry and field; empty when it may load."""
    from ..models import CatalogOverride

    known = {kind: {e["id"] for e in shipped_file(kind)["models"]} for kind in KINDS}
    for kind, model_id in CatalogOverride.objects.values_list("kind", "model_id"):
        known.setdefault(kind, set()).add(model_id)
    errors = file_errors(data, known=known, kinds=set(KINDS))
    if errors:
        return errors
    # Each entry as it will be used (merged over what it overrides) must be whole.
    for block in data if isinstance(data, list) else [data]:
        kind = block["kind"]
        current = {o.model_id: o.data for o in CatalogOverride.objects.filter(kind=kind)}
        for entry in block.get("models", []):
            current[entry["id"]] = merge_entry(current.get(entry["id"], {}), entry)
        for merged in merged_entries(kind, list(current.values())):
            problems = entry_errors(merged)
            try:
                if not problems:
                    ModelSpec.from_dict(merged, kind=kind)
            except (KeyError, TypeError, ValueError) as exc:
                problems = [str(exc)]
            errors += [f"{kind}/{merged['id']}: {p}" for p in problems]
    return errors


def catalog_import(*, data: Any, source: str = "", user: str = "") -> tuple[int, int]:
    """Store every entry of a checked file; (added, updated). Raises CatalogError, storing nothing."""
    from ..models import CatalogOverride

    errors = import_errors(data)
    if errors:
        raise CatalogError(errors, source=source)
    added = updated = 0
    with transaction.atomic():
        for block in data if isinstance(data, list) else [data]:
            for entry in block.get("models", []):
                row = CatalogOverride.objects.filter(kind=block["kind"], model_id=entry["id"]).first()
                if row is None:
                    CatalogOverride.objects.create(kind=block["kind"], model_id=entry["id"],
                                                   data=entry, source=source[:200], imported_by=user)
                    added += 1
                else:
                    row.data, row.source, row.imported_by = merge_entry(row.data, entry), source[:200], user
                    row.save()
                    updated += 1
    cache_clear()
    return added, updated


def catalog_export(kinds: list[str] | None = None) -> list[dict]:
    """The catalog as it is used now (shipped plus overrides), in the import file format."""
    out = []
    for kind in kinds or list(KINDS):
        block = {"kind": kind, "models": merged_entries(kind)}
        if shipped_file(kind)["template"]:
            block["template"] = shipped_file(kind)["template"]
        out.append(block)
    return out
