"""Reads over provider connections for the rest of the app."""
from __future__ import annotations

from dataclasses import dataclass

from .models import ProviderConnection
from .rules import ModelSpec


@dataclass(frozen=True)
class ModelChoice:
    """One model a member may pick: its rules and the connection it runs on."""

    connection: ProviderConnection
    spec: ModelSpec

    @property
    def key(self) -> str:
        return f"{self.connection.pk}:{self.spec.id}"

    @property
    def label(self) -> str:
        from .lifecycle import picker_suffix

        return (f"{self.spec.label} ({self.spec.id}) — {self.connection.name}"
                + picker_suffix(spec=self.spec, connection=self.connection))


def model_choices() -> list[ModelChoice]:
    """Enabled models of enabled connections, in a stable order."""
    return [ModelChoice(conn, spec)
            for conn in ProviderConnection.objects.filter(enabled=True).order_by("name")
            for spec in conn.specs()]


def model_choice(key: str | None) -> ModelChoice | None:
    """The choice for a "<connection id>:<model id>" key, if members may use it."""
    conn_id, _, model_id = (key or "").partition(":")
    if not (conn_id.isascii() and conn_id.isdecimal() and len(conn_id) <= 18):
        return None
    conn = ProviderConnection.objects.filter(pk=int(conn_id), enabled=True).first()
    spec = conn.spec(model_id) if conn else None
    return ModelChoice(conn, spec) if spec else None


def model_key_redirect(initial: dict | None) -> tuple[dict | None, str]:
    """Compose values with a shut-down model swapped for its replacement, and the note saying so."""
    from .lifecycle import lifecycle_redirect

    redirect = lifecycle_redirect(key=(initial or {}).get("model"))
    if redirect is None:
        return initial, ""
    initial = dict(initial)
    if redirect.key:
        initial["model"] = redirect.key
    else:
        initial.pop("model", None)
    return initial, redirect.note
