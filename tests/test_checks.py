"""Settings that would fail later are refused at start-up."""
from studio.checks import studio_settings


def ids(errors):
    return [e.id for e in errors]


def test_the_shipped_settings_pass(settings):
    assert studio_settings() == []


def test_retry_must_exceed_timeout(settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 600, "retry": 600}
    assert ids(studio_settings()) == ["studio.E001"]


def test_a_bad_encryption_key_is_named(settings, monkeypatch):
    from cryptography.fernet import Fernet

    monkeypatch.setenv("STUDIO_ENCRYPTION_KEY", f"{Fernet.generate_key().decode()},not-a-key")
    errors = studio_settings()
    assert ids(errors) == ["studio.E003"] and "entry 2" in errors[0].msg
