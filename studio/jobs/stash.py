"""A paid result, kept until its images are stored: what stops a re-run from paying twice.

When a provider call succeeds, the runner writes what it returned (image
bytes, or the URL when the provider answered with one, plus seeds, revised
prompts, usage, cost, request id) to the default storage, which may be S3,
never a local path. The manifest is written last, so a manifest that exists
names only files that exist. Its key is recorded on the attempt row in the
same write that marks the attempt succeeded, and it is derived from the
attempt alone, so a runner killed between the two writes still left a stash
a re-run can find.

A re-run of the job (after recovery, a duplicate delivery, a requeue on
SIGTERM) takes the stashed results instead of calling the provider again.
Once the job is finished its stashes are deleted; recovery deletes those a
killed runner left behind.
"""
from __future__ import annotations

import base64
import json
import logging
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from providers.base import GenerationResult, ResultImage

from ..models import AttemptOutcome, JobAttempt

log = logging.getLogger(__name__)

STASH_ROOT = "stash"


def stash_key(attempt: JobAttempt) -> str:
    return f"{STASH_ROOT}/job-{attempt.job_id}/attempt-{attempt.pk}.json"


def stash_write(*, attempt: JobAttempt, result: GenerationResult, call_index: int) -> str:
    """Keep ``result`` under the attempt's key; the key. Images first, manifest last."""
    key = stash_key(attempt)
    prefix = key.removesuffix(".json")
    images = []
    for i, item in enumerate(result.images):
        entry = {"url": item.url, "seed": item.seed, "revised_prompt": item.revised_prompt, "file": None}
        if item.data is not None:
            # save() may rename on a clash (a left-over file): record the name it chose.
            entry["file"] = default_storage.save(f"{prefix}-{i}.bin", ContentFile(item.data))
        images.append(entry)
    manifest = {
        "call_index": call_index,
        "images": images,
        "usage": result.usage,
        "cost": None if result.cost is None else str(result.cost),
        "request_id": result.request_id,
        "notes": result.notes,
    }
    if default_storage.exists(key):
        default_storage.delete(key)
    default_storage.save(key, ContentFile(json.dumps(manifest, default=str).encode()))
    return key


def _manifest(key: str) -> dict | None:
    try:
        with default_storage.open(key, "rb") as f:
            return json.loads(f.read())
    except (FileNotFoundError, OSError, ValueError):
        return None
    except Exception:  # S3 answers a missing key with its own errors
        if not default_storage.exists(key):
            return None
        raise


def stash_read(key: str) -> tuple[int, GenerationResult] | None:
    """(its place in the job's calls, the result), or None when there is no complete stash."""
    manifest = _manifest(key)
    if manifest is None:
        return None
    images = []
    for entry in manifest["images"]:
        data = None
        if entry["file"]:
            with default_storage.open(entry["file"], "rb") as f:
                data = f.read()
        images.append(ResultImage(data=data, url=entry["url"], seed=entry["seed"],
                                  revised_prompt=entry["revised_prompt"]))
    cost = manifest.get("cost")
    return manifest.get("call_index", 0), GenerationResult(
        images=images, usage=manifest.get("usage") or {}, cost=None if cost is None else Decimal(cost),
        request_id=manifest.get("request_id"), notes=list(manifest.get("notes") or []))


def stash_possible(job) -> bool:
    """Whether an earlier run may have stashed a result: not before any call was
    sent (``attempts`` counts calls sent), so a first run skips the lookups."""
    return job.attempts > 0


def stashed_results(job) -> dict[int, GenerationResult]:
    """The paid results of the job's earlier runs, by their place in its calls.

    A succeeded attempt names its stash; an attempt lost with its worker may
    have stashed its result just before the kill, so its key is looked up too.
    """
    found: dict[int, GenerationResult] = {}
    if not stash_possible(job):
        return found
    attempts = JobAttempt.objects.filter(job=job, outcome__in=(AttemptOutcome.SUCCEEDED, AttemptOutcome.LOST))
    for attempt in attempts.order_by("number"):
        if attempt.outcome == AttemptOutcome.SUCCEEDED and not attempt.stash:
            continue
        stashed = stash_read(attempt.stash or stash_key(attempt))
        if stashed is None:
            continue
        if attempt.outcome == AttemptOutcome.LOST:
            stash_record(attempt)
        found.setdefault(stashed[0], stashed[1])
    return found


def stash_record(attempt: JobAttempt) -> int:
    """An attempt whose worker died after stashing, before recording it: paid
    after all, so it is recorded as the succeeded call it was."""
    return JobAttempt.objects.filter(
        pk=attempt.pk, outcome__in=(AttemptOutcome.RUNNING, AttemptOutcome.LOST)).update(
        outcome=AttemptOutcome.SUCCEEDED, stash=stash_key(attempt), finished_at=timezone.now(),
        error="Its result was kept before the worker stopped")


def stash_exists(attempt: JobAttempt) -> bool:
    """Whether the attempt left a complete stash (its manifest exists)."""
    return default_storage.exists(attempt.stash or stash_key(attempt))


def stashes_clean(job_id: int) -> bool:
    """Delete every stash file of a finished job (its images are stored), even
    the pieces of one a killed runner did not finish; False if the storage failed."""
    folder = f"{STASH_ROOT}/job-{job_id}"
    try:
        try:
            _, files = default_storage.listdir(folder)
        except FileNotFoundError:
            files = []
        for name in files:
            default_storage.delete(f"{folder}/{name}")
    except Exception:  # the storage is away: recovery tries again later
        log.exception("Could not delete the stashed results of job %s", job_id)
        return False
    JobAttempt.objects.filter(job_id=job_id).exclude(stash="").update(stash="")
    return True

