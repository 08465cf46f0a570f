"""The model catalog: every built-in model's rules and lifecycle, as data.

Each connection kind has one JSON file in ``data/`` (see ``schema`` for its
fields): ``models``, the built-in models, and for kinds whose models come from
the server itself (A1111, ComfyUI) a ``template``, the rules applied to each
model the server lists. A file that breaks the schema raises ``CatalogError``
naming the entry and field; the app's system check runs this at start-up, so
a broken file stops the studio instead of reading as "no models".

Staff changes (``manage.py catalog import``, the admin upload) live in the
database and are merged over these files by ``overrides.current_models``;
the shipped files are never edited in place.
"""
from __future__ import annotations

import json
from dataclasses import replace
from functools import cache
from pathlib import Path

from ..registry import KINDS
from ..rules import ModelSpec
from .schema import LIFECYCLE_KEYS, CatalogError, file_errors

DATA_DIR = Path(__file__).resolve().parent / "data"


def data_path(kind: str) -> Path:
    return DATA_DIR / f"{kind}.json"


@cache
def shipped_file(kind: str) -> dict:
    """The checked contents of one kind's shipped file, ``extends`` resolved."""
    path = data_path(kind)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError([f"{kind}: no catalog file"], source=str(path)) from None
    except json.JSONDecodeError as exc:
        raise CatalogError([f"{kind}: not valid JSON ({exc})"], source=str(path)) from None
    errors = file_errors(data, kinds={kind})
    if errors:
        raise CatalogError(errors, source=str(path))
    return {"kind": kind, "about": data.get("about", ""), "template": data.get("template"),
            "models": resolve_entries(data.get("models", []))}


def resolve_entries(entries: list[dict], base: dict[str, dict] | None = None) -> list[dict]:
    """Entries with ``extends`` filled in from the entry they name (here or in ``base``)."""
    by_id = dict(base or {})
    out = []
    for entry in entries:
        parent = entry.get("extends")
        if parent:
            entry = {**rules_of(by_id[parent]), **entry}
        by_id[entry["id"]] = entry
        out.append(entry)
    return out


def rules_of(entry: dict) -> dict:
    """What ``extends`` copies: the rules, never the identity or the lifecycle."""
    return {k: v for k, v in entry.items()
            if k not in LIFECYCLE_KEYS and k not in ("id", "label", "extends", "notes")}


def build_spec(entry: dict, kind: str) -> ModelSpec:
    try:
        return ModelSpec.from_dict(entry, kind=kind)
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogError([f"{kind}/{entry.get('id', '?')}: {exc}"]) from None


@cache
def models_for(kind: str) -> tuple[ModelSpec, ...]:
    """The shipped models of a connection kind, in catalog order, shut-down ones included."""
    return tuple(build_spec(d, kind) for d in shipped_file(kind)["models"])


@cache
def template_for(kind: str) -> ModelSpec | None:
    """Rules for models a server lists itself (A1111 checkpoints), if the kind has them."""
    template = shipped_file(kind)["template"]
    return build_spec(template, kind) if template else None


def spec_for(kind: str, model_id: str) -> ModelSpec | None:
    for spec in models_for(kind):
        if spec.id == model_id:
            return spec
    template = template_for(kind)
    if template is not None:
        return replace(template, id=model_id, label=model_id)
    return None


def all_models() -> list[ModelSpec]:
    return [spec for kind in KINDS for spec in models_for(kind)]


def catalog_errors() -> list[str]:
    """Every problem in the shipped files, for the start-up check; empty when sound."""
    out = []
    for kind in KINDS:
        try:
            models_for(kind)
            template_for(kind)
        except CatalogError as exc:
            out.append(str(exc))
    return out


__all__ = ["CatalogError", "all_models", "catalog_errors", "models_for", "spec_for",
           "template_for"]
