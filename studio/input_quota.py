"""How much input-image storage one person may hold (``STUDIO_INPUT_QUOTA_MB``)
and how fast they may add it (``STUDIO_INPUT_RATE_MB_PER_HOUR``).

Inputs are the files the studio keeps because someone sent them, not because
a model made them: the private copies a job keeps of its references, edit
images and masks (``JobInput``), the single upload of an image-to-image model
(``Job.input_image``) and files dropped on the reference tray or sent to the
API's edits endpoint (private gallery images with ``model_id="upload"``).
Without a cap one member, or a script with a token, could fill the disk or
the bucket by sending the same image over and over.

A retry points at the same files as the job it repeats, so each stored file
counts once, however many jobs name it. Rows stored before sizes were
recorded count ``width × height × 4`` (the file's pixels as uncompressed
RGBA, more than any PNG or JPEG of that size takes): no file is opened on a
request, and an old row never counts for less than it holds. An old
``Job.input_image`` has no recorded dimensions and counts 0. The hourly cap
stops a loop that uploads, deletes and uploads again from churning the
bucket while staying under the total.

Every path that stores inputs calls ``input_quota_check`` first:
``studio.services.job_create`` (web form, edit page, compare, API, MCP) and
``studio.edits.reference_upload_store`` (the tray and the API's uploads).
"""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import BigIntegerField, Exists, F, Func, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from .edits import EditRefused

MB = 2**20


class InputQuotaExceeded(EditRefused):
    """Storing these inputs would take the person past STUDIO_INPUT_QUOTA_MB."""

    status = 413  # HTTP's "too large": waiting frees nothing
    code = "input_quota_exceeded"


class InputRateExceeded(InputQuotaExceeded):
    """Storing these inputs would take the person past STUDIO_INPUT_RATE_MB_PER_HOUR."""

    status = 429
    code = "input_rate_exceeded"


def input_quota_bytes() -> int:
    """The per-person cap in bytes; 0 means no limit."""
    return max(0, int(getattr(settings, "STUDIO_INPUT_QUOTA_MB", 0) or 0)) * MB


def input_rate_bytes() -> int:
    """The per-person hourly cap in bytes; 0 means no limit."""
    return max(0, int(getattr(settings, "STUDIO_INPUT_RATE_MB_PER_HOUR", 0) or 0)) * MB


def _total(queryset, expression) -> Subquery:
    # SUM without GROUP BY: one number per outer row, inside the one query.
    summed = queryset.order_by().annotate(total=Func(expression, function="SUM")).values("total")
    return Coalesce(Subquery(summed, output_field=IntegerField()), Value(0))


def input_usage(*, user, since=None) -> tuple[int, int]:
    """(bytes of distinct input files ``user`` holds, bytes of those stored since
    ``since``; 0 without it), in one query."""
    from gallery.models import Image

    from .models import Job, JobInput

    # A row counts unless an earlier row of the same person names the same file
    # (a retry's), so a file is counted once, as new when it was first stored.
    inputs = JobInput.objects.filter(job__owner=OuterRef("pk")).exclude(Exists(
        JobInput.objects.filter(job__owner=OuterRef("job__owner"), file=OuterRef("file"),
                                pk__lt=OuterRef("pk"))))
    singles = Job.objects.filter(owner=OuterRef("pk")).exclude(input_image="").exclude(Exists(
        Job.objects.filter(owner=OuterRef("owner"), input_image=OuterRef("input_image"),
                           pk__lt=OuterRef("pk"))))
    uploads = Image.objects.filter(owner=OuterRef("pk"), model_id="upload")
    sums = {
        "inputs": (inputs, Coalesce("bytes", Cast("width", BigIntegerField()) * F("height") * 4), "job__created_at"),
        "singles": (singles, Coalesce("input_image_bytes", Value(0)), "created_at"),
        "uploads": (uploads, F("bytes"), "created_at"),
    }
    columns = {name: _total(qs, size) for name, (qs, size, _) in sums.items()}
    if since is not None:
        columns |= {f"new_{name}": _total(qs.filter(**{f"{when}__gte": since}), size)
                    for name, (qs, size, when) in sums.items()}
    row = get_user_model().objects.filter(pk=user.pk).annotate(**columns).values(*columns).first() or {}
    held = sum(int(row.get(name) or 0) for name in sums)
    recent = sum(int(row.get(f"new_{name}") or 0) for name in sums)
    return held, recent


def input_bytes_held(*, user) -> int:
    """Bytes of distinct input files ``user``'s jobs and uploads hold, in one query."""
    return input_usage(user=user)[0]


def input_quota_check(*, user, adding_bytes: int) -> None:
    """Raise InputQuotaExceeded if ``user`` may not store ``adding_bytes`` more of
    inputs: past STUDIO_INPUT_QUOTA_MB in all, or STUDIO_INPUT_RATE_MB_PER_HOUR
    in the last hour (InputRateExceeded)."""
    quota, rate = input_quota_bytes(), input_rate_bytes()
    if not (quota or rate) or adding_bytes <= 0:
        return
    since = timezone.now() - timedelta(hours=1) if rate else None
    held, recent = input_usage(user=user, since=since)
    if quota and held + adding_bytes > quota:
        raise InputQuotaExceeded(
            f"Your input images take {_mb(held)} MB of your {_mb(quota)} MB and these would add "
            f"{_mb(adding_bytes)} MB; delete uploaded references you no longer need, or ask staff to raise "
            f"STUDIO_INPUT_QUOTA_MB")
    if rate and recent + adding_bytes > rate:
        raise InputRateExceeded(
            f"You stored {_mb(recent)} MB of input images in the last hour and these would add "
            f"{_mb(adding_bytes)} MB, past the {_mb(rate)} MB an hour allowed; try again later "
            f"or ask staff to raise STUDIO_INPUT_RATE_MB_PER_HOUR")


def input_bytes_adding(values: dict) -> int:
    """Bytes a new job stores for ``values``: copies of its gallery images, its mask, its upload."""
    total = sum(image.bytes or 0 for image in values.get("input_images") or ())
    for name in ("mask", "input_image"):
        if upload := values.get(name):
            total += upload.size or 0
    return total


def _mb(n: int) -> str:
    return f"{n / MB:.0f}" if n >= MB else f"{n / MB:.1f}"
