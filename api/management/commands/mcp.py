from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from api.tokens import TokenRefused, token_authenticate


class Command(BaseCommand):
    help = ("Serve the studio's MCP tools over stdio for a local agent, as the person whose "
            "token is in --token-file (a file, so the token stays out of process listings).")

    def add_arguments(self, parser):
        parser.add_argument("--token-file", required=True, type=Path)

    def handle(self, *args, token_file: Path, **options):
        try:
            raw = token_file.read_text().strip()
        except OSError as exc:
            raise CommandError(f"Cannot read the token file: {exc.strerror}")
        try:
            token = token_authenticate(raw=raw, address=None)
        except TokenRefused as exc:
            raise CommandError(str(exc))
        from api.mcp_server import current_token, server

        current_token.set(token)
        server.run("stdio")
