"""Job latency benchmark: printed figures against a fake provider's latency L, not a timed test.

Targets (issue): an 8-model compare finishes within 1.1 × L; submit → succeeded
costs at most 0.5 s more than L at p95 over 50 jobs run one after another;
32 jobs submitted at once with 2 worker processes all finish within 2 × L;
200 offline-renderer jobs at once reach at least 0.8 of what two cores can
do (the ideal: the same 200 jobs run inline, submit to succeeded with no
broker, queue or threads, by two processes at once, one per core). The
ideal and the burst are each measured twice, interleaved, and the best run of
each is compared.
Ratios are against L measured in this run (one direct call to the fake) and
against the nominal L. Exits 1 when a target is missed.

    .venv/bin/python bench/run.py [--latency 2] [--sequential 50] [--burst 32] [--offline 200]
"""
from __future__ import annotations

import argparse
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness  # noqa: E402
from bench.fake import SlowOpenAI, WARMUP_MODEL, direct_call_seconds, model_dicts  # noqa: E402

COMPARE_MODELS = 8
WORKERS = 2


@dataclass
class Row:
    scenario: str
    measured: float  # seconds
    target: float  # seconds, the most allowed
    note: str = ""

    @property
    def passed(self) -> bool:
        return self.measured <= self.target


def submit(owner, choices, model_ids: list[str]) -> list[int]:
    """Jobs for these models in one transaction, queued when it commits (as the compose view does)."""
    from django.db import transaction

    from studio.services import job_create

    with transaction.atomic():
        return [job_create(owner=owner, choice=choices[m], values={"prompt": f"bench {m}", "size": "256x256",
                                                                  "n": 1}).pk
                for m in model_ids]


def warm_up(owner, choices, worker) -> None:
    """Instant jobs until each worker process has run some (imports, pools, clients made once)."""
    started = time.monotonic()
    ids = submit(owner, choices, [WARMUP_MODEL] * 8)
    harness.wait_succeeded(ids, started, worker, timeout=60)
    ids = submit(owner, choices, [WARMUP_MODEL] * 8)
    harness.wait_succeeded(ids, time.monotonic(), worker, timeout=60)
    print(f"warm-up: 16 instant jobs, first 8 done {time.monotonic() - started:.2f} s after submit")


def compare(owner, conn, L, worker) -> Row:
    from providers.services import ModelChoice
    from studio.compare import compare_create
    from studio.models import Job

    choices = [ModelChoice(conn, conn.spec(f"bench-{i}")) for i in range(COMPARE_MODELS)]
    started = time.monotonic()
    group = compare_create(owner=owner, choices=choices, wanted={"prompt": "bench compare"})
    ids = list(Job.objects.filter(group=group).values_list("pk", flat=True))
    elapsed = harness.wait_succeeded(ids, started, worker, timeout=10 * L + 30)
    show_phases(ids)
    return Row(f"{COMPARE_MODELS}-model compare, all succeeded", elapsed, 1.1 * L)


def sequential(owner, choices, L, count, worker) -> Row:
    overheads = []
    ids = []
    for i in range(count):
        started = time.monotonic()
        (pk,) = submit(owner, choices, [f"bench-{i % COMPARE_MODELS}"])
        overheads.append(harness.wait_succeeded([pk], started, worker, timeout=10 * L + 30) - L)
        ids.append(pk)
    print(f"  overhead (submit→succeeded − L) over {count} jobs: {harness.describe(overheads)}")
    show_phases(ids)
    p50 = statistics.median(overheads)
    return Row(f"{count} jobs one at a time, overhead p95", harness.percentile(overheads, 95), 0.5,
               note=f"p50 {p50 * 1000:.0f} ms")


def burst(owner, choices, L, count, worker) -> Row:
    started = time.monotonic()
    ids = submit(owner, choices, [f"bench-{i % COMPARE_MODELS}" for i in range(count)])
    elapsed = harness.wait_succeeded(ids, started, worker, timeout=10 * L + 60)
    show_phases(ids)
    return Row(f"{count} jobs at once, {WORKERS} workers, all succeeded", elapsed, 2 * L)


OFFLINE_SIZE = 512
CORES = 2


def offline_image_seconds(samples: int = 8) -> float:
    """One offline job's image work alone, in this process: render, one decode
    (the full check), parameters spliced in, thumbnail from the decoded picture."""
    from gallery import metadata
    from gallery.services import thumbnail_from
    from providers.images import decode_image
    from providers.local import render

    started = time.process_time()
    for i in range(samples):
        data = render(f"bench offline {i}", i, OFFLINE_SIZE, OFFLINE_SIZE)
        picture, _ = decode_image(data)
        metadata.embed(data, {"prompt": "bench", "seed": i, "width": OFFLINE_SIZE,
                              "height": OFFLINE_SIZE, "params": {}})
        thumbnail_from(picture)
    return (time.process_time() - started) / samples


def offline_ideal_seconds(count: int, env: dict) -> float:
    """What two cores do with ``count`` offline jobs when nothing queues: one
    process per core, each running its half inline, one job after another
    (``bench/inline.py``), started together; the slower one's time.

    Measured, not computed from one core's time: on this shared machine one
    core's time per job varied from 43 to 58 ms between rounds, and two
    processes at once ran 1.8 to 2.1 times one; both vary within minutes.
    """
    import subprocess

    quiet = {**env, "LOG_LEVEL": "WARNING"}
    procs = [subprocess.Popen([sys.executable, "bench/inline.py", str(count // CORES), str(OFFLINE_SIZE), str(i)],
                              cwd=harness.ROOT, env=quiet, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for i in range(CORES)]
    answers = []
    try:
        for proc in procs:
            if proc.stdout.readline().strip() != "ready":
                raise harness.BenchError("an inline offline process did not start")
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        answers = [proc.stdout.readline().split() for proc in procs]
    finally:
        for proc in procs:
            if not answers:  # it failed before its answer: it may wait on stdin for ever
                proc.kill()
            proc.wait(timeout=120)
    if any(len(a) != 2 or int(a[1]) != count // CORES for a in answers):
        raise harness.BenchError(f"inline offline jobs did not all succeed: {answers}")
    return max(float(a[0]) for a in answers)


def offline_burst(owner, count, worker, env) -> Row:
    """The burst and its ideal, each measured twice, interleaved (ideal, burst,
    ideal, burst), and the least disturbed run of each compared, as the store
    benchmark and ``timeit`` do. This machine's speed moves within a minute
    (one run's two ideals took 6.19 and 4.88 s): comparing one burst with the
    faster of two ideals counted any slow moment against the engine only."""
    from providers.models import ProviderConnection
    from providers.services import ModelChoice

    conn = ProviderConnection.objects.get(kind="local")
    choice = ModelChoice(conn, conn.spec("placeholder"))
    image_work = offline_image_seconds()
    ideals, bursts = [], []
    for round_ in range(2):
        ideals.append(offline_ideal_seconds(count, env))
        elapsed, submitted, ids = _burst_once(owner, choice, count, worker, f"{round_}",
                                              timeout=max(120, 20 * ideals[-1]))
        bursts.append(elapsed)
        print(f"  burst {round_ + 1}: {elapsed:.2f} s (submitting all {count} in one transaction: "
              f"{submitted:.2f} s), "
              f"{count / elapsed:.1f} jobs/s")
    show_phases(ids)
    ideal, elapsed = min(ideals), min(bursts)
    print(f"  ideal: {count} jobs inline in {CORES} processes took {ideals[0]:.2f} and {ideals[1]:.2f} s "
          f"({ideal * CORES / count * 1000:.0f} ms a job on a core; its image work alone "
          f"{image_work * 1000:.0f} ms)")
    print(f"  burst: {elapsed:.2f} s at best, {ideal / elapsed:.2f} of the ideal "
          f"({count * image_work / CORES / elapsed:.2f} of the image work alone on {CORES} cores)")
    return Row(f"{count} offline jobs at once (≥ 0.8 of ideal)", elapsed, ideal / 0.8,
               note=f"{ideal / elapsed:.2f} of the {CORES}-core ideal, cap {conn.max_concurrency}")


def _burst_once(owner, choice, count, worker, tag: str, timeout: float) -> tuple[float, float, list[int]]:
    """(seconds until all succeeded, seconds the submit took, the job ids) for
    ``count`` offline jobs submitted in one transaction."""
    from django.db import transaction

    from studio.services import job_create

    started = time.monotonic()
    with transaction.atomic():
        ids = [job_create(owner=owner, choice=choice,
                          values={"prompt": f"bench offline {tag} {i}", "width": OFFLINE_SIZE,
                                  "height": OFFLINE_SIZE, "n": 1}).pk for i in range(count)]
    submitted = time.monotonic() - started
    return harness.wait_succeeded(ids, started, worker, timeout=timeout), submitted, ids


def show_phases(ids: list[int]) -> None:
    for name, values in harness.phases(ids).items():
        print(f"  {name:>7}: {harness.describe(values)}")


def report(rows: list[Row], L: float, nominal: float) -> bool:
    print()
    print(f"L measured {L:.3f} s (one direct call to the fake), nominal {nominal:g} s")
    head = f"{'scenario':<44} {'measured':>9} {'target':>8} {'ratio/L':>8} {'target/L':>9} {'ratio/nominal':>14}  result"
    print(head)
    print("-" * len(head))
    for row in rows:
        print(f"{row.scenario:<44} {row.measured:8.3f}s {row.target:7.3f}s {row.measured / L:8.3f} "
              f"{row.target / L:9.3f} {row.measured / nominal:14.3f}  {'PASS' if row.passed else 'FAIL'}"
              + (f"  ({row.note})" if row.note else ""))
    return all(row.passed for row in rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=2.0, help="the fake's latency L in seconds")
    parser.add_argument("--compare", type=int, default=1, help="0 skips the 8-model compare")
    parser.add_argument("--sequential", type=int, default=50, help="jobs in the one-at-a-time scenario")
    parser.add_argument("--burst", type=int, default=32, help="jobs in the all-at-once scenario")
    parser.add_argument("--offline", type=int, default=200, help="offline-renderer jobs in the CPU burst")
    args = parser.parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so the worker is always stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    data_dir = Path(tempfile.mkdtemp(prefix="studio-bench-"))
    env = harness.prepare(data_dir, WORKERS)
    from django.conf import settings

    fake = SlowOpenAI(args.latency).start()
    worker, status = None, 2
    try:
        conn = harness.create_connection(fake.base_url, model_dicts(COMPARE_MODELS, args.latency),
                                         max_concurrency=64)
        owner = harness.create_user()
        from providers.services import ModelChoice

        choices = {spec.id: ModelChoice(conn, spec) for spec in conn.specs()}
        print(f"data dir {data_dir}; {WORKERS} worker processes × {settings.STUDIO_JOB_THREADS} job threads; "
              f"broker poll {settings.Q_CLUSTER.get('poll')} s; slots {conn.max_concurrency}")
        L = direct_call_seconds(fake.base_url)
        worker = harness.Worker(env, data_dir / "qcluster.log")
        warm_up(owner, choices, worker)
        rows = []
        if args.compare:
            print(f"\n1. {COMPARE_MODELS}-model compare")
            rows.append(compare(owner, conn, L, worker))
        if args.sequential:
            print(f"\n2. {args.sequential} jobs one after another")
            rows.append(sequential(owner, choices, L, args.sequential, worker))
        if args.burst:
            print(f"\n3. {args.burst} jobs submitted at once")
            rows.append(burst(owner, choices, L, args.burst, worker))
        if args.offline:
            print(f"\n4. {args.offline} offline-renderer jobs submitted at once")
            rows.append(offline_burst(owner, args.offline, worker, env))
        status = 0 if report(rows, L, args.latency) else 1
        return status
    except harness.BenchError as exc:
        print(f"\nbenchmark could not finish: {exc}", file=sys.stderr)
        return status
    finally:
        if worker:
            worker.stop()
        fake.stop()
        if status == 0:
            shutil.rmtree(data_dir, ignore_errors=True)
        else:  # keep the database and the worker's log to look into
            print(f"\ndata dir and worker log kept: {data_dir}")


if __name__ == "__main__":
    sys.exit(main())
