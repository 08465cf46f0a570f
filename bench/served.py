"""The studio served as in production (gunicorn, threads) for the gallery
benchmark, and the job-card pollers that load it.

A poller behaves like an open compose page: it asks for its job's card every
second (htmx ``every 1s``), revalidating the card it holds as the browser's
cache does (If-None-Match, 304 reuses the held card), and records when each poll started, how long it
took and whether the card it got back was finished.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import h11
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

    async def run(self, stop: asyncio.Event, offset: float) -> None:
        # As a browser's HTTP cache does for htmx's requests: keep the last card
        # with its ETag, revalidate with If-None-Match, and reuse it on a 304.
        etag, finished = None, False
        if await _stopped(stop, offset):  # spread the pollers over the interval
            return
        connection = None
        while not stop.is_set():
            started, tick = time.time(), time.perf_counter()
            try:
                status, headers, body, connection = await asyncio.wait_for(
                    _get(connection, self.url, self.cookies, etag), timeout=10)
                if status != 304:
                    etag = headers.get(b"etag", b"").decode() or None
                    finished = b'data-status="succeeded"' in body or status == 286
                self.polls.append(Poll(started, time.perf_counter() - tick, status, finished))
                if status == 286:  # htmx stops polling on 286, as the finished card asks
                    break
            except (OSError, asyncio.TimeoutError, h11.ProtocolError):
                self.errors += 1
                if connection:
                    connection.close()
                connection = None
            await _stopped(stop, max(0.0, POLL_INTERVAL - (time.perf_counter() - tick)))
        if connection:
            connection.close()


async def _get(connection: "_Connection | None", url: str, cookies: dict[str, str], etag: str | None):
    """(status, headers, body, the connection to use next). As a browser does, a
    kept connection the server closed meanwhile is replaced and the request
    sent again, once; a response that ends its connection closes it."""
    if connection is not None:
        try:
            answer = await connection.get(url, cookies, etag)
        except (OSError, h11.ProtocolError):
            if connection.answered_any:
                raise
            connection.close()
            connection = None
    if connection is None:
        connection = await _Connection.open(url)
        answer = await connection.get(url, cookies, etag)
    if not connection.reusable:
        connection.close()
        connection = None
    return (*answer, connection)


class _Connection:
    """One keep-alive HTTP/1.1 connection, as one browser tab holds, spoken with
    h11 (the protocol engine under httpx) straight over asyncio streams: a full
    client per poller costs more CPU than the server spends answering it."""

    def __init__(self, host: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.host, self.reader, self.writer = host, reader, writer
        self.h11 = h11.Connection(h11.CLIENT)
        self.answered_any = False  # any byte of the current response received
        self.reusable = True

    @classmethod
    async def open(cls, url: str) -> "_Connection":
        parts = urlsplit(url)
        reader, writer = await asyncio.wait_for(asyncio.open_connection(parts.hostname, parts.port), timeout=10)
        return cls(parts.netloc, reader, writer)

    async def get(self, url: str, cookies: dict[str, str], etag: str | None) -> tuple[int, dict, bytes]:
        if self.h11.our_state is h11.DONE:
            self.h11.start_next_cycle()
        headers = [("Host", self.host), ("HX-Request", "true"),
                   ("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))]
        if etag:
            headers.append(("If-None-Match", etag))
        self.answered_any = False
        self.writer.write(self.h11.send(h11.Request(method="GET", target=urlsplit(url).path, headers=headers))
                          + self.h11.send(h11.EndOfMessage()))
        response, body = None, []
        while True:
            event = self.h11.next_event()
            if event is h11.NEED_DATA:
                data = await self.reader.read(65536)
                self.answered_any |= bool(data)
                self.h11.receive_data(data)
            elif isinstance(event, h11.Response):
                response = event
            elif isinstance(event, h11.Data):
                body.append(event.data)
            elif isinstance(event, h11.EndOfMessage):
                self.reusable = self.h11.their_state is h11.DONE and self.h11.our_state is h11.DONE
                return response.status_code, dict(response.headers), b"".join(body)
            elif isinstance(event, h11.ConnectionClosed):
                raise OSError("the server closed the connection")

    def close(self) -> None:
        self.writer.close()


async def _stopped(stop: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except asyncio.TimeoutError:
        return False
    return True


class Pollers:
    """The pollers run in a child process, as other people's browsers would: they
    share the machine's cores with the server, but not this process's GIL, so
    they do not delay the requests this process times. They are coroutines on
    one event loop, not 200 threads: 200 polling threads contending for one GIL
    took more than a core of this 2-core machine by themselves (115 % CPU for
    200 polls a second, against about 70 % for the server answering them), so
    the benchmark measured its own load generator as much as the studio. The
    requests the server sees are the same."""

    def __init__(self, base: str, jobs_and_cookies: list[tuple[int, dict[str, str]]]):
        self.pollers = [Poller(f"{base}/jobs/{job_id}/card/", cookies) for job_id, cookies in jobs_and_cookies]
        self._context = multiprocessing.get_context("fork")  # the child needs no Django

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
    async def main() -> None:
        stop = asyncio.Event()
        count = len(pollers)
        tasks = [asyncio.create_task(p.run(stop, POLL_INTERVAL * i / count)) for i, p in enumerate(pollers)]
        await asyncio.to_thread(stop_between_processes.wait)
        stop.set()
        await asyncio.wait(tasks, timeout=15)

    asyncio.run(main())
    results.send([(p.polls, p.errors) for p in pollers])
