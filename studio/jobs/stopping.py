"""Stopping a worker without losing or hanging a job.

A worker stops claiming, lets running calls finish for STUDIO_DRAIN_SECONDS,
then puts the rest back in the queue (another worker's sweep sends them
within seconds) and exits. That happens on either way django-q2 is stopped:

- SIGTERM to the whole process group (systemd's default, Ctrl-C in a
  terminal): each worker process gets the signal itself and drains;
- SIGTERM to the main process only: django-q2 sends its workers a stop
  message; when a worker's loop ends, it drains before its threads are joined.

django-q2's main process, given SIGTERM with its group, waits forever: its
guard process was killed by the same signal while waiting on the stop
event, and setting that event waits for the dead waiter to wake. The patched
handler below sees the guard die and exits instead of waiting for it.
"""
from __future__ import annotations

import logging
import os
import signal
import threading

from django.conf import settings

log = logging.getLogger(__name__)

def worker_started(**kwargs) -> None:
    """django-q2's post_spawn, in each worker process: start the pool and its
    monitor now (so the sweep runs before any task arrives) and drain on stop."""
    from .pool import pool_get
    from .recovery import schedule_ensure

    if settings.STUDIO_TASKS_INLINE:  # tasks run in the caller (tests): no pool here
        return
    pool_get()
    try:
        schedule_ensure()
    except Exception:
        log.warning("Could not check the recovery schedule", exc_info=True)
    signal.signal(signal.SIGTERM, _on_sigterm)
    _wake_main_thread_on_signals()
    # Runs when the worker's loop has ended, before its job threads are joined.
    threading._register_atexit(drain_and_exit)


_wakeup = None  # the socket pair behind signal.set_wakeup_fd, kept open for the process's life


def _wake_main_thread_on_signals() -> None:
    """Make a SIGTERM taken by any thread reach the handler in the main thread.

    The kernel gives a process-wide signal to whichever thread it picks, and
    Python runs the handler only in the main thread, when that thread next runs
    Python code. An idle django-q2 worker's main thread waits for its next task
    on a lock with no timeout, so a SIGTERM taken by a job thread was never
    handled, and that worker outlived its group's stop. The interpreter writes
    every signal it takes to the wakeup fd, whichever thread took it; a relay
    thread reads it and interrupts the main thread's wait with SIGUSR1 (a
    no-op handler), which makes it run the handlers pending.
    """
    global _wakeup
    if _wakeup is not None or threading.current_thread() is not threading.main_thread():
        return
    import socket

    reader, writer = socket.socketpair()
    writer.setblocking(False)
    signal.signal(signal.SIGUSR1, lambda signum, frame: None)
    signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    _wakeup = (reader, writer)
    main = threading.main_thread().ident

    def relay() -> None:
        while data := reader.recv(64):
            if any(number != signal.SIGUSR1 for number in data):  # not our own poke
                signal.pthread_kill(main, signal.SIGUSR1)

    threading.Thread(target=relay, name="signal-relay", daemon=True).start()


def _on_sigterm(signum, frame) -> None:
    from .pool import pool_get

    pool = pool_get()
    if pool.dispatching:
        # The handler interrupted this (main) thread between claiming a job and
        # starting its thread: draining now would find no run to wait for or
        # requeue, and the exit would strand the claimed job until recovery.
        # The dispatch finishes first and drains then (pool._start_seated).
        pool.stop_requested = True
        return
    drain_and_exit()


def drain_and_exit() -> None:
    from .pool import pool_get

    pool = pool_get()
    log.info("Worker %s stopping: %s running jobs get %s s to finish", os.getpid(), len(pool.futures),
             settings.STUDIO_DRAIN_SECONDS)
    pool.drain(settings.STUDIO_DRAIN_SECONDS)
    # A call still blocked past the grace period must not hold the exit; its
    # job is back in the queue already.
    logging.shutdown()
    os._exit(0)


def cluster_patch() -> None:
    """Make django-q2's main process survive a SIGTERM sent to its whole group."""
    from django_q.cluster import Cluster

    if getattr(Cluster.sig_handler, "studio", False):
        return
    original = Cluster.sig_handler

    def sig_handler(self, signum, frame):
        # The usual stop runs aside; if the guard turns out to have been killed
        # by the signal itself, that stop can never end, and we leave without it.
        stopper = threading.Thread(target=original, args=(self, signum, frame), daemon=True)
        stopper.start()
        sentinel = self.sentinel
        while True:
            if sentinel is not None and _gone(sentinel.pid):
                log.info("Q Cluster stopping with its process group; workers drain on their own")
                logging.shutdown()
                os._exit(0)
            if not stopper.is_alive():
                return
            stopper.join(0.1)

    sig_handler.studio = True
    Cluster.sig_handler = sig_handler


def _gone(pid: int) -> bool:
    """The process has exited (a zombie counts), read without reaping it: the
    stopping thread may be waiting on it, and two waiters lose its status."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True
    except OSError:  # no /proc: ask the usual way
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False
