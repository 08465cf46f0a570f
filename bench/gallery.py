"""Gallery speed with 10,000 images: p50/p95 and query counts of the first page
and a filtered page, against a baseline page measured in the same run.

Target: each answers in at most 50 ms at p95; the query count does not grow
with the number of images shown. Exits non-zero when a target is missed.

    .venv/bin/python bench/gallery.py [--images 10000] [--runs 60]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update({
    "STUDIO_DATA_DIR": tempfile.mkdtemp(prefix="studio-bench-gallery-"),
    "DJANGO_SETTINGS_MODULE": "studio.settings",
    "SECRET_KEY": "bench-only-" + "x" * 40,
    "ALLOWED_HOSTS": "testserver",
})

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

TARGET_P95_MS = 50.0


def seed(count: int):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from gallery.models import Favourite, Image, Visibility

    User = get_user_model()
    people = [User.objects.create_user(f"person{i}", password="x" * 12) for i in range(20)]
    models = [("placeholder", "Offline placeholder"), ("dall-e-3", "DALL·E 3"), ("flux-2-pro", "FLUX.2 [pro]"),
              ("ultra", "Stable Image Ultra"), ("sd-1.6", "SD 1.6")]
    words = "lighthouse harbour fox forest neon city portrait watercolor castle desert robot kite".split()
    now = timezone.now()
    rows = []
    for i in range(count):
        model_id, label = models[i % len(models)]
        rows.append(Image(
            owner=people[i % len(people)], index=0, file=f"images/bench/{i}.png", thumbnail=f"thumbs/bench/{i}.webp",
            width=1024, height=1024, format="PNG", bytes=1_000_000, sha256=f"{i:064x}",
            prompt=f"a {words[i % len(words)]} at dusk, {words[(i * 7) % len(words)]} style, number {i}",
            model_id=model_id, model_label=label, connection_name="Bench", provider_kind="local",
            params={"width": 1024, "height": 1024, "n": 1}, seed=i,
            visibility=Visibility.PRIVATE if i % 5 == 0 else Visibility.TEAM,
            created_at=now - timezone.timedelta(minutes=i)))
    Image.objects.bulk_create(rows, batch_size=1000)
    viewer = people[0]
    Favourite.objects.bulk_create([Favourite(user=viewer, image_id=pk)
                                   for pk in Image.objects.values_list("pk", flat=True)[:500]])
    seed_boards_and_jobs(viewer)
    return viewer


def seed_boards_and_jobs(viewer):
    """The pages issue 11 added: a board of 500 images, 2,000 jobs of which 400 are compares."""
    import uuid

    from gallery.models import Board, BoardImage, Image
    from studio.models import Job, JobStatus

    board = Board.objects.create(owner=viewer, name="Bench board", visibility="team")
    BoardImage.objects.bulk_create([BoardImage(board=board, image_id=pk)
                                    for pk in Image.objects.values_list("pk", flat=True)[:500]])
    groups = [uuid.uuid4() for _ in range(200)]
    Job.objects.bulk_create([
        Job(owner=viewer, connection_name="Bench", model_id="placeholder", model_label="Offline placeholder",
            prompt=f"job {i}", status=JobStatus.SUCCEEDED, group=groups[i // 2] if i < 400 else None)
        for i in range(2000)], batch_size=1000)


def measure(client: Client, url: str, runs: int) -> tuple[list[float], int]:
    client.get(url)  # warm caches and templates
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return times, len(queries)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    viewer = seed(args.images)
    print(f"Seeded {args.images} images in {time.perf_counter() - started:.1f} s")
    client = Client()
    client.force_login(viewer)

    pages = {
        "baseline: profile page": "/profile/",
        "gallery, first page": "/gallery/",
        "gallery, filtered (model + search + mine)": "/gallery/?scope=mine&model=dall-e-3&q=harbour",
        "gallery, favourites": "/gallery/?scope=favourites",
        "gallery, boards": "/gallery/boards/",
        "gallery, a board of 500": "/gallery/boards/1/",
        "gallery, new-image poll": "/gallery/?since=1",
        "history, first page": "/jobs/",
        "history, page 50": "/jobs/?page=50",
        "compare history": "/compare/history/",
    }
    results = {name: measure(client, url, args.runs) for name, url in pages.items()}
    base_p50 = statistics.median(results["baseline: profile page"][0])
    failed = False
    print(f"\n{'page':<44} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'p50/base':>9}  target")
    for name, (times, queries) in results.items():
        is_target = not name.startswith("baseline")
        ok = not is_target or p95(times) <= TARGET_P95_MS
        failed |= not ok
        verdict = ("PASS" if ok else "FAIL") + f" (p95 ≤ {TARGET_P95_MS:.0f} ms)" if is_target else "—"
        print(f"{name:<44} {statistics.median(times):8.1f} {p95(times):8.1f} {queries:8d} "
              f"{statistics.median(times) / base_p50:9.2f}  {verdict}")

    # The query count must not grow with the number of tiles shown.
    from gallery import views

    counts = {}
    for size in (6, 48):
        views.PAGE_SIZE = size
        with CaptureQueriesContext(connection) as queries:
            client.get("/gallery/")
        counts[size] = len(queries)
    flat = counts[6] == counts[48]
    failed |= not flat
    print(f"\nqueries with 6 tiles: {counts[6]}, with 48 tiles: {counts[48]} → "
          f"{'PASS' if flat else 'FAIL'} (must not grow with page size)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
