"""Re-encrypt every stored provider key with the newest STUDIO_ENCRYPTION_KEY."""
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from providers import crypto
from providers.models import ProviderConnection


class Command(BaseCommand):
    help = "Re-encrypt stored API keys with the first key in STUDIO_ENCRYPTION_KEY."

    def handle(self, *args, **options):
        failed = []
        done = 0
        with transaction.atomic():
            for conn in ProviderConnection.objects.select_for_update():
                if not (conn.api_key_encrypted or conn.password_encrypted):
                    continue
                try:
                    conn.api_key_encrypted = crypto.rotate(conn.api_key_encrypted)
                    conn.password_encrypted = crypto.rotate(conn.password_encrypted)
                except crypto.UndecryptableKey:
                    failed.append(conn.name)
                    continue
                conn.save(update_fields=["api_key_encrypted", "password_encrypted"])
                done += 1
        self.stdout.write(f"Re-encrypted {done} key(s).")
        if failed:
            raise CommandError("These connections' keys cannot be decrypted with any current key; "
                               f"enter them again: {', '.join(failed)}")
