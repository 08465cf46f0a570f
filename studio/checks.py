"""Start-up checks of settings that would otherwise fail later, and quietly."""
import os

from django.conf import settings
from django.core.checks import Error, register


@register()
def studio_settings(app_configs=None, **kwargs):
    errors = []
    q = settings.Q_CLUSTER
    if q.get("timeout") and q.get("retry", 60) <= q["timeout"]:
        errors.append(Error(
            "Q_CLUSTER['retry'] must exceed Q_CLUSTER['timeout'], or a slow task is delivered twice.",
            hint="Raise STUDIO_JOB_TIMEOUT's companion retry, or lower the timeout.", id="studio.E001"))
    for name, minimum in (("STUDIO_JOB_THREADS", 1), ("STUDIO_DB_CONNECTIONS", 1), ("STUDIO_MAX_ATTEMPTS", 1), ("STUDIO_JOB_TIMEOUT", 1),
                          ("STUDIO_HEARTBEAT_SECONDS", 0.1), ("STUDIO_REQUEUE_AFTER_SECONDS", 1),
                          ("STUDIO_SLOT_WAIT_SECONDS", 1), ("STUDIO_DRAIN_SECONDS", 0),
                          ("STUDIO_DB_RETRY_SECONDS", 0)):
        if getattr(settings, name) < minimum:
            errors.append(Error(f"{name} must be at least {minimum}.", id="studio.E002"))
    if settings.STUDIO_STALE_SECONDS <= 2 * settings.STUDIO_HEARTBEAT_SECONDS:
        errors.append(Error(
            "STUDIO_STALE_SECONDS must exceed twice STUDIO_HEARTBEAT_SECONDS, or running jobs are "
            "judged lost while their worker is still beating.", id="studio.E004"))
    raw = os.environ.get("STUDIO_ENCRYPTION_KEY", "")
    if raw:
        from cryptography.fernet import Fernet

        for position, key in enumerate(k.strip() for k in raw.split(",") if k.strip()):
            try:
                Fernet(key.encode())
            except (ValueError, TypeError):
                errors.append(Error(
                    f"STUDIO_ENCRYPTION_KEY entry {position + 1} is not a Fernet key.",
                    hint="Make one with: python -c \"from cryptography.fernet import Fernet; "
                         "print(Fernet.generate_key().decode())\"", id="studio.E003"))
    return errors
