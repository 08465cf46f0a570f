"""Write docs/models.md from the catalog, or check that it is up to date."""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from providers.catalog_doc import COMMAND, PATH, render_markdown


class Command(BaseCommand):
    help = "Write the model reference (docs/models.md) from the catalog; --check only compares."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="Write nothing; fail when docs/models.md is missing or out of date.")

    def handle(self, *args, check=False, **options):
        path = Path(settings.BASE_DIR) / PATH
        text = render_markdown()
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if check:
            if current != text:
                state = "is missing" if current is None else "is out of date with the catalog"
                raise CommandError(f"{PATH} {state}: run `{COMMAND}` and commit the result.")
            self.stdout.write(f"{PATH} is up to date.")
            return
        if current == text:
            self.stdout.write(f"{PATH} is already up to date.")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Wrote {PATH}."))
