"""Writes for generation jobs: create, run, finish. Views and tasks call these."""
from __future__ import annotations

import logging
import random
import time
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from gallery.services import image_store
from providers.base import CancelledError, GenerationRequest, Hooks, ProviderError
from providers.download import download_image
from providers.images import BadImage
from providers.registry import adapter_class
from providers.rules import SEED_MAX, STANDARD_PARAMS, ModelSpec
from providers.services import ModelChoice

from .models import Job, JobStatus

log = logging.getLogger(__name__)

# Fields a job keeps in ``params`` (everything chosen but prompt, negative, seed).
SIZE_FIELDS = ("width", "height", "size", "aspect_ratio")


def job_create(*, owner, choice: ModelChoice, values: dict) -> Job:
    """Record a job from validated form values and queue it once committed."""
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
    )
    if upload := values.get("input_image"):
        job.input_image.save(f"{uuid.uuid4().hex}.{upload.name.rsplit('.', 1)[-1][:5].lower()}", upload)
    transaction.on_commit(lambda: job_enqueue(job.pk))
    return job


def job_enqueue(job_id: int) -> None:
    async_task("studio.tasks.run_job", job_id, task_name=f"job-{job_id}", group="jobs",
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


class _Progress:
    """Writes provider progress to the job row, at most twice a second."""

    def __init__(self, job_id: int):
        self.job_id, self.last = job_id, 0.0

    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if now - self.last >= 0.5:
            self.last = now
            Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(
                progress=max(0.0, min(1.0, fraction)))


def _finish(job: Job, status: str, message: str = "") -> None:
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=status, error_message=message, finished_at=timezone.now())


def job_run(job_id: int) -> None:
    """Run one job: call its provider, store every image, record the outcome."""
    # Claim it: only a queued job starts, so a duplicate delivery does nothing.
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now())
    if not claimed:
        return
    job = Job.objects.select_related("connection", "owner").get(pk=job_id)
    try:
        _generate(job)
    except CancelledError:
        _finish(job, JobStatus.CANCELLED)
    except ProviderError as exc:
        _finish(job, JobStatus.FAILED, exc.message)
    except BadImage as exc:
        _finish(job, JobStatus.FAILED, str(exc))
    except Exception:
        log.exception("Job %s failed unexpectedly", job_id)
        _finish(job, JobStatus.FAILED,
                "Something went wrong on our side while running this job; staff can find the details in the worker log.")
    else:
        _finish(job, JobStatus.SUCCEEDED)


def _generate(job: Job) -> None:
    conn = job.connection
    if conn is None or not conn.enabled:
        raise ProviderError("This model's provider connection has been disabled or removed by staff",
                            permanent=True)
    spec = conn.spec(job.model_id)
    if spec is None:
        raise ProviderError("This model is no longer enabled on its connection", permanent=True)
    connection = conn.as_connection()
    adapter = adapter_class(conn.kind)(connection)
    hooks = Hooks(
        progress=_Progress(job.pk),
        cancelled=lambda: Job.objects.filter(pk=job.pk, status=JobStatus.CANCELLED).exists(),
    )
    result = adapter.generate(build_request(job, spec), spec, hooks)
    if not result.images:
        raise ProviderError("The provider answered but returned no image", permanent=False)
    own_host = urlsplit(connection.base_url).hostname
    for index, item in enumerate(result.images):
        data = item.data
        if data is None:
            data = download_image(item.url, client=adapter.client, own_host=own_host,
                                  max_bytes=settings.STUDIO_MAX_DOWNLOAD_BYTES,
                                  secrets=adapter.secrets)
        image_store(job=job, index=index, data=data, seed=item.seed if item.seed is not None else job.seed,
                    revised_prompt=item.revised_prompt or "")
    first_seed = result.images[0].seed
    if first_seed is not None and first_seed != job.seed:
        Job.objects.filter(pk=job.pk).update(seed=first_seed)
