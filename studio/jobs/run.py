"""Running one claimed job: its provider calls, then storing its images and usage.

Every write is fenced by the run token (``claim.fenced``). When the fence
fails at the end, the job was cancelled, timed out, or taken over by another
runner: only a job that is really cancelled loses its images.
"""
from __future__ import annotations

import itertools
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.utils import timezone

from gallery.models import Image
from gallery.services import image_delete, image_store
from providers.base import CancelledError, GenerationResult, ProviderError
from providers.crypto import UndecryptableKey
from providers.images import BadImage
from providers.lifecycle import connection_model_unavailable
from providers.registry import adapter_class

from ..costs import job_cost, usage_clean
from ..models import FINISHED, AttemptOutcome, Job, JobStatus
from .calls import Progress, call_with_retries
from .claim import fenced
from .dbretry import db_release, db_retry, db_seat, db_seats_for_this_thread
from .runs import FenceLost, JobTimeout, Run, run_forget, run_register
from .slots import slot_release
from .stash import stash_possible, stashed_results, stashes_clean

log = logging.getLogger(__name__)


@dataclass
class RunContext:
    run: Run
    job: Job
    conn: object = None
    spec: object = None
    adapter: object = None
    progress: Progress | None = None
    first_slot_used: bool = False
    resumed: bool = False  # some results came from an earlier run's stash
    stashed: bool = False  # a call of this run stashed its result
    _numbers: itertools.count = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def next_number(self) -> int:
        with self._lock:
            return next(self._numbers)


def job_run(job_id: int, *, token, first_slot=None, inline: bool = False, job: Job | None = None) -> None:
    """Run a claimed job to a final state; never raises. ``job`` is the row as
    the claimer read it (with its connection, owner and inputs), if it did."""
    if job is None:
        with db_seat():
            job = (Job.objects.select_related("connection", "owner__profile").prefetch_related("inputs")
                   .get(pk=job_id))
    deadline = time.monotonic() + settings.STUDIO_JOB_TIMEOUT
    if job.deadline_at:  # the claim's deadline, so every runner agrees on it
        deadline = time.monotonic() + max(0.0, (job.deadline_at - timezone.now()).total_seconds())
    run = Run(job_id=job_id, token=token, deadline=deadline, connection_id=job.connection_id,
              slots=1 if first_slot is not None else 0)
    ctx = RunContext(run=run, job=job, progress=Progress(run, write=inline),
                     # the slot taken at dispatch is attempt number job.attempts + 1
                     _numbers=itertools.count(job.attempts + (2 if first_slot is not None else 1)))
    run_register(run)
    try:
        _run(ctx, first_slot)
    except FenceLost:
        _clean_if_finished(job_id)
    except (CancelledError, JobTimeout):
        if run.timed_out():
            _finish(run, JobStatus.FAILED, _timeout_message())
        else:  # cancelled: the cancel service already wrote the state
            _finish(run, JobStatus.CANCELLED)
    except ProviderError as exc:
        if exc.code == "model_not_found" and job.connection_id:  # stop offering it until a refresh
            connection_model_unavailable(connection=job.connection, model_id=job.model_id, reason=exc.message)
        _finish(run, JobStatus.FAILED, exc.message)
    except (BadImage, UndecryptableKey) as exc:
        _finish(run, JobStatus.FAILED, str(exc))
    except Exception:
        log.exception("Job %s failed unexpectedly", job_id)
        try:
            _finish(run, JobStatus.FAILED, "Something went wrong on our side while running this job; "
                                           "staff can find the details in the worker log.")
        except Exception:  # the database is away: recovery requeues it once its heartbeat stops
            log.exception("Could not record the failure of job %s", job_id)
    finally:
        if first_slot is not None and not ctx.first_slot_used:  # the job ended before its first call
            run.slot_given()
            try:
                if ctx.resumed:
                    slot_release(first_slot, AttemptOutcome.CANCELLED,
                                 error="Not sent: the paid result of an earlier call was kept")
                else:
                    slot_release(first_slot, AttemptOutcome.FAILED, error="Not sent")
            except Exception:
                log.exception("Could not free a slot of job %s", job_id)
        run_forget(run)
        db_release()


def _clean_if_finished(job_id: int) -> None:
    """This runner lost the job; if it is finished, a stash this runner wrote
    late (its call came back after the job was taken over) will never be used."""
    try:
        with db_seat():
            if Job.objects.filter(pk=job_id, status__in=FINISHED).exists():
                stashes_clean(job_id)
    except Exception:
        log.exception("Could not clean the stash of job %s", job_id)


def _timeout_message() -> str:
    return (f"This job took longer than the studio's time limit ({settings.STUDIO_JOB_TIMEOUT} s) "
            "and was stopped.")


def _finish(run: Run, status: str, message: str = "", **fields) -> bool:
    """running → a final state, if this runner still holds the job."""
    with db_seat():
        return bool(db_retry(lambda: fenced(run.job_id, run.token).update(
            status=status, error_message=message[:4000], finished_at=timezone.now(), phase="",
            slot_wait_since=None, **fields), patient=True))


def _run(ctx: RunContext, first_slot) -> None:
    from ..services import build_request  # the job → request mapping lives with job_create

    job, run = ctx.job, ctx.run
    conn = job.connection
    if conn is None or not conn.enabled:
        raise ProviderError("This model's provider connection has been disabled or removed by staff",
                            permanent=True)
    with db_seat():  # the catalog may read staff overrides
        spec = conn.spec(job.model_id)
        if spec is None:
            raise ProviderError("This model is no longer enabled on its connection", permanent=True)
        ctx.conn, ctx.spec = conn, spec
        ctx.adapter = adapter_class(conn.kind)(conn.as_connection(), deadline=run.deadline,
                                               should_stop=run.should_stop)
        request = build_request(job, spec)
    stashed = {}
    if stash_possible(job):
        with db_seat():  # what an earlier run of this job was paid for is not asked again
            stashed = db_retry(lambda: stashed_results(job))
    ctx.resumed = bool(stashed)
    started = time.monotonic()
    if request.n <= spec.max_n:
        calls = [request]
    else:
        # The model makes one image a call: make the calls at once, a seed each.
        calls = [replace(request, n=1, seed=None if request.seed is None else request.seed + i)
                 for i in range(request.n)]
    todo = [i for i in range(len(calls)) if i not in stashed]
    outcomes = dict(stashed)
    if len(todo) == 1:
        outcomes[todo[0]] = _outcome(ctx, calls[todo[0]], first_slot, todo[0])
    elif todo:
        slots = [first_slot] + [None] * (len(todo) - 1)
        with ThreadPoolExecutor(len(todo), thread_name_prefix=f"job{job.pk}") as pool:
            done = pool.map(lambda args: _outcome(ctx, *args), zip((calls[i] for i in todo), slots, todo))
            outcomes.update(zip(todo, done))
    outcomes = [outcomes[i] for i in sorted(outcomes)]
    results = [o for o in outcomes if isinstance(o, GenerationResult)]
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    if not results:
        raise next((e for e in errors if isinstance(e, JobTimeout)), errors[0])
    if run.should_stop():
        raise JobTimeout() if run.timed_out() else CancelledError()
    notes = list(job.notes) + [note for result in results for note in result.notes]
    if ctx.resumed:
        notes.append("Stored from a paid result kept when the worker running this job stopped; "
                     "the provider was not asked again.")
    if errors:
        notes.append(f"{len(errors)} of {len(outcomes)} images failed: {errors[0]}"[:500])
    with db_seat():
        # The fence, before any file is written. Results that need no download
        # are stored in moments, so only a download is worth a phase (a write).
        holds = fenced(run.job_id, run.token)
        if any(item.data is None for result in results for item in result.images):
            holds = holds.update(phase="Downloading and storing")
        else:
            holds = holds.exists()
        if not holds:
            raise FenceLost()
    # Priced before storing, so each image row is written with its share at once.
    kept = min(sum(len(result.images) for result in results), max(1, request.n))
    cost, source, cost_notes = job_cost(job=job, spec=spec, results=results, image_count=kept)
    images = _store(ctx, results, asked=request.n,
                    cost_each=cost / kept if cost is not None and kept else None)
    if len(images) < request.n and not errors:
        notes.append(f"The provider returned {len(images)} of the {request.n} images asked for.")
    latency_ms = int((time.monotonic() - started) * 1000)
    with db_seat():
        notes += cost_notes
        usage = usage_clean(_merge_usage(results))
        finished = _finish(run, JobStatus.SUCCEEDED, latency_ms=latency_ms, bytes=sum(i.bytes for i in images),
                           image_count=len(images), usage=usage, cost=cost, cost_source=source, notes=notes,
                           progress=1.0)
        if not finished:
            _discard_if_cancelled(job, images)
    if finished and (ctx.stashed or stash_possible(job)):
        # Its images are stored: the stash has served (recovery retries a failed clean).
        with db_seat():
            stashes_clean(job.pk)


def _outcome(ctx: RunContext, request, first_slot, call_index: int = 0):
    """The call's result, or the exception it ended with (reported with the others)."""
    if threading.current_thread().name.startswith(f"job{ctx.job.pk}"):
        db_seats_for_this_thread()  # a batch call's own thread
    try:
        return call_with_retries(ctx, request, first_slot=first_slot, call_index=call_index)
    except BaseException as exc:
        return exc
    finally:
        if threading.current_thread().name.startswith(f"job{ctx.job.pk}"):
            db_release()  # a batch call's own thread


def _discard_if_cancelled(job: Job, images: list[Image]) -> None:
    """The last write was refused. Only a job that is really cancelled loses its
    images; one finished by another runner keeps them (they may be the same rows)."""
    if Job.objects.filter(pk=job.pk, status=JobStatus.CANCELLED).exists():
        for image in Image.objects.filter(job=job):
            image_delete(image)


def _store(ctx: RunContext, results: list[GenerationResult], *, asked: int, cost_each=None) -> list[Image]:
    job, run, adapter = ctx.job, ctx.run, ctx.adapter
    # Never more images than were asked for, whatever the provider sent.
    items = [item for result in results for item in result.images][:max(1, asked)]
    stored = []
    try:
        for index, item in enumerate(items):
            if run.should_stop():
                raise JobTimeout() if run.timed_out() else CancelledError()
            data = item.data
            if data is None:
                db_release()  # a download may take minutes: hold no connection meanwhile
                # Under the job's deadline and stop check, as the adapter was built.
                data = adapter.download(item.url, max_bytes=settings.STUDIO_MAX_DOWNLOAD_BYTES)
            # Each image records the seed it was made with: the provider's, else
            # the job's seed plus its place in the batch (as the calls were sent).
            seed = item.seed if item.seed is not None else (job.seed + index if job.seed is not None else None)
            with db_seat():
                stored.append(db_retry(lambda: image_store(job=job, index=index, data=data, seed=seed,
                                                           revised_prompt=item.revised_prompt or "",
                                                           cost=cost_each, first_run=not stash_possible(job)),
                                       patient=True))
    except BaseException:
        # A job that ends here keeps no half-stored batch and no orphan files,
        # unless another runner owns them now.
        with db_seat():
            if not fenced(run.job_id, run.token).exists():
                raise
            for image in stored:
                image_delete(image)
        raise
    if stored and stored[0].seed is not None and stored[0].seed != job.seed:
        with db_seat():
            fenced(run.job_id, run.token).update(seed=stored[0].seed)
    return stored


def _merge_usage(results: list[GenerationResult]) -> dict:
    if len(results) == 1:
        return results[0].usage or {}
    return {"calls": [r.usage for r in results if r.usage]}
