"""Model lifecycle policy: which models may be used today, and what replaces the rest.

The one place the web form, the API and MCP ask. Dates are compared with
``timezone.localdate()`` at the moment of asking, never with a constant: a
deprecated model whose shutdown date has come counts as shut down that day,
and an active one with a shutdown date ahead counts as deprecated.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from .registry import KINDS
from .rules import ModelSpec

RETIRING_WITHIN_DAYS = 30
MAX_REPLACEMENT_HOPS = 5  # dall-e-3 → gpt-image-1 → … never loops forever


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def model_state(*, spec: ModelSpec, today: date | None = None) -> str:
    """active, deprecated, shutdown, legacy or unknown, as of ``today``."""
    today = _today(today)
    if spec.status == "shutdown" or (spec.shutdown_date and spec.shutdown_date <= today):
        return "shutdown"
    if spec.shutdown_date and spec.status == "active":
        return "deprecated"
    return spec.status


def _listed_shutdown(connection, model_id: str) -> date | None:
    for item in connection.listed_models or []:
        if isinstance(item, dict) and item.get("id") == model_id and item.get("shutdown_date"):
            try:
                return date.fromisoformat(item["shutdown_date"])
            except (TypeError, ValueError):
                return None
    return None


def model_usable(*, spec: ModelSpec, connection=None, today: date | None = None) -> bool:
    """Whether members may pick this model (on this connection) today."""
    today = _today(today)
    if model_state(spec=spec, today=today) == "shutdown":
        return False
    if connection is not None:
        if spec.id in (connection.unavailable_models or {}):
            return False
        listed = _listed_shutdown(connection, spec.id)
        if listed and listed <= today:
            return False
    return True


def model_retires_on(*, spec: ModelSpec, connection=None, today: date | None = None) -> date | None:
    """The coming shutdown date of a model still usable, from the catalog or the provider's list."""
    today = _today(today)
    dates = [d for d in (spec.shutdown_date,
                         _listed_shutdown(connection, spec.id) if connection else None)
             if d and d > today]
    return min(dates) if dates else None


def picker_suffix(*, spec: ModelSpec, connection=None, today: date | None = None) -> str:
    """What the model picker adds after a model's name: " — retires on 2027-01-15"."""
    retires = model_retires_on(spec=spec, connection=connection, today=today)
    if retires:
        return f" — retires on {retires.isoformat()}"
    state = model_state(spec=spec, today=today)
    return {"legacy": " — legacy", "unknown": ""}.get(state, "")


# --- redirecting old references ----------------------------------------------------

@dataclass(frozen=True)
class Redirect:
    key: str | None  # the "<connection id>:<model id>" to select instead; None if none fits
    note: str


def _shutdown_sentence(spec: ModelSpec, kind: str, connection) -> str:
    provider = KINDS[kind].label if kind in KINDS else kind
    if spec.id in (connection.unavailable_models or {}):
        return f"{spec.label} is no longer available from {provider}"
    when = spec.shutdown_date or _listed_shutdown(connection, spec.id)
    return f"{spec.label} was shut down by {provider}" + (f" on {when.isoformat()}" if when else "")


def lifecycle_redirect(*, key: str | None, today: date | None = None) -> Redirect | None:
    """For a model key naming a model that cannot be used any more, the one to use instead.

    None when the key is fine (or names nothing we know: other code says so).
    """
    from .models import ProviderConnection

    conn_id, _, model_id = (key or "").partition(":")
    if not (conn_id.isascii() and conn_id.isdecimal() and len(conn_id) <= 18):
        return None
    conn = ProviderConnection.objects.filter(pk=int(conn_id)).first()
    if conn is None:
        return None
    known = {s.id: s for s in conn.all_specs()}
    old = known.get(model_id)
    if old is None or model_usable(spec=old, connection=conn, today=today):
        return None
    sentence = _shutdown_sentence(old, conn.kind, conn)
    candidates = ProviderConnection.objects.filter(enabled=True, kind=conn.kind).order_by("name")
    ordered = ([conn] if conn.enabled else []) + [c for c in candidates if c.pk != conn.pk]
    step, seen = old, {old.id}
    for _ in range(MAX_REPLACEMENT_HOPS):
        if not step.replacement or step.replacement in seen:
            break
        seen.add(step.replacement)
        for candidate in ordered:
            spec = candidate.spec(step.replacement)
            if spec is not None:
                return Redirect(f"{candidate.pk}:{spec.id}",
                                f"{sentence}; {spec.label} is selected instead.")
        step = known.get(step.replacement)
        if step is None:
            break
    return Redirect(None, f"{sentence}; pick another model.")


# --- keeping the catalog honest ---------------------------------------------------

def connection_model_unavailable(*, connection, model_id: str, reason: str) -> None:
    """The provider said this model does not exist or was shut down: stop offering it
    on this connection until the next refresh of its model list."""
    from .models import ProviderConnection

    current = dict(ProviderConnection.objects.get(pk=connection.pk).unavailable_models or {})
    current[model_id] = reason[:500]
    ProviderConnection.objects.filter(pk=connection.pk).update(unavailable_models=current)
    connection.unavailable_models = current


@dataclass(frozen=True)
class Retiring:
    what: str  # "Connection", "Saved prompt", "Template"
    name: str
    model: str  # the model's label
    retires_on: date


def models_retiring_soon(*, days: int = RETIRING_WITHIN_DAYS,
                         today: date | None = None) -> list[Retiring]:
    """Connections, templates and saved prompts that use a model retiring within ``days``."""
    from .models import ProviderConnection

    today = _today(today)
    horizon = today + timedelta(days=days)
    out: list[Retiring] = []
    soon: dict[str, tuple[str, date]] = {}  # model key → (label, date)
    for conn in ProviderConnection.objects.filter(enabled=True):
        for spec in conn.specs():
            when = model_retires_on(spec=spec, connection=conn, today=today)
            if when and when <= horizon:
                soon[f"{conn.pk}:{spec.id}"] = (spec.label, when)
                out.append(Retiring("Connection", conn.name, spec.label, when))
    out += _uses_in_prompts(soon)
    return sorted(out, key=lambda r: (r.retires_on, r.what, r.name))


def _uses_in_prompts(soon: dict[str, tuple[str, date]]) -> list[Retiring]:
    from django.apps import apps

    out = []
    for what, model_name, name_field in (("Saved prompt", "SavedPrompt", "name"),
                                         ("Template", "PromptTemplate", "name")):
        try:
            model = apps.get_model("gallery", model_name)
        except LookupError:
            continue
        if not any(f.name == "params" for f in model._meta.get_fields()):
            continue  # templates carry no model today
        for row in model.objects.only(name_field, "params"):
            key = (row.params or {}).get("model") if isinstance(row.params, dict) else None
            if key in soon:
                out.append(Retiring(what, getattr(row, name_field), *soon[key]))
    return out
