"""One core's share of the offline ideal: offline jobs run inline, one after another.

Started twice by ``bench/run.py`` (one process per core) on the benchmark's
database. Each process sets Django up, says "ready", waits for "go" on stdin,
runs its jobs as STUDIO_TASKS_INLINE runs them (submitted, claimed, rendered,
stored, finished, in this process, with no broker and no threads) and prints
the seconds they took. Both processes together are what two cores do with
the same jobs when nothing queues or waits: the burst's ideal.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    count, size, prefix = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from providers.models import ProviderConnection
    from providers.services import ModelChoice
    from studio.models import Job, JobStatus
    from studio.services import job_create

    settings.STUDIO_TASKS_INLINE = True
    owner = get_user_model().objects.get(username="bench")
    conn = ProviderConnection.objects.get(kind="local")
    choice = ModelChoice(conn, conn.spec("placeholder"))

    def one(i: int) -> int:
        return job_create(owner=owner, choice=choice, values={
            "prompt": f"bench offline {prefix} {i}", "width": size, "height": size, "n": 1}).pk

    one(-1)  # imports, fonts and the connection, as a warm worker has them
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.monotonic()
    ids = [one(i) for i in range(count)]
    elapsed = time.monotonic() - started
    done = Job.objects.filter(pk__in=ids, status=JobStatus.SUCCEEDED).count()
    print(f"{elapsed:.6f} {done}", flush=True)
    return 0 if done == count else 1


if __name__ == "__main__":
    sys.exit(main())
