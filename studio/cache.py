"""The shared cache on Redis, built so that Redis being down never takes a page down.

Sessions live in this cache in front of the database (``cached_db``) and the
gallery caches its filter choices here. While Redis is unreachable a read is a
miss (the session comes from the database) and a write or delete is skipped
with a log line, so logging in and out keep working. Run Redis without
persistence (docs/deploy.md): a Redis that comes back empty can never bring
back a session that a logout removed while it was down.
"""
from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

try:
    from redis.exceptions import RedisError as _RedisError
except ImportError:  # redis is a dependency; keep the module importable without it
    _RedisError = OSError

UNAVAILABLE = (_RedisError, OSError)


class ForgivingRedisCache(RedisCache):
    _warned_at = 0.0

    def _unavailable(self, operation: str) -> None:
        now = time.monotonic()
        if now - ForgivingRedisCache._warned_at > 30:  # one line per outage, not one per request
            ForgivingRedisCache._warned_at = now
            logger.warning("Cache on Redis unavailable (%s skipped); reading from the database", operation)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNAVAILABLE:
            self._unavailable("get")
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNAVAILABLE:
            self._unavailable("get_many")
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNAVAILABLE:
            self._unavailable("has_key")
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNAVAILABLE:
            self._unavailable("set")

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNAVAILABLE:
            self._unavailable("add")
            return False

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNAVAILABLE:
            self._unavailable("touch")
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNAVAILABLE:
            # The key is not logged: for a session it is the session id.
            logger.error("Cache on Redis unavailable: a delete (a logout, perhaps) was skipped")
            return False

    def delete_many(self, keys, version=None):
        for key in keys:
            self.delete(key, version)
