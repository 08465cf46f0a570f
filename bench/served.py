"""The studio served as in production (gunicorn, threads) for the gallery
benchmark, and the job-card pollers that load it.

A poller behaves like an open compose page: it asks for its job's card every
second (htmx ``every 1s``), revalidating the card it holds as the browser's
cache does (If-None-Match, 304 reuses the held card), and records when each poll started, how long it
took and whether the card it got back was finished.
"""
from __future__ import annotations

import multiprocessing
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.harness import group_stop

ROOT = Path(__file__).resolve().parent.parent
POLL_INTERVAL = 1.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``gunicorn studio.wsgi`` on a free loopback port, as ``make run`` starts it."""

    def __init__(self, log_path: Path, workers: int = 2, threads: int = 8):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._log = open(log_path, "wb")
        self.log_path = log_path
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "studio.wsgi", "-b", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "--threads", str(threads), "--backlog", "2048"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{log_path.read_text(errors='replace')[-2000:]}")
            try:
                httpx.get(f"{self.base}/accounts/login/", timeout=2)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 30 s")

    def stop(self) -> None:
        group_stop(self.proc, "gunicorn")
        self._log.close()


def session_cookie(user) -> dict[str, str]:
    """A logged-in session for ``user``, as the login view would make it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return {settings.SESSION_COOKIE_NAME: store.session_key}


@dataclass
class Poll:
    started: float  # time.time(), comparable with a job's finished_at
    seconds: float
    status: int
    finished: bool


@dataclass
class Poller:
    url: str
    cookies: dict[str, str]
    polls: list[Poll] = field(default_factory=list)
    errors: int = 0

    def run(self, stop: threading.Event, offset: float) -> None:
        # As a browser's HTTP cache does for htmx's requests: keep the last card
        # with its ETag, revalidate with If-None-Match, and reuse it on a 304.
        etag, finished = None, False
        with httpx.Client(cookies=self.cookies, headers={"HX-Request": "true"}, timeout=10) as client:
            stop.wait(offset)  # spread the pollers over the interval, as pages opened at different times
            while not stop.is_set():
                started, tick = time.time(), time.perf_counter()
                try:
                    response = client.get(self.url, headers={"If-None-Match": etag} if etag else {})
                    if response.status_code != 304:
                        etag = response.headers.get("ETag")
                        finished = ('data-status="succeeded"' in response.text
                                    or response.status_code == 286)
                    self.polls.append(Poll(started, time.perf_counter() - tick, response.status_code, finished))
                except httpx.HTTPError:
                    self.errors += 1
                stop.wait(max(0.0, POLL_INTERVAL - (time.perf_counter() - tick)))


class Pollers:
    """The pollers run in a child process, as other people's browsers would: they
    share the machine's cores with the server, but not this process's GIL, so
    200 polling threads do not delay the requests this process times."""

    def __init__(self, base: str, jobs_and_cookies: list[tuple[int, dict[str, str]]]):
        self.pollers = [Poller(f"{base}/jobs/{job_id}/card/", cookies) for job_id, cookies in jobs_and_cookies]
        self._context = multiprocessing.get_context("fork")  # the child needs no Django, only httpx

    def __enter__(self) -> "Pollers":
        self._results, child_end = self._context.Pipe(duplex=False)
        self._stop = self._context.Event()
        self._process = self._context.Process(target=_poll_in_child, args=(self.pollers, self._stop, child_end),
                                              daemon=True)
        self._process.start()
        time.sleep(POLL_INTERVAL * 1.5)  # every poller has polled at least once
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        results = self._results.recv() if self._results.poll(30) else []
        self._process.join(timeout=15)
        for poller, (polls, errors) in zip(self.pollers, results):
            poller.polls, poller.errors = polls, errors

    @property
    def polls(self) -> list[Poll]:
        return [poll for p in self.pollers for poll in p.polls]

    @property
    def errors(self) -> int:
        return sum(p.errors for p in self.pollers)


def _poll_in_child(pollers: list[Poller], stop_between_processes, results) -> None:
    stop = threading.Event()
    count = len(pollers)
    threads = [threading.Thread(target=p.run, args=(stop, POLL_INTERVAL * i / count), daemon=True)
               for i, p in enumerate(pollers)]
    for thread in threads:
        thread.start()
    stop_between_processes.wait()
    stop.set()
    for thread in threads:
        thread.join(timeout=15)
    results.send([(p.polls, p.errors) for p in pollers])
