"""One provider call of a running job, retried while the error is worth it.

Each attempt holds one of the connection's slots (``slots``) for as long as
the provider has the request, and no database connection: the call may wait
minutes on the network, and a thread waiting with a connection open is how
many job threads exhaust the database's connection limit.
"""
from __future__ import annotations

import logging
import random
import time

from django.conf import settings
from django.db.models import F

from providers.base import CancelledError, GenerationRequest, GenerationResult, Hooks, ProviderError

from .claim import fenced
from .dbretry import db_release, db_retry, db_seat
from .runs import FenceLost, JobTimeout, Run
from .slots import slot_release, slot_wait
from .stash import stash_write

from ..models import AttemptOutcome

log = logging.getLogger(__name__)


def call_with_retries(ctx, request: GenerationRequest, *, first_slot=None, call_index: int = 0) -> GenerationResult:
    """The provider's result for ``request``, after at most the connection's attempts.

    ``first_slot`` is the slot the job was claimed with, used by its first call;
    ``call_index`` is this call's place in the job's calls (a batch makes several).
    """
    run: Run = ctx.run
    conn = ctx.conn
    max_attempts = max(1, conn.max_attempts)
    hooks = Hooks(progress=ctx.progress, cancelled=run.should_stop)
    for attempt_no in range(1, max_attempts + 1):
        _check(run)
        if first_slot is not None:  # its claim counted this call (slots.slot_take_claiming)
            attempt, first_slot, ctx.first_slot_used = first_slot, None, True
        else:
            attempt = slot_wait(job=ctx.job, conn=conn, number=ctx.next_number(), run=run)
            run.slot_taken()
            with db_seat():
                if not fenced(run.job_id, run.token).update(phase="Waiting for the provider",
                                                            attempts=F("attempts") + 1):
                    run.slot_given()
                    slot_release(attempt, AttemptOutcome.CANCELLED,
                                 error="Not sent: the job was cancelled or taken over")
                    raise FenceLost()
            db_release()
        try:
            result = ctx.adapter.generate(request, ctx.spec, hooks)
        except ProviderError as exc:
            retry = not exc.permanent and attempt_no < max_attempts and not run.should_stop()
            _release(run, attempt, AttemptOutcome.RETRYABLE if retry else AttemptOutcome.FAILED,
                     http_status=exc.status, request_id=(exc.request_id or "")[:200], error=exc.message)
            if run.timed_out():
                raise JobTimeout() from None
            if not retry:
                raise
            delay, reason = _backoff(attempt_no, exc.retry_after), exc.message
        except CancelledError:
            _release(run, attempt, AttemptOutcome.CANCELLED)
            raise
        except BaseException as exc:
            _release(run, attempt, AttemptOutcome.FAILED, error=type(exc).__name__)
            raise
        else:
            # The call succeeded and is paid for. Before anything else is written,
            # its results go to the stash, so a runner killed from here on is
            # resumed, not repeated; and the record must survive a database
            # that is restarting, or the job would be run (and billed) again.
            key = ""
            if ctx.adapter.results_are_paid:
                key = _stash(attempt, result, call_index)
                ctx.stashed = ctx.stashed or bool(key)
            _release(run, attempt, AttemptOutcome.SUCCEEDED, patient=True, request_id=(result.request_id or "")[:200],
                     stash=key)
            return result
        with db_seat():
            fenced(run.job_id, run.token).update(phase=f"Retrying in {delay:.0f} s: {reason[:120]}")
        db_release()
        run.sleep(delay)
    raise AssertionError("unreachable")


def _stash(attempt, result: GenerationResult, call_index: int) -> str:
    """The stash key, or "" when the storage failed: the images are still stored
    from memory, only a kill before then would repeat the call."""
    try:
        return stash_write(attempt=attempt, result=result, call_index=call_index)
    except Exception:
        log.exception("Could not stash the result of job %s; storing it from memory", attempt.job_id)
        return ""


def _release(run: Run, attempt, outcome: str, *, patient: bool = False, **fields) -> None:
    run.slot_given()
    with db_seat():
        db_retry(lambda: slot_release(attempt, outcome, **fields), patient=patient)


def _check(run: Run) -> None:
    if run.timed_out():
        raise JobTimeout()
    if run.stop.is_set():
        raise CancelledError()


def _backoff(attempt_no: int, retry_after: float | None) -> float:
    """Exponential backoff with jitter; the provider's Retry-After wins when longer."""
    base = settings.STUDIO_RETRY_BASE_SECONDS * 2 ** (attempt_no - 1)
    delay = min(settings.STUDIO_RETRY_MAX_SECONDS, base) * random.uniform(0.5, 1.0)
    if retry_after is not None:
        delay = max(delay, min(retry_after, settings.STUDIO_RETRY_MAX_SECONDS * 5))
    return delay


class Progress:
    """Provider progress for the card: kept in memory, written by the monitor
    thread with the heartbeat (or here, at most twice a second, when jobs run inline)."""

    def __init__(self, run: Run, *, write: bool):
        self.run, self.write, self.last = run, write, 0.0

    def __call__(self, fraction: float) -> None:
        self.run.progress = max(0.0, min(1.0, fraction))
        now = time.monotonic()
        if self.write and now - self.last >= 0.5:
            self.last = now
            fenced(self.run.job_id, self.run.token).update(progress=self.run.progress)
