"""Tiny helpers that read settings from the environment and reject nonsense."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of {sorted(TRUE | FALSE - {''})}, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def proxy_ssl_header(value: str | None) -> tuple[str, str] | None:
    """SECURE_PROXY_SSL_HEADER from "X-Forwarded-Proto" or "X-Forwarded-Proto: https".

    Only set it behind a proxy that overwrites the header: otherwise a client
    could claim HTTPS.
    """
    if not value or not value.strip():
        return None
    name, _, expected = value.partition(":")
    name, expected = name.strip(), expected.strip() or "https"
    if not name or not all(c.isalnum() or c == "-" for c in name):
        raise ImproperlyConfigured(f"STUDIO_PROXY_SSL_HEADER must be a header name such as "
                                   f"X-Forwarded-Proto, not {value!r}")
    return "HTTP_" + name.upper().replace("-", "_"), expected


def secret_key(data_dir: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into the data dir."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = data_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # O_EXCL: when web and worker start together, the first writer wins and
    # the other reads its key rather than writing a second one.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def database(url: str | None, sqlite_path: Path) -> dict:
    """A DATABASES['default'] entry from DATABASE_URL, else SQLite in the data dir."""
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": sqlite_path,
            # WAL + busy timeout + BEGIN IMMEDIATE: the web process and workers
            # write at once without "database is locked" (a deferred
            # transaction that reads, then writes, cannot wait for the lock).
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    parts = urlsplit(url)
    engines = {"postgres": "postgresql", "postgresql": "postgresql", "sqlite": "sqlite3"}
    scheme = parts.scheme.split("+")[0]
    if scheme not in engines:
        raise ImproperlyConfigured(f"DATABASE_URL scheme must be postgres:// or sqlite://, not {scheme}://")
    if scheme == "sqlite":
        return database(None, Path(unquote(parts.path)))
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        # The ORM broker polls; reconnecting on every poll cut it from 331 to
        # 44 tasks/s when measured, so connections are kept.
        "CONN_MAX_AGE": envint("DATABASE_CONN_MAX_AGE", 600),
        "CONN_HEALTH_CHECKS": True,
    }
