"""Manage provider connections from the shell: add, list, test, set-key, refresh.

An API key is read from standard input (a prompt on a terminal), never from
the command line, where it would land in shell history and `ps` output.
"""
from __future__ import annotations

import getpass
import sys

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from providers.admin import connection_test
from providers.base import redact
from providers.crypto import UndecryptableKey
from providers.discovery import connection_list_report, connection_refresh
from providers.models import ProviderConnection
from providers.registry import KINDS


def key_hint(conn: ProviderConnection) -> str:
    if conn.api_key_last4:
        return f"…{conn.api_key_last4}"
    return "stored" if conn.has_key else "none"


def parse_options(pairs: list[str]) -> dict[str, str]:
    options = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CommandError(f"--option takes key=value, not {pair!r}")
        options[name.strip()] = value
    return options


class Command(BaseCommand):
    help = "Add, list and test provider connections; the API key is read from standard input."
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        add = actions.add_parser("add", help="Add a connection (API key from standard input).")
        add.add_argument("kind", help=f"One of: {', '.join(KINDS)}.")
        add.add_argument("--name", required=True, help="Shown to members beside each model.")
        add.add_argument("--base-url", default="", help="Blank uses the kind's default.")
        add.add_argument("--disabled", action="store_true", help="Add it switched off.")
        add.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                         help="A kind-specific setting; may be repeated.")

        actions.add_parser("list", help="List connections (never their keys).")
        for action, text in [("test", "Make the provider's cheapest real call."),
                             ("set-key", "Replace the API key (from standard input)."),
                             ("refresh", "Read the provider's model list (OpenAI-compatible, "
                                         "A1111, ComfyUI).")]:
            actions.add_parser(action, help=text).add_argument("name")

    def handle(self, *args, action, **options):
        self.stdin = options.get("stdin") or sys.stdin
        return {"add": self.add, "list": self.list_all, "test": self.test,
                "set-key": self.set_key, "refresh": self.refresh}[action](**options)

    # --- subcommands ----------------------------------------------------------

    def add(self, *, kind, name, base_url, disabled, option, **_):
        if kind not in KINDS:
            raise CommandError(f"Unknown kind {kind!r}. Kinds: "
                               + ", ".join(f"{k} ({v.label})" for k, v in KINDS.items()))
        if ProviderConnection.objects.filter(name=name).exists():
            raise CommandError(f"A connection named {name!r} already exists; pick another name "
                               "or use `provider set-key` to change its key.")
        conn = ProviderConnection(kind=kind, name=name, base_url=base_url, enabled=not disabled,
                                  options=parse_options(option))
        self._validate(conn)
        conn.set_api_key(self.read_key(kind))
        conn.save()
        self.stdout.write(self.style.SUCCESS(
            f"Added connection {conn.name} ({conn.kind}), {self._key_phrase(conn)}"))

    def list_all(self, **_):
        rows = [("NAME", "KIND", "BASE URL", "ENABLED", "KEY", "MODELS")]
        for conn in ProviderConnection.objects.all():
            rows.append((conn.name, conn.kind, conn.effective_base_url or "-",
                         "yes" if conn.enabled else "no", key_hint(conn), self._model_count(conn)))
        if len(rows) == 1:
            self.stdout.write("No provider connections yet: add one with `provider add KIND --name NAME`.")
            return
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())

    def test(self, *, name, **_):
        conn = self._get(name)
        level, text = connection_test(conn)
        text = self._redact(conn, text)
        if level == messages.ERROR:
            raise CommandError(f"{conn.name}: {text}")
        style = self.style.SUCCESS if level == messages.SUCCESS else self.style.WARNING
        self.stdout.write(style(f"{conn.name}: ok: {text}" if level == messages.SUCCESS
                                else f"{conn.name}: {text}"))

    def set_key(self, *, name, **_):
        conn = self._get(name)
        conn.set_api_key(self.read_key(conn.kind))
        conn.save(update_fields=["api_key_encrypted", "api_key_last4", "updated_at"])
        self.stdout.write(self.style.SUCCESS(f"Updated connection {conn.name}: {self._key_phrase(conn)}"))

    def refresh(self, *, name, **_):
        conn = self._get(name)
        result = connection_refresh(connection=conn)
        if not result.ok:
            raise CommandError(f"{conn.name}: {self._redact(conn, result.message)}")
        self.stdout.write(self.style.SUCCESS(f"{conn.name}: {result.message}"))
        report = connection_list_report(conn)
        if report and report.missing:
            self.stdout.write(f"  No longer listed by the provider: {', '.join(report.missing)}")
        if report and report.unknown:
            self.stdout.write(f"  Listed but not in the catalog: {', '.join(report.unknown)}")

    # --- helpers --------------------------------------------------------------

    def read_key(self, kind: str) -> str:
        needs_key = KINDS[kind].needs_key
        if self.stdin.isatty():
            key = getpass.getpass("API key: " if needs_key else "API key (blank for none): ")
        else:
            key = self.stdin.readline()
        key = key.strip()
        if not key and needs_key:
            raise CommandError(f"A {kind} connection needs an API key: pipe it to standard input, "
                               "e.g. `provider add ... < keyfile`.")
        return key

    def _get(self, name: str) -> ProviderConnection:
        try:
            return ProviderConnection.objects.get(name=name)
        except ProviderConnection.DoesNotExist:
            known = ", ".join(ProviderConnection.objects.values_list("name", flat=True)) or "none"
            raise CommandError(f"No connection named {name!r}; connections: {known}") from None

    def _validate(self, conn: ProviderConnection) -> None:
        try:
            conn.full_clean(validate_unique=False)
        except ValidationError as exc:
            problems = "; ".join(f"{field}: {' '.join(errors)}"
                                 for field, errors in exc.message_dict.items())
            raise CommandError(f"Cannot add {conn.name!r}: {problems}") from None

    @staticmethod
    def _key_phrase(conn: ProviderConnection) -> str:
        if conn.api_key_last4:
            return f"key ending …{conn.api_key_last4}"
        return "key stored" if conn.has_key else "no key"

    @staticmethod
    def _model_count(conn: ProviderConnection) -> str:
        try:
            return str(len(conn.specs()))
        except (ValueError, TypeError, KeyError):
            return "?"  # a broken custom model; the admin form says which

    @staticmethod
    def _redact(conn: ProviderConnection, text: str) -> str:
        """Belt and braces: adapters redact their errors, but never echo a key here."""
        try:
            return redact(text, conn.get_api_key())
        except UndecryptableKey:
            return text
