"""`make run`: one command serves the studio with gunicorn and a worker, and
Ctrl-C (SIGINT to the terminal's process group) stops every process it started."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes_with(marker: str) -> dict[int, str]:
    """pid → command line of every process whose environment holds ``marker``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ProcessLookupError):
            continue
    return found


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def answers(url: str) -> httpx.Response | None:
    try:
        return httpx.get(url, timeout=2)
    except httpx.HTTPError:
        return None


@pytest.fixture
def make_run(tmp_path):
    port = free_port()
    data_dir = tmp_path / "var"
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "STUDIO_STORAGE_URL", "DJANGO_SETTINGS_MODULE",
                        "STUDIO_MEDIA_ROOT", "MAKEFLAGS", "MAKELEVEL")}
    env.update(PORT=str(port), STUDIO_DATA_DIR=str(data_dir), STUDIO_ADMIN_PASSWORD="make-run-test-password",
               LOG_LEVEL="WARNING")
    log = open(tmp_path / "make-run.log", "wb")
    # A session of its own, like a terminal's foreground job.
    # -o: take the installed venv as it is; this tests serving, not installing
    # (and must never pip-install into a venv it shares).
    proc = subprocess.Popen(["make", "-s", "-o", ".venv/.installed", "-o", ".venv/bin/python", "run"], cwd=ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    yield proc, f"http://127.0.0.1:{port}", str(data_dir)
    for pid in processes_with(f"STUDIO_DATA_DIR={data_dir}\0"):  # leave nothing behind, pass or fail
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    log.close()


def test_make_run_serves_with_gunicorn_and_ctrl_c_stops_web_and_worker(make_run, tmp_path):
    proc, base, data_dir = make_run
    marker = f"STUDIO_DATA_DIR={data_dir}\0"
    login = wait_until(lambda: answers(f"{base}/accounts/login/"), 90, "make run to serve the login page "
                       + (tmp_path / "make-run.log").read_text(errors="replace")[-2000:])
    assert login.status_code == 200
    assert "gunicorn" in login.headers.get("server", ""), "served by gunicorn, not runserver"
    static = httpx.get(f"{base}/static/vendor/htmx-2.0.11.min.js", timeout=5)
    assert static.status_code == 200 and len(static.content) > 10_000

    def with_worker():
        found = processes_with(marker)
        return found if any("qcluster" in command for command in found.values()) else None

    running = wait_until(with_worker, 30, "the worker")
    assert any("gunicorn" in c for c in running.values())

    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
    proc.wait(timeout=30)
    wait_until(lambda: not processes_with(marker), 15,
               f"every process to stop; still running: {processes_with(marker)}")
    assert answers(f"{base}/accounts/login/") is None, "the port is closed"
