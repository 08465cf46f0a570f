from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api.tokens import token_create


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME and print it (once: it is stored only as a hash)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument("--expires", type=int, metavar="DAYS", help="Days until it expires (default: never).")
        parser.add_argument("--models", default="", help="Model ids it may use, comma-separated (default: all).")

    def handle(self, *args, username, name, expires, models, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        if expires is not None and expires < 1:
            raise CommandError("--expires must be 1 day or more.")
        if user.api_tokens.filter(name=name.strip()).exists():
            raise CommandError(f"{username} already has a token named {name!r}.")
        _, raw = token_create(user=user, name=name, expires_in_days=expires,
                              allowed_models=[m.strip() for m in models.split(",") if m.strip()])
        self.stdout.write(raw)
