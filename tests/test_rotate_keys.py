"""`rotate_keys` moves every stored key to the newest encryption key."""
import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from providers.models import ProviderConnection

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_rotation_re_encrypts_under_the_new_key(db, monkeypatch):
    monkeypatch.setenv("STUDIO_ENCRYPTION_KEY", OLD)
    conn = ProviderConnection(kind="openai", name="OpenAI")
    conn.set_api_key("sk-rotate-me-1234")
    conn.save()
    monkeypatch.setenv("STUDIO_ENCRYPTION_KEY", f"{NEW},{OLD}")
    call_command("rotate_keys")
    conn.refresh_from_db()
    monkeypatch.setenv("STUDIO_ENCRYPTION_KEY", NEW)  # the old key is gone now
    assert conn.get_api_key() == "sk-rotate-me-1234"


def test_a_key_no_current_key_decrypts_is_named(db, monkeypatch):
    monkeypatch.setenv("STUDIO_ENCRYPTION_KEY", OLD)
    conn = ProviderConnection(kind="openai", name="Lost key")
    conn.set_api_key("sk-lost-5678")
    conn.save()
    monkeypatch.setenv("STUDIO_ENCRYPTION_KEY", NEW)
    with pytest.raises(CommandError, match="Lost key"):
        call_command("rotate_keys")
