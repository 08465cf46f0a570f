"""The jobs this process is running, each with its run token, deadline and stop flag.

A provider call checks ``should_stop()`` many times a second (every poll,
every chunk of a download), so it must cost nothing: it reads an in-process
Event, never the database. The Event is set by a cancel made in this process
at once, and by the monitor thread (``pool``) within half a second when the
cancel came from another process or the job's run token was taken over.
"""
from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field


class JobTimeout(Exception):
    """The job ran past its wall-clock deadline (STUDIO_JOB_TIMEOUT)."""


class FenceLost(Exception):
    """Another runner holds the job now, or it was cancelled: write nothing."""


@dataclass
class Run:
    job_id: int
    token: uuid.UUID
    deadline: float  # time.monotonic() seconds
    stop: threading.Event = field(default_factory=threading.Event)
    progress: float | None = None  # written to the row by the monitor thread
    progress_written: float | None = None
    connection_id: int | None = None  # whose call slots it uses
    slots: int = 0  # how many of them it holds now (a batch may hold several)
    _slots_lock: threading.Lock = field(default_factory=threading.Lock)

    def slot_taken(self) -> None:
        with self._slots_lock:
            self.slots += 1

    def slot_given(self) -> None:
        """Before the slot is given back, so the waker counts this run out (``slots.slots_freed``)."""
        with self._slots_lock:
            self.slots = max(0, self.slots - 1)

    def should_stop(self) -> bool:
        return self.stop.is_set() or time.monotonic() >= self.deadline

    def timed_out(self) -> bool:
        return time.monotonic() >= self.deadline

    def sleep(self, seconds: float) -> None:
        """Wait, waking at once on cancel; holds no thread-pool or DB resource but this thread."""
        self.stop.wait(max(0.0, min(seconds, self.deadline - time.monotonic())))


_lock = threading.Lock()
_runs: dict[int, Run] = {}
# Cancels seen before (or without) a run registering here: the web process
# cancels a job its worker runs, and inline tests cancel from another thread.
_cancelled: set[int] = set()


def run_register(run: Run) -> None:
    with _lock:
        _runs[run.job_id] = run
        if run.job_id in _cancelled:
            run.stop.set()


def run_forget(run: Run) -> None:
    with _lock:
        if _runs.get(run.job_id) is run:
            del _runs[run.job_id]
        _cancelled.discard(run.job_id)


def run_stop(job_id: int) -> None:
    """Stop the job's run in this process, if any, now."""
    with _lock:
        run = _runs.get(job_id)
        if run is not None:
            run.stop.set()


def job_cancelled_here(job_id: int) -> None:
    """A cancel made in this process: stop its run now, or as soon as it starts."""
    with _lock:
        _cancelled.add(job_id)
        if len(_cancelled) > 10_000:  # a web process cancels many jobs it never runs
            _cancelled.clear()
            _cancelled.add(job_id)
    run_stop(job_id)


def runs_current() -> list[Run]:
    with _lock:
        return list(_runs.values())
