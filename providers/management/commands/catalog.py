"""Staff's catalog changes without a release: import a file of entries, export the catalog.

    manage.py catalog import FILE   add or override entries (checked first; all or nothing)
    manage.py catalog export        print the catalog in use (shipped + overrides) as JSON
"""
from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from providers.catalog.jsonfmt import dumps
from providers.catalog.overrides import catalog_export, catalog_import
from providers.catalog.schema import CatalogError


class Command(BaseCommand):
    help = "Import catalog entries from a JSON file, or export the catalog in use."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        load = actions.add_parser("import", help="Add or override entries from a JSON file.")
        load.add_argument("file")
        dump = actions.add_parser("export", help="Print the catalog in use as JSON.")
        dump.add_argument("--kind", action="append", help="Only this kind; may be repeated.")

    def handle(self, *args, action, **options):
        if action == "export":
            self.stdout.write(dumps(catalog_export(options.get("kind"))))
            return
        path = Path(options["file"])
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path} is not valid JSON: {exc}") from None
        try:
            added, updated = catalog_import(data=data, source=path.name, user="manage.py")
        except CatalogError as exc:
            raise CommandError("Nothing was imported:\n  " + "\n  ".join(exc.errors)) from None
        self.stdout.write(self.style.SUCCESS(
            f"Imported {path.name}: {added} added, {updated} updated."))
