"""Running one claimed job: provider calls with retries, slots and cancel,
then storing its images and recording usage. Called from ``dispatch``."""
from __future__ import annotations

import itertools
import logging
import random
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from gallery.models import Image
from gallery.services import image_delete, image_store
from providers.lifecycle import connection_model_unavailable
from providers.base import CancelledError, GenerationRequest, GenerationResult, Hooks, ProviderError
from providers.crypto import UndecryptableKey
from providers.images import BadImage
from providers.models import ProviderConnection
from providers.registry import adapter_class

from .costs import job_cost, usage_clean
from .models import AttemptOutcome, Job, JobAttempt, JobStatus

log = logging.getLogger(__name__)


# --- one job --------------------------------------------------------------------

def _set(job: Job, **fields) -> None:
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(**fields)


def _is_cancelled(job_id: int) -> bool:
    return Job.objects.filter(pk=job_id, status=JobStatus.CANCELLED).exists()


def _finish(job: Job, status: str, message: str = "", **fields) -> bool:
    """running → a final state; False if the job was cancelled meanwhile."""
    return bool(Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=status, error_message=message, finished_at=timezone.now(), phase="", **fields))


def job_run(job_id: int) -> None:
    """Run a claimed job to a final state; never raises."""
    job = Job.objects.select_related("connection", "owner").get(pk=job_id)
    try:
        _run(job)
    except CancelledError:
        _finish(job, JobStatus.CANCELLED)
    except ProviderError as exc:
        if exc.code == "model_not_found" and job.connection_id:  # stop offering it until a refresh
            connection_model_unavailable(connection=job.connection, model_id=job.model_id, reason=exc.message)
        _finish(job, JobStatus.FAILED, exc.message)
    except (BadImage, UndecryptableKey) as exc:
        _finish(job, JobStatus.FAILED, str(exc))
    except Exception:
        log.exception("Job %s failed unexpectedly", job_id)
        _finish(job, JobStatus.FAILED, "Something went wrong on our side while running this job; "
                                       "staff can find the details in the worker log.")


def _run(job: Job) -> None:
    from .services import build_request  # the job → request mapping lives with job_create

    conn = job.connection
    if conn is None or not conn.enabled:
        raise ProviderError("This model's provider connection has been disabled or removed by staff",
                            permanent=True)
    spec = conn.spec(job.model_id)
    if spec is None:
        raise ProviderError("This model is no longer enabled on its connection", permanent=True)
    adapter = adapter_class(conn.kind)(conn.as_connection())
    request = build_request(job, spec)
    numbers = itertools.count(job.attempts + 1)
    started = time.monotonic()
    if request.n <= spec.max_n:
        outcomes = [_call(job, conn, adapter, spec, request, numbers)]
    else:
        # The model makes one image a call: make the calls at once, a seed each.
        calls = [replace(request, n=1, seed=None if request.seed is None else request.seed + i)
                 for i in range(request.n)]
        with ThreadPoolExecutor(len(calls), thread_name_prefix=f"job{job.pk}") as pool:
            outcomes = list(pool.map(lambda r: _call_in_thread(job, conn, adapter, spec, r, numbers), calls))
    results = [o for o in outcomes if isinstance(o, GenerationResult)]
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    if not results:
        raise errors[0]
    if any(isinstance(e, CancelledError) for e in errors) or _is_cancelled(job.pk):
        raise CancelledError()
    notes = list(job.notes) + [note for result in results for note in result.notes]
    if errors:
        notes.append(f"{len(errors)} of {len(outcomes)} images failed: {errors[0]}")
    _set(job, phase="Downloading and storing")
    images = _store(job, conn, adapter, results)
    latency_ms = int((time.monotonic() - started) * 1000)
    cost, source, cost_notes = job_cost(job=job, spec=spec, results=results, image_count=len(images))
    notes += cost_notes
    usage = usage_clean(_merge_usage(results))
    if not _finish(job, JobStatus.SUCCEEDED, latency_ms=latency_ms, bytes=sum(i.bytes for i in images),
                   image_count=len(images), usage=usage, cost=cost, cost_source=source, notes=notes,
                   progress=1.0):
        # Cancelled while the provider worked: its result is not kept.
        for image in images:
            image_delete(image)
    elif cost is not None and images:
        Image.objects.filter(job=job).update(cost=cost / len(images))


def _call_in_thread(job, conn, adapter, spec, request, numbers):
    try:
        return _call(job, conn, adapter, spec, request, numbers)
    except BaseException as exc:  # reported with the others by _run
        return exc
    finally:
        connection.close()


def _store(job: Job, conn: ProviderConnection, adapter, results: list[GenerationResult]) -> list[Image]:
    items = [item for result in results for item in result.images]
    stored = []
    for index, item in enumerate(items):
        if _is_cancelled(job.pk):
            raise CancelledError()
        data = item.data
        if data is None:
            data = adapter.download(item.url, max_bytes=settings.STUDIO_MAX_DOWNLOAD_BYTES)
        seed = item.seed if item.seed is not None else (job.seed + index if job.seed is not None else None)
        stored.append(image_store(job=job, index=index, data=data, seed=seed,
                                  revised_prompt=item.revised_prompt or ""))
    if stored and stored[0].seed is not None and stored[0].seed != job.seed:
        Job.objects.filter(pk=job.pk).update(seed=stored[0].seed)
    return stored


def _merge_usage(results: list[GenerationResult]) -> dict:
    if len(results) == 1:
        return results[0].usage or {}
    return {"calls": [r.usage for r in results if r.usage]}


# --- one provider call, with retries -------------------------------------------

def _call(job: Job, conn, adapter, spec, request: GenerationRequest, numbers) -> GenerationResult:
    max_attempts = max(1, settings.STUDIO_MAX_ATTEMPTS)
    hooks = Hooks(progress=_Progress(job.pk), cancelled=lambda: _is_cancelled(job.pk))
    for attempt_no in range(1, max_attempts + 1):
        if _is_cancelled(job.pk):
            raise CancelledError()
        with _connection_slot(job, conn, next(numbers)) as attempt:
            _set(job, phase="Waiting for the provider", attempts=F("attempts") + 1)
            try:
                result = adapter.generate(request, spec, hooks)
            except ProviderError as exc:
                retry = not exc.permanent and attempt_no < max_attempts
                _close(attempt, AttemptOutcome.RETRYABLE if retry else AttemptOutcome.FAILED,
                       http_status=exc.status, request_id=exc.request_id or "", error=exc.message)
                if not retry:
                    raise
                delay, reason = _backoff(attempt_no, exc.retry_after), exc.message
            except CancelledError:
                _close(attempt, AttemptOutcome.CANCELLED)
                raise
            except BaseException as exc:
                _close(attempt, AttemptOutcome.FAILED, error=type(exc).__name__)
                raise
            else:
                _close(attempt, AttemptOutcome.SUCCEEDED, request_id=result.request_id or "")
                return result
        _set(job, phase=f"Retrying in {delay:.0f} s: {reason[:120]}")
        _sleep_unless_cancelled(job.pk, delay)
    raise AssertionError("unreachable")


def _backoff(attempt_no: int, retry_after: float | None) -> float:
    """Exponential backoff with jitter; the provider's Retry-After wins when longer."""
    base = settings.STUDIO_RETRY_BASE_SECONDS * 2 ** (attempt_no - 1)
    delay = min(settings.STUDIO_RETRY_MAX_SECONDS, base) * random.uniform(0.5, 1.0)
    if retry_after is not None:
        delay = max(delay, min(retry_after, settings.STUDIO_RETRY_MAX_SECONDS * 5))
    return delay


def _sleep_unless_cancelled(job_id: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        time.sleep(min(left, 0.25))
        if _is_cancelled(job_id):
            raise CancelledError()


@contextmanager
def _connection_slot(job: Job, conn: ProviderConnection, number: int):
    """Wait for one of the connection's ``max_concurrency`` slots.

    A slot is a running JobAttempt row, so the cap holds across every worker
    process and host; taking one locks the connection row for a moment.
    """
    waited = False
    while True:
        with transaction.atomic():
            list(ProviderConnection.objects.select_for_update().filter(pk=conn.pk).values("pk"))
            busy = JobAttempt.objects.filter(connection=conn, outcome=AttemptOutcome.RUNNING).count()
            if busy < max(1, conn.max_concurrency):
                attempt = JobAttempt.objects.create(job=job, number=number, connection=conn)
                break
        if not waited:
            _set(job, phase=f"Waiting for a free slot on {conn.name} ({busy} calls in flight)")
            waited = True
        _sleep_unless_cancelled(job.pk, random.uniform(0.05, 0.2))
    try:
        yield attempt
    finally:
        # Whatever happened, the slot is given back.
        JobAttempt.objects.filter(pk=attempt.pk, outcome=AttemptOutcome.RUNNING).update(
            outcome=AttemptOutcome.FAILED, finished_at=timezone.now())


def _close(attempt: JobAttempt, outcome: str, **fields) -> None:
    JobAttempt.objects.filter(pk=attempt.pk).update(outcome=outcome, finished_at=timezone.now(), **fields)


class _Progress:
    """Writes provider progress to the job row, at most twice a second."""

    def __init__(self, job_id: int):
        self.job_id, self.last = job_id, 0.0

    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if now - self.last >= 0.5:
            self.last = now
            Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(
                progress=max(0.0, min(1.0, fraction)))
