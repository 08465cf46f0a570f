"""Writes for generation jobs: create, cancel, retry.

Views and tasks call these; running a job lives in ``studio.jobs``.
"""
from __future__ import annotations

import logging
import random
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from providers.base import GenerationRequest, ProviderError
from providers.rules import SEED_MAX, STANDARD_PARAMS, ModelSpec
from providers.services import ModelChoice

from . import edits
from .budgets import Estimate, budget_reserve, job_estimate
from .input_quota import input_bytes_adding, input_quota_check
from .jobs.enqueue import connection_full, job_enqueue
from .jobs.recovery import jobs_recover  # noqa: F401  (the services' public face)
from .jobs.runs import job_cancelled_here
from .jobs.slots import slots_freed
from .models import AttemptOutcome, Job, JobAttempt, JobStatus


logger = logging.getLogger(__name__)

# Fields a job keeps in ``params`` (everything chosen but prompt, negative, seed).
SIZE_FIELDS = ("width", "height", "size", "aspect_ratio")


def job_create(*, owner, choice: ModelChoice, values: dict, notes=(), group=None,
               reserved: Estimate | None = None) -> Job:
    """Record a job from validated form values and queue it once committed.

    ``notes`` are sentences about what the studio changed for this model (a
    compare adapts one request to many models); ``group`` ties a compare's jobs.
    Raises BudgetExceeded unless ``reserved`` says the caller already
    reserved this job's estimate in the enclosing transaction.
    """
    values = edits.edit_values_resolve(user=owner, values=values)  # raises EditRefused
    input_quota_check(user=owner, adding_bytes=input_bytes_adding(values))  # an EditRefused
    with transaction.atomic():
        if reserved is None:
            reserved = job_estimate(choice=choice, values=values)
            budget_reserve(user=owner, estimates=[reserved])
        return _job_create(owner=owner, choice=choice, values=values, notes=notes, group=group,
                           estimate=reserved.cost)


def _job_create(*, owner, choice: ModelChoice, values: dict, notes, group, estimate) -> Job:
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
    conn = choice.connection
    # A job whose connection has no free slot is made parked and not sent (see
    # connection_full); one with an upload is sent, so that it never starts
    # before its file is written when the transaction commits.
    parked = not values.get("input_image") and connection_full(conn)
    job = Job.objects.create(
        owner=owner, connection=conn, connection_name=conn.name,
        model_id=spec.id, model_label=spec.label, prompt=values["prompt"],
        negative_prompt=values.get("negative_prompt") or "", params=params, seed=seed,
        notes=list(notes), group=group, expected_seconds=spec.latency_s, estimate=estimate,
        input_image_bytes=values["input_image"].size if values.get("input_image") else None,
        **({"slot_wait_since": timezone.now(), "phase": f"Waiting for a free slot on {conn.name} "
                                                         f"({max(1, conn.max_concurrency)} calls in flight)"}
           if parked else {}),
    )
    if upload := values.get("input_image"):
        # Written once the row is committed: a transaction that rolls back
        # (a budget refusal, a later job of a compare) leaves no file behind.
        # The bytes are read now: the upload's temporary file ends with the request.
        name = f"{uuid.uuid4().hex}.{upload.name.rsplit('.', 1)[-1][:5].lower()}"
        content = ContentFile(upload.read(), name=name)
        transaction.on_commit(lambda: _input_image_attach(job, content))
    edits.job_inputs_save(job=job, values=values)
    if not parked:
        transaction.on_commit(lambda: job_enqueue(job.pk))
    return job


def _input_image_attach(job: Job, content: ContentFile) -> None:
    try:
        job.input_image.save(content.name, content, save=False)
    except OSError:
        logger.exception("Could not store the input image of job %s", job.pk)
        Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
            status=JobStatus.FAILED, finished_at=timezone.now(),
            error_message="The input image could not be stored; please try again.")
        return
    Job.objects.filter(pk=job.pk).update(input_image=job.input_image.name)


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
        **edits.request_fields(job),
    )


def _read(field) -> bytes:
    with field.open("rb") as f:
        return f.read()


# --- cancel, retry, recovery ----------------------------------------------------

def job_cancel(job: Job) -> bool:
    """Cancel a queued or running job. Its call's slot is free at once; the call
    itself is aborted within moments (at once when it runs in this process)."""
    now = timezone.now()
    with transaction.atomic():
        done = Job.objects.filter(pk=job.pk, status__in=(JobStatus.QUEUED, JobStatus.RUNNING)).update(
            status=JobStatus.CANCELLED, finished_at=now, phase="", slot_wait_since=None)
        running = JobAttempt.objects.filter(job_id=job.pk, outcome=AttemptOutcome.RUNNING)
        conn_ids = {c for c in running.values_list("connection_id", flat=True) if c}
        running.update(outcome=AttemptOutcome.CANCELLED, finished_at=now, error="Cancelled")
    if done:
        job_cancelled_here(job.pk)
        for conn_id in conn_ids:
            slots_freed(conn_id)
    return bool(done)


@transaction.atomic  # the budget reservation holds its lock until the job is saved
def job_retry(job: Job, *, owner) -> Job:
    """A new job with the same model and parameters (the old one stays as it was)."""
    conn = job.connection
    spec = conn.spec(job.model_id) if conn and conn.enabled else None
    if spec is None:
        raise ProviderError("This model is no longer available", permanent=True)
    reserved = job_estimate(choice=ModelChoice(conn, spec),
                            values={**job.params, "input_sizes": edits.job_input_sizes(job)},
                            input_file=job.input_image or None)
    budget_reserve(user=owner, estimates=[reserved])
    new = Job.objects.create(
        owner=owner, connection=conn, connection_name=conn.name, model_id=job.model_id,
        model_label=job.model_label, prompt=job.prompt, negative_prompt=job.negative_prompt,
        params=job.params, seed=job.seed, notes=job.notes, group=job.group, input_image=job.input_image.name,
        input_image_bytes=job.input_image_bytes,
        expected_seconds=job.expected_seconds, estimate=reserved.cost,
    )
    edits.job_inputs_copy(old=job, new=new)
    transaction.on_commit(lambda: job_enqueue(new.pk))
    return new
