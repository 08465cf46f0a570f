"""Storing a 4 MP PNG result: its cost against one decode plus one WebP thumbnail.

``image_store`` decodes a result once (the full check), makes the thumbnail
from that picture, splices the parameters in and checks them by reading the
headers back. The baseline, measured in the same run on the same bytes, is the
least any store can do: ``Image.open(...).load()`` and a 512 px WebP.

Both are timed in CPU time of this process (``time.process_time``, user plus
system), interleaved: on a shared machine other processes stretch wall time,
not the work done here, and the least disturbed run of each (the minimum, as
``timeit`` advises) is compared. Target: store ≤ 1.15 × baseline. Exits 1
when missed. 21 runs, not 11: on this shared machine the minimum of 11 moved
the ratio between 1.13 and 1.23 from one run to the next; of 21, it holds
within a few hundredths.

    .venv/bin/python bench/store.py [--runs 21] [--side 2048]
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update({
    "STUDIO_DATA_DIR": tempfile.mkdtemp(prefix="studio-bench-store-"),
    "DJANGO_SETTINGS_MODULE": "studio.settings",
    "SECRET_KEY": "bench-only-" + "x" * 40,
})
for name in ("DATABASE_URL", "REDIS_URL", "STUDIO_MEDIA_ROOT", "STUDIO_STORAGE_URL"):
    os.environ.pop(name, None)  # the default stack: SQLite and files on disk

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from PIL import Image as PILImage  # noqa: E402

TARGET = 1.15


def photo_like_png(side: int) -> bytes:
    """A PNG that compresses like a rendered picture (smooth shapes plus grain), not like a flat test card."""
    gradient = PILImage.linear_gradient("L").resize((side, side))
    radial = PILImage.radial_gradient("L").resize((side, side))
    grain = PILImage.effect_noise((side, side), 18)
    picture = PILImage.merge("RGB", (gradient, radial, PILImage.blend(grain, gradient, 0.5)))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def baseline(data: bytes) -> float:
    start = time.process_time()
    with PILImage.open(io.BytesIO(data)) as im:
        im.load()
        im.thumbnail((512, 512))
        im.save(io.BytesIO(), "WEBP", quality=82, method=4)
    return time.process_time() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--side", type=int, default=2048, help="pixels per side (2048: 4 MP)")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)

    from django.contrib.auth import get_user_model

    from gallery.services import image_store
    from providers.models import ProviderConnection
    from studio.models import Job

    data = photo_like_png(args.side)
    owner = get_user_model().objects.create_user("bench", password="x" * 12)
    connection = ProviderConnection.objects.get_or_create(kind="local", defaults={"name": "Offline renderer"})[0]
    job = Job.objects.create(owner=owner, connection=connection, connection_name=connection.name,
                             model_id="placeholder", model_label="Offline placeholder", prompt="a harbour at dawn",
                             negative_prompt="people", params={"width": args.side, "height": args.side, "n": 1},
                             seed=7)

    # As the job runner calls it on a job's first run: the job read with its
    # inputs (for the lineage), and no look for an image an earlier run stored.
    job = Job.objects.prefetch_related("inputs").get(pk=job.pk)

    def store(index: int) -> float:
        start = time.process_time()
        image_store(job=job, index=index, data=data, seed=7, first_run=True)
        return time.process_time() - start

    baseline(data), store(0)  # warm up: imports, codecs, the first query
    base_times, store_times = [], []
    for index in range(1, args.runs + 1):  # interleaved, so a noisy neighbour hits both alike
        base_times.append(baseline(data))
        store_times.append(store(index))
    base, stored = min(base_times), min(store_times)
    ratio = stored / base
    print(f"4 MP store: {args.side}x{args.side} PNG of {len(data) / 2**20:.1f} MB, {args.runs} runs")
    print(f"  baseline (one decode + one WebP thumbnail): {base * 1000:.0f} ms CPU "
          f"(median {statistics.median(base_times) * 1000:.0f})")
    print(f"  image_store:                                {stored * 1000:.0f} ms CPU "
          f"(median {statistics.median(store_times) * 1000:.0f})")
    print(f"  ratio {ratio:.2f} (target ≤ {TARGET}) {'OK' if ratio <= TARGET else 'MISSED'}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
