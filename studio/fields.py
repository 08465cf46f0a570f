"""Model fields the studio's apps share."""
from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import cached_property

SEED_LIMIT = 2**64  # ComfyUI takes seeds up to 2**64 - 1; every other kind stays below 2**32


class SeedField(models.BigIntegerField):
    """A seed from 0 to 2**64 - 1, kept in an ordinary signed 64-bit column.

    SQLite and PostgreSQL have no unsigned 64-bit integer, so a seed of 2**63
    or more is stored as its two's complement (negative) and read back as the
    seed. Seeds are never negative, so nothing else is stored below zero.
    """

    @cached_property
    def validators(self):
        return [*self.default_validators, *self._validators,
                MinValueValidator(0), MaxValueValidator(SEED_LIMIT - 1)]

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is not None and value >= 2**63:
            value -= SEED_LIMIT
        return value

    def from_db_value(self, value, expression, connection):
        if value is not None and value < 0:
            value += SEED_LIMIT
        return value

    def formfield(self, **kwargs):
        return super().formfield(**{"min_value": 0, "max_value": SEED_LIMIT - 1, **kwargs})
