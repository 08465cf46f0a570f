"""Taking a connection's secrets out of provider text, in every form they come back.

Providers and gateways echo what they were sent: the whole key, the key with
its middle or end masked (``sk-…0123456789abc***``), an ``Authorization:
Basic`` header (base64 of ``user:password``), a header echoed into
``x-request-id``. Anything we keep or show passes through ``redact`` first.
"""
from __future__ import annotations

import base64
import re
from typing import Iterable

MASK = "***"
# A run this long that also occurs in a secret is treated as part of it: a
# masked echo keeps a long stretch of the key, never less than this.
RUN = 8
# Whole secrets shorter than RUN are still replaced when at least this long.
SHORTEST = 4
_HEADER_VALUE = re.compile(
    r"(?i)(bearer\s+|basic\s+|x-key[\"']?\s*[:=]\s*[\"']?|api[-_]?key[\"']?\s*[:=]\s*[\"']?)"
    r"[^\s\"',;}]+")


def _encodings(secret: str) -> list[str]:
    """The secret and its base64/base64url spellings at each of the three
    alignments it can have inside a longer encoded string (``user:pw``, a
    header…): the characters that depend on what comes before are dropped."""
    raw = secret.encode()
    forms = [secret]
    for shift in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * shift + raw).decode().rstrip("=")
            skip = (shift * 4 + 2) // 3  # characters that carry the padding bytes
            forms.append(encoded[skip:] if shift else encoded)
    return [f for f in forms if f]


def _runs(secret: str) -> set[str]:
    return {secret[i:i + RUN] for i in range(len(secret) - RUN + 1)}


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced by ``***``: whole, any run of 8 or
    more of its characters, and its base64 or base64url encodings."""
    if not text:
        return text
    wanted = [s for s in dict.fromkeys(secrets) if s and len(s) >= SHORTEST]
    for secret in sorted(wanted, key=len, reverse=True):
        text = text.replace(secret, MASK)
    runs: set[str] = set()
    for secret in wanted:
        for form in _encodings(secret):
            runs |= _runs(form)
    if runs:
        hidden = bytearray(len(text))
        for i in range(len(text) - RUN + 1):
            if text[i:i + RUN] in runs:
                hidden[i:i + RUN] = b"\1" * RUN
        if any(hidden):
            out, i = [], 0
            while i < len(text):
                if hidden[i]:
                    while i < len(text) and hidden[i]:
                        i += 1
                    out.append(MASK)
                else:
                    out.append(text[i])
                    i += 1
            text = "".join(out)
    # Credentials of any other account a gateway may echo (its own upstream key).
    return _HEADER_VALUE.sub(lambda m: m.group(1) + MASK, text)


def connection_secrets(api_key: str, options: dict) -> tuple[str, ...]:
    """Every secret a connection holds, with ``user:password`` for basic auth."""
    password = str(options.get("password") or "")
    username = str(options.get("username") or "")
    found = [api_key, password]
    if password:
        found.append(f"{username}:{password}")
    return tuple(s for s in found if s)
