"""Create an account from the shell (scripted setups); staff can also use the admin.

The password is read from standard input (a hidden prompt on a terminal),
never from the command line, where it would land in shell history and `ps`.

    printf '%s\n' "$PASSWORD" | python manage.py user_add mira --display-name "Mira K."
"""
from __future__ import annotations

import getpass
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gallery.services import profile_for


class Command(BaseCommand):
    help = "Create an account; the password is read from standard input."
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--staff", action="store_true",
                            help="Make a staff account with every admin permission (provider "
                                 "connections, accounts, everyone's usage).")
        parser.add_argument("--display-name", default="", help="Shown instead of the username.")

    def handle(self, *args, username, staff, display_name, **options):
        User = get_user_model()
        username = username.strip()
        try:
            User._meta.get_field(User.USERNAME_FIELD).run_validators(username)
        except ValidationError as exc:
            raise CommandError(f"Username {username!r}: {' '.join(exc.messages)}") from None
        if User._default_manager.filter(**{f"{User.USERNAME_FIELD}__iexact": username}).exists():
            raise CommandError(f"A user named {username!r} already exists.")
        password = self._read_password(options.get("stdin") or sys.stdin)
        user = User(**{User.USERNAME_FIELD: username}, is_staff=staff, is_superuser=staff)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("Password refused: " + " ".join(exc.messages)) from None
        user.set_password(password)
        with transaction.atomic():
            user.save()
            profile = profile_for(user)
            if display_name.strip():
                profile.display_name = display_name.strip()
                profile.save(update_fields=["display_name"])
        kind = "staff account" if staff else "account"
        self.stdout.write(self.style.SUCCESS(f"Created the {kind} {username!r}."))

    def _read_password(self, stdin) -> str:
        if stdin.isatty():
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        else:
            password = stdin.readline().rstrip("\r\n")
        if not password:
            raise CommandError("No password given: pipe it on standard input, or run this on a terminal.")
        return password
