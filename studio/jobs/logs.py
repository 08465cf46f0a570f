"""Saying why a worker cannot read a task.

django-q2 signs each task with SECRET_KEY. A worker on a host with another
SECRET_KEY (each host made its own) rejects every task with a bare
"Failed to push task to queue" and a BadSignature traceback; this filter adds
what went wrong and what to do.
"""
from __future__ import annotations

import logging

HINT = ("the task was signed with a different SECRET_KEY. Every web and worker host must share the "
        "same SECRET_KEY (and STUDIO_ENCRYPTION_KEY, or provider keys cannot be read either); "
        "see docs/jobs.md")


class BadSignatureHint(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and type(exc).__name__ == "BadSignature":
            record.msg = f"{record.msg}: {HINT}"
        return True


def install() -> None:
    logger = logging.getLogger("django-q")
    if not any(isinstance(f, BadSignatureHint) for f in logger.filters):
        logger.addFilter(BadSignatureHint())
