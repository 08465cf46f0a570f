"""Tiny helpers that read settings from the environment and reject nonsense."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

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
            # Kept, as on PostgreSQL: the ORM broker's pusher reconnected on
            # every 0.05 s poll, and each connect runs the pragmas above.
            "CONN_MAX_AGE": envint("DATABASE_CONN_MAX_AGE", 600),
            "CONN_HEALTH_CHECKS": True,
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


def storage(url: str | None) -> dict:
    """STORAGES['default'] from STUDIO_STORAGE_URL, else the media root on local disk.

    ``s3://bucket/optional/prefix?endpoint_url=http://127.0.0.1:9000&region=eu-west-1``
    puts originals, thumbnails and input images in an S3-compatible bucket
    (django-storages). The keys come from boto3's own environment variables
    (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the URL, so the
    URL can be shown in a log.
    """
    if not url:
        # No explicit location: FileSystemStorage follows settings.MEDIA_ROOT.
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise ImproperlyConfigured(f"STUDIO_STORAGE_URL must start with s3://, not {parts.scheme}://")
    if parts.username or parts.password:
        raise ImproperlyConfigured("STUDIO_STORAGE_URL must not carry keys: set AWS_ACCESS_KEY_ID and "
                                   "AWS_SECRET_ACCESS_KEY instead")
    if not parts.hostname:
        raise ImproperlyConfigured("STUDIO_STORAGE_URL needs a bucket: s3://bucket")
    query = dict(parse_qsl(parts.query))
    unknown = set(query) - {"endpoint_url", "region", "addressing_style"}
    if unknown:
        raise ImproperlyConfigured(f"STUDIO_STORAGE_URL: unknown option(s) {sorted(unknown)}; "
                                   "known: endpoint_url, region, addressing_style")
    options = {
        "bucket_name": parts.hostname,
        "location": unquote(parts.path.strip("/")),
        # Images are private: served only through the studio's access checks.
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
    }
    if query.get("endpoint_url"):
        options["endpoint_url"] = query["endpoint_url"]
    if query.get("region"):
        options["region_name"] = query["region"]
    if query.get("addressing_style"):
        options["addressing_style"] = query["addressing_style"]
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


def cache(redis_url: str | None, data_dir: Path) -> dict:
    """CACHES['default']: Redis when the studio has it (shared by every host),
    else files in the data dir (shared by the processes of one host).

    Never a per-process memory cache: sessions live in it (cached_db), and a
    logout in one web process must end the session in every other.
    """
    if redis_url:
        return {"BACKEND": "studio.cache.ForgivingRedisCache", "LOCATION": redis_url, "KEY_PREFIX": "studio",
                # A stopped Redis refuses at once; a missing host must not hang a page either.
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1}}
    return {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": data_dir / "cache", "OPTIONS": {"MAX_ENTRIES": 10_000}}
