"""Create the first admin account if there is none (used by `make run`)."""
import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the 'admin' superuser when no superuser exists yet."

    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            return
        password = os.environ.get("STUDIO_ADMIN_PASSWORD")
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", email="", password=password)
        if generated:
            # Shown once, on the console of whoever ran `make run`; never logged.
            self.stdout.write(self.style.SUCCESS(
                f"Created the first admin account.\n  username: admin\n  password: {password}\n"
                "Keep it safe: it is not shown again (set STUDIO_ADMIN_PASSWORD to choose one)."))
        else:
            self.stdout.write(self.style.SUCCESS(
                "Created the first admin account 'admin' with the password from STUDIO_ADMIN_PASSWORD."))
