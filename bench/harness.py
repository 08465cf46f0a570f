"""The benchmark's world: a throwaway data dir, a migrated database, a real qcluster.

Django is set up in this process too (the bench submits jobs through the
services and reads job rows); the worker is a ``manage.py qcluster``
subprocess on the same SQLite file, as in ``make run``.
"""
from __future__ import annotations

import logging
import os
import secrets
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POLL_SECONDS = 0.02  # how often the bench reads job rows


class BenchError(RuntimeError):
    """The benchmark could not measure (a job failed, the worker died, a timeout)."""


def prepare(data_dir: Path, workers: int) -> dict[str, str]:
    """Set this process's environment for the studio; return the worker's environment."""
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "studio.settings",
        "STUDIO_DATA_DIR": str(data_dir),
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
        "STUDIO_WORKERS": str(workers),
        "LOG_LEVEL": "WARNING",
    })
    for name in ("DATABASE_URL", "REDIS_URL", "STUDIO_MEDIA_ROOT"):  # this bench measures the default stack
        os.environ.pop(name, None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True)
    import django

    django.setup()
    logging.getLogger("django-q").setLevel(logging.WARNING)  # no "Enqueued" line per job
    return {**os.environ, "LOG_LEVEL": "INFO"}


def create_connection(base_url: str, models: list[dict], max_concurrency: int):
    from providers.models import ProviderConnection
    from tests.fakes.openai import API_KEY

    conn = ProviderConnection(kind="openai-compatible", name="Bench fake", base_url=base_url,
                              custom_models=models, max_concurrency=max_concurrency,
                              options={"response_format": "b64_json"})
    conn.set_api_key(API_KEY)
    conn.full_clean()
    conn.save()
    return conn


def create_user():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("bench", password=secrets.token_urlsafe(16))


class Worker:
    """``manage.py qcluster`` in its own process group.

    ``stop()`` sends SIGTERM to the qcluster process only, which stops the
    cluster in under a second. Not to the whole group: django-q2's sentinel
    takes SIGTERM with the default action and dies inside ``stop_event.wait()``,
    and the main process then blocks for ever in ``stop_event.set()``. The
    group gets SIGKILL only if the cluster has not stopped after 10 s.
    """

    def __init__(self, env: dict[str, str], log_path: Path):
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env,
                                     stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    def check(self) -> None:
        if self.proc.poll() is not None:
            raise BenchError(f"qcluster exited with {self.proc.returncode}:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        group_stop(self.proc, "qcluster")
        self._log.close()


def group_stop(proc: subprocess.Popen, name: str) -> None:
    """SIGTERM to the process, and SIGKILL to its whole group if it has not
    stopped within 10 s (a server or cluster started with start_new_session)."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        print(f"{name} did not stop on SIGTERM within 10 s: killing its group {proc.pid}")
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def wait_succeeded(ids: list[int], started: float, worker: Worker, timeout: float) -> float:
    """Seconds from ``started`` (monotonic) until every job succeeded, read every 20 ms.

    One read counts the jobs by status (a range of ids, when they are
    consecutive, as one submit makes them): the bench shares the two cores
    with the worker, and reading 200 rows 50 times a second took a tenth of one.
    """
    from django.db.models import Count

    from studio.models import FINISHED, Job, JobStatus

    rows = (Job.objects.filter(pk__gte=min(ids), pk__lte=max(ids)) if max(ids) - min(ids) + 1 == len(ids)
            else Job.objects.filter(pk__in=ids))
    while True:
        counts = dict(rows.values_list("status").annotate(n=Count("pk")).order_by())
        if counts.get(JobStatus.SUCCEEDED, 0) == len(ids):
            return time.monotonic() - started
        if any(counts.get(status) for status in FINISHED if status != JobStatus.SUCCEEDED):
            job = rows.filter(status__in=FINISHED).exclude(status=JobStatus.SUCCEEDED).first()
            raise BenchError(f"job {job.pk} ended {job.status}: {job.error_message}")
        if time.monotonic() - started > timeout:
            raise BenchError(f"jobs not done after {timeout:.0f} s: {counts}\n{worker.log_tail()}")
        worker.check()
        time.sleep(POLL_SECONDS)


def phases(ids: list[int]) -> dict[str, list[float]]:
    """Where each job's time went, from the rows' timestamps (seconds per job).

    claim: created → a worker thread claimed it (broker poll, task pickup,
    and any wait parked for a free slot, which is now taken just before the
    claim); slot: claimed → its attempt took a connection slot (a retry's
    wait; about 0 for the first call); call: the attempt
    (provider latency included); finish: the attempt's end → succeeded
    (storing the image, final write).
    """
    from studio.models import Job, JobAttempt

    jobs = {j.pk: j for j in Job.objects.filter(pk__in=ids)}
    attempts = {a.job_id: a for a in JobAttempt.objects.filter(job_id__in=ids, number=1)}
    out: dict[str, list[float]] = {"claim": [], "slot": [], "call": [], "finish": []}
    for pk in ids:
        job, attempt = jobs[pk], attempts.get(pk)
        if attempt is None or attempt.finished_at is None:
            continue
        out["claim"].append((job.started_at - job.created_at).total_seconds())
        out["slot"].append((attempt.started_at - job.started_at).total_seconds())
        out["call"].append((attempt.finished_at - attempt.started_at).total_seconds())
        out["finish"].append((job.finished_at - attempt.finished_at).total_seconds())
    return out


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p95 of 50 values is the 48th smallest)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def describe(values: list[float]) -> str:
    if not values:
        return "n/a"
    return (f"p50 {statistics.median(values) * 1000:6.0f} ms  p95 {percentile(values, 95) * 1000:6.0f} ms"
            f"  max {max(values) * 1000:6.0f} ms")
