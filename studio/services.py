"""Writes for generation jobs: create, enqueue, cancel, retry, recover.

Views and tasks call these; running a job lives in ``runner``.
"""
from __future__ import annotations

import random
import uuid

from django.conf import settings
from django.db import transaction
from django_q.tasks import async_task

from providers.base import GenerationRequest
from providers.rules import SEED_MAX, STANDARD_PARAMS, ModelSpec
from providers.services import ModelChoice

from .models import Job


# Fields a job keeps in ``params`` (everything chosen but prompt, negative, seed).
SIZE_FIELDS = ("width", "height", "size", "aspect_ratio")


def job_create(*, owner, choice: ModelChoice, values: dict, notes=(), group=None) -> Job:
    """Record a job from validated form values and queue it once committed.

    ``notes`` are sentences about what the studio changed for this model (a
    compare adapts one request to many models); ``group`` ties a compare's jobs.
    """
    spec = choice.spec
    params = {k: values[k] for k in SIZE_FIELDS if values.get(k) not in (None, "")}
    params["n"] = values.get("n") or 1
    for name in spec.params:
        if name not in ("negative_prompt", "seed") and values.get(name) not in (None, ""):
            params[name] = values[name]
    seed = values.get("seed")
    if seed is None and "seed" in spec.params:
        # Pick it ourselves so the seed actually used is known and reusable.
        seed = random.randrange(SEED_MAX + 1)
    job = Job.objects.create(
        owner=owner, connection=choice.connection, connection_name=choice.connection.name,
        model_id=spec.id, model_label=spec.label, prompt=values["prompt"],
        negative_prompt=values.get("negative_prompt") or "", params=params, seed=seed,
        notes=list(notes), group=group, expected_seconds=spec.latency_s,
    )
    if upload := values.get("input_image"):
        job.input_image.save(f"{uuid.uuid4().hex}.{upload.name.rsplit('.', 1)[-1][:5].lower()}", upload)
    transaction.on_commit(lambda: job_enqueue(job.pk))
    return job


def job_enqueue(job_id: int) -> None:
    async_task("studio.tasks.dispatch_job", job_id, task_name=f"job-{job_id}", group="jobs",
               sync=settings.STUDIO_TASKS_INLINE)


def build_request(job: Job, spec: ModelSpec) -> GenerationRequest:
    p = job.params
    standard = {name: p.get(name) for name in STANDARD_PARAMS if name not in ("negative_prompt", "seed")}
    return GenerationRequest(
        prompt=job.prompt, model=job.model_id, negative_prompt=job.negative_prompt,
        width=p.get("width"), height=p.get("height"), size=p.get("size"),
        aspect_ratio=p.get("aspect_ratio"), n=p.get("n", 1), seed=job.seed, **standard,
        extras={k: v for k, v in p.items()
                if k in spec.params and k not in STANDARD_PARAMS},
        input_image=_read(job.input_image) if job.input_image else None,
    )


def _read(field) -> bytes:
    with field.open("rb") as f:
        return f.read()


from .runner import job_cancel, job_dispatch, job_retry, jobs_recover  # noqa: E402,F401  (public API)
