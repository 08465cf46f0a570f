"""Two "hosts" for the chaos test: each a qcluster with its own working and data
directory; one gunicorn web server; PostgreSQL, Redis and an S3 bucket shared.

The test process drives them from outside, as an operator would: HTTP to the
web app, signals to process groups, scripts/services.sh for the services, and
plain SQL (psycopg) and S3 listings to read what happened.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import httpx
import psycopg

from tests.fakes.base import Reply, Request, _Handler
from tests.fakes.openai import FakeOpenAI

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "scripts" / "services.sh"
MODEL = "cluster-model"


class CountingOpenAI(FakeOpenAI):
    """An OpenAI-compatible gateway that takes ``latency`` s per image and counts,
    per prompt, the images it delivered (what a provider would bill)."""

    def __init__(self, latency: float):
        super().__init__(kind="openai-compatible")
        self.latency = latency
        self.delivered: dict[str, int] = {}

    def route(self, req: Request) -> Reply:
        reply = super().route(req)
        if req.method == "POST" and req.path == "/v1/images/generations" and reply.status == 200:
            reply.delay = self.latency
            prompt = (req.json or {}).get("prompt", "")
            with self._lock:
                self.delivered[prompt] = self.delivered.get(prompt, 0) + 1
        return reply

    def start(self):
        # A listen backlog for a whole burst: the default 5 drops SYNs, and a
        # dropped SYN costs the client a 1 s retransmit.
        class Server(ThreadingHTTPServer):
            request_queue_size = 256
            daemon_threads = True

        self._httpd = Server(("127.0.0.1", 0), _Handler)
        self._httpd.fake = self
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env: dict, *args: str, stdin: str | None = None, cwd: Path = ROOT) -> str:
    done = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def services(command: str, services_dir: str) -> None:
    subprocess.run([str(SERVICES), command, services_dir], check=True, timeout=120)


class Process:
    """A long-running process in its own session (its own process group),
    restarted RESTART_SECONDS after it ends, as systemd's Restart=always does."""

    RESTART_SECONDS = 3.0

    def __init__(self, name: str, argv: list[str], env: dict, cwd: Path, log_dir: Path, supervise: bool = True):
        self.name, self.argv, self.env, self.cwd = name, argv, env, cwd
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._start()
        if supervise:
            threading.Thread(target=self._supervise, daemon=True).start()

    def _start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            if self.proc.poll() is not None and not self._stopping.wait(self.RESTART_SECONDS):
                with open(self.log_path, "ab") as log:
                    log.write(f"--- exited with {self.proc.returncode}; restarting ---\n".encode())
                self.restarts += 1
                self._start()
            self._stopping.wait(0.2)

    def kill_group(self) -> None:
        """SIGKILL to the whole group: the host loses power, as far as the studio can tell."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    def stop(self) -> None:
        self._stopping.set()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        self.kill_group()

class WebClient:
    """A logged-in person using the compose page."""

    def __init__(self, base: str, username: str, password: str):
        self.client = httpx.Client(base_url=base, timeout=30)
        self.client.get("/accounts/login/")
        response = self.client.post("/accounts/login/", data={
            "username": username, "password": password,
            "csrfmiddlewaretoken": self.client.cookies["csrftoken"]})
        if response.status_code != 302:
            raise RuntimeError(f"login failed: {response.status_code}")

    def compose(self, model_key: str, prompt: str) -> int:
        try:
            response = self.client.post("/", data={"prompt": prompt, "model": model_key, "size": "256x256", "n": 1},
                                        headers={"HX-Request": "true",
                                                 "X-CSRFToken": self.client.cookies["csrftoken"]})
        except httpx.HTTPError:
            return 0
        if response.status_code == 200 and re.search(r'class="[^"]*error', response.text) \
                and "job-card" not in response.text:
            return 422  # the form refused it
        return response.status_code


def query(database_url: str, sql: str, params=()) -> list[tuple]:
    """Plain SQL; retried for a while, since PostgreSQL may be restarting."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with psycopg.connect(database_url, connect_timeout=3) as conn:
                return conn.execute(sql, params).fetchall()
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
