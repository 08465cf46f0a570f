"""What a finished (or still running) job looks like to an API caller, and the
signed, expiring links its images get instead of a login."""
from __future__ import annotations

import base64
import time

from django.conf import settings
from django.core import signing
from django.db import close_old_connections, connection
from django.urls import reverse

from studio.models import Job, JobStatus

SALT = "api.image-link"


def image_link(request, image) -> str:
    """An absolute URL that serves ``image`` to anyone holding it until it expires."""
    value = signing.TimestampSigner(salt=SALT).sign(str(image.pk))
    return request.build_absolute_uri(reverse("api-image-link", args=[value]))


def image_from_link(value: str):
    """The image id a link names, or None when it is forged or expired."""
    try:
        return int(signing.TimestampSigner(salt=SALT).unsign(value, max_age=settings.STUDIO_API_LINK_SECONDS))
    except (signing.BadSignature, ValueError):
        return None


def job_wait(job: Job, *, seconds: float) -> Job:
    """Poll the job row until it finishes or ``seconds`` pass. The connection
    is closed between polls, so a long wait holds no database connection."""
    deadline = time.monotonic() + seconds
    while not job.is_finished and time.monotonic() < deadline:
        idle = not connection.in_atomic_block
        if idle:
            connection.close()
        time.sleep(min(settings.STUDIO_API_POLL_SECONDS, max(deadline - time.monotonic(), 0)))
        if idle:
            close_old_connections()
        job.refresh_from_db()
    return job


def job_json(request, job: Job) -> dict:
    """GET /v1/jobs/{id}: status, progress and images (as links)."""
    images = list(job.images.order_by("index")) if job.status == JobStatus.SUCCEEDED else []
    return {
        "id": job.pk, "object": "image.job", "status": job.status, "phase": job.phase,
        "progress": job.eta_fraction, "model": job.model_id, "prompt": job.prompt,
        "created": int(job.created_at.timestamp()), "error": job.error_message or None,
        "source": job.source, "cost_usd": str(job.cost) if job.cost is not None else None,
        "estimate_usd": str(job.estimate) if job.estimate is not None else None,
        "notes": job.notes,
        "images": [{"id": image.pk, "url": image_link(request, image), "width": image.width,
                    "height": image.height, "seed": image.seed,
                    "gallery_url": request.build_absolute_uri(image.get_absolute_url())}
                   for image in images],
    }


def images_response(request, job: Job, *, response_format: str) -> dict:
    """OpenAI's ``ImagesResponse`` for a succeeded job, with the studio's ids beside it."""
    data = []
    images = list(job.images.order_by("index"))
    for image in images:
        item = {"revised_prompt": image.revised_prompt or None}
        if response_format == "url":
            item["url"] = image_link(request, image)
        else:
            with image.file.open("rb") as f:
                item["b64_json"] = base64.b64encode(f.read()).decode()
        data.append(item)
    first = images[0] if images else None
    usage = job.usage if isinstance(job.usage, dict) else {}
    response = {"created": int(job.created_at.timestamp()), "data": data,
                "studio": {"job_id": job.pk, "image_ids": [i.pk for i in images],
                           "cost_usd": str(job.cost) if job.cost is not None else None,
                           "notes": job.notes}}
    if first is not None:
        response["size"] = f"{first.width}x{first.height}"
        response["output_format"] = first.format.lower()
    if {"input_tokens", "output_tokens"} <= set(usage):
        response["usage"] = {k: usage[k] for k in ("input_tokens", "output_tokens", "total_tokens") if k in usage}
    return response
