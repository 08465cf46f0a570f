"""Queueing jobs for API and MCP callers: the web form's services, plus who asked.

Budgets, model rules and queueing are the studio's own (``studio.services
.job_create`` reserves the budget inside its transaction); this module only
records the source and token on the job, and remembers idempotency keys.
"""
from __future__ import annotations

import hashlib
import json

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from studio.budgets import BudgetExceeded
from studio.edits import EditRefused, InputNotAllowed
from studio.input_quota import InputQuotaExceeded
from studio.models import Job, JobSource
from studio.services import job_create

from .errors import ApiError, budget_error, input_quota_error
from .models import ApiToken, IdempotencyKey
from .requests import Prepared

KEY_LIFETIME = timedelta(hours=24)


def request_fingerprint(body: dict, files: dict | None = None) -> str:
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode())
    for name, upload in sorted((files or {}).items()):
        digest.update(name.encode())
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
    return digest.hexdigest()


def api_job_create(*, token: ApiToken, prepared: Prepared, source: str = JobSource.API,
                   visibility: str = "", idempotency_key: str = "", fingerprint: str = "",
                   create=None) -> tuple[Job, bool]:
    """Queue one job for ``token``'s person; (job, True) when an earlier request
    with the same idempotency key already made it (nothing new is billed).

    ``create`` makes the job (default: studio.services.job_create with the
    prepared values); it runs inside this transaction, so the idempotency key,
    the budget reservation and the job commit together or not at all.
    """
    key = (idempotency_key or "").strip()[:255]
    if key:  # a key is remembered for a day, as OpenAI-style APIs do
        IdempotencyKey.objects.filter(token=token, created_at__lt=timezone.now() - KEY_LIFETIME).delete()
    try:
        with transaction.atomic():
            if key:
                record = IdempotencyKey.objects.create(token=token, key=key, fingerprint=fingerprint)
            if create is None:
                job = job_create(owner=token.user, choice=prepared.choice, values=prepared.values,
                                 notes=prepared.notes)
            else:
                job = create()
            Job.objects.filter(pk=job.pk).update(source=source, api_token=token, api_token_name=token.name,
                                                 visibility=visibility or "", board=prepared.board)
            if key:
                record.job_ids = [job.pk]
                record.save(update_fields=["job_ids"])
    except BudgetExceeded as exc:
        raise budget_error(str(exc))
    except InputNotAllowed as exc:
        raise ApiError(404, f"{exc}.", code="image_not_found", param="image_ids")
    except InputQuotaExceeded as exc:
        raise input_quota_error(exc)
    except EditRefused as exc:  # the inputs as sent cannot be used (a mask of the wrong size…)
        raise ApiError(400, f"{exc}.", code="invalid_image", param="image")
    except IntegrityError:
        if not key:
            raise
        return _replayed(token=token, key=key, fingerprint=fingerprint), True
    job.refresh_from_db()
    return job, False


def _replayed(*, token: ApiToken, key: str, fingerprint: str) -> Job:
    record = IdempotencyKey.objects.filter(token=token, key=key).first()
    if record is None:  # the conflict was not the key's: nothing to replay
        raise ApiError(409, "This request could not be recorded; retry it.", code="conflict",
                       headers={"Retry-After": "1"})
    if record.fingerprint != fingerprint:
        raise ApiError(409, "This Idempotency-Key was already used with a different request; "
                            "use a new key for a new request.", code="idempotency_key_reused")
    job = Job.objects.filter(pk__in=record.job_ids).first()
    if job is None:
        raise ApiError(409, "The request with this Idempotency-Key is still being made; retry in a moment.",
                       code="idempotency_key_in_use", headers={"Retry-After": "1"})
    return job
