"""API keys are encrypted at rest with Fernet.

The key comes from STUDIO_ENCRYPTION_KEY (a Fernet key, or several separated
by commas: the first encrypts, all decrypt, which is how a key is rotated),
else it is derived from SECRET_KEY. See the README's "Rotating keys".
"""
from __future__ import annotations

import base64
import hashlib
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class UndecryptableKey(Exception):
    """The stored key was encrypted with a key this process does not hold."""


def _fernet_keys() -> list[bytes]:
    raw = os.environ.get("STUDIO_ENCRYPTION_KEY", "")
    keys = [k.strip().encode() for k in raw.split(",") if k.strip()]
    if not keys:
        digest = hashlib.sha256(b"image-studio/provider-keys\x00" + settings.SECRET_KEY.encode()).digest()
        keys = [base64.urlsafe_b64encode(digest)]
    return keys


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(k) for k in _fernet_keys()])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode() if plaintext else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise UndecryptableKey(
            "The stored API key cannot be decrypted with the current STUDIO_ENCRYPTION_KEY "
            "or SECRET_KEY; enter the key again in the admin."
        ) from None


def rotate(token: str) -> str:
    """Re-encrypt with the first (newest) key."""
    if not token:
        return ""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise UndecryptableKey("The stored API key cannot be decrypted with any current key.") from None
