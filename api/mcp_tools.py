"""What the MCP tools do, as plain synchronous functions of a token.

They call the same services as the web form and /v1/ (model rules through
the compose form, budgets inside job_create, visibility through the
gallery's selectors), so an agent can do nothing a person could not.
"""
from __future__ import annotations

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image as PILImage

from gallery.models import PromptTemplate
from gallery.prompts import template_fill
from gallery.selectors import filtered_images, people, visible_images
from studio.models import JobSource, JobStatus

from .catalog import models_for
from .edits import edit_prepare
from .errors import ApiError
from .ratelimit import in_flight_limit_for, jobs_in_flight
from .requests import generation_prepare
from .results import job_wait
from .services import api_job_create

GET_IMAGE_MAX_SIDE = 1024  # an agent's context is small: images are scaled down to this
SEARCH_MAX = 50


class ToolRefused(Exception):
    """A refusal the agent should read (a rule, a budget, a missing image)."""


def _refuse(exc: ApiError) -> ToolRefused:
    return ToolRefused(f"{exc.message} (code: {exc.code})" if exc.code else exc.message)


def _image_summary(image, base_url: str) -> dict:
    return {"id": image.pk, "prompt": image.prompt, "model": image.model_id, "width": image.width,
            "height": image.height, "seed": image.seed, "visibility": image.visibility,
            "author": getattr(image, "author_name", None) or image.owner.get_username(),
            "created": image.created_at.isoformat(), "url": base_url + image.get_absolute_url()}


def _job_answer(job, base_url: str) -> dict:
    job = job_wait(job, seconds=settings.STUDIO_API_WAIT_SECONDS)
    answer = {"job_id": job.pk, "status": job.status, "notes": job.notes}
    if job.status == JobStatus.SUCCEEDED:
        answer["images"] = [_image_summary(i, base_url) for i in job.images.order_by("index")]
        answer["cost_usd"] = str(job.cost) if job.cost is not None else None
    elif job.status == JobStatus.FAILED:
        answer["error"] = job.error_message
    else:
        answer["message"] = "Still running; call get_job later."
    return answer


def _check_in_flight(token) -> None:
    limit = in_flight_limit_for(token)
    if jobs_in_flight(token=token) >= limit:
        raise ToolRefused(f"This token already has {limit} jobs queued or running, its limit; "
                          "wait for one to finish.")


def generate_image(*, token, base_url: str, **body) -> dict:
    _check_in_flight(token)
    body = {k: v for k, v in body.items() if v is not None}
    try:
        prepared = generation_prepare(body=body, token=token)
        job, _ = api_job_create(token=token, prepared=prepared, source=JobSource.MCP,
                                visibility=body.get("visibility") or "")
    except ApiError as exc:
        raise _refuse(exc)
    return _job_answer(job, base_url)


def edit_image(*, token, base_url: str, image_ids: list[int], **body) -> dict:
    _check_in_flight(token)
    body = {k: v for k, v in body.items() if v is not None} | {"image_ids": image_ids}
    try:
        prepared, create = edit_prepare(body=body, token=token, uploads=[])
        job, _ = api_job_create(token=token, prepared=prepared, source=JobSource.MCP,
                                visibility=body.get("visibility") or "", create=create)
    except ApiError as exc:
        raise _refuse(exc)
    return _job_answer(job, base_url)


def search_gallery(*, token, base_url: str, query: str = "", model: str = "", person: str = "",
                   board: str = "", limit: int = 20) -> list[dict]:
    filters: dict = {"q": query, "model": model}
    if person:
        found = people().filter(username=person).first() or people().filter(name=person).first()
        if found is None:
            return []
        filters["person"] = found
    images = filtered_images(token.user, filters)
    if board:
        images = _on_board(images, board, token.user)
    return [_image_summary(i, base_url) for i in images[:max(1, min(limit, SEARCH_MAX))]]


def _on_board(images, board: str, user):
    """Images on the boards of that name the person may see."""
    from gallery.boards import boards_visible

    return images.filter(boards__in=boards_visible(user).filter(name=board)).distinct()


def get_image(*, token, image_id: int, max_side: int = GET_IMAGE_MAX_SIDE) -> tuple[bytes, str, dict]:
    """(bytes, format, summary) of an image the person may see, scaled to fit ``max_side``."""
    image = visible_images(token.user).filter(pk=image_id).first()
    if image is None:
        raise ToolRefused(f"No image {image_id} that you can see.")
    max_side = max(64, min(int(max_side), GET_IMAGE_MAX_SIDE))
    with image.file.open("rb") as f, PILImage.open(f) as im:
        im = im.convert("RGB")
        im.thumbnail((max_side, max_side))
        out = io.BytesIO()
        im.save(out, "JPEG", quality=85)
    return out.getvalue(), "jpeg", _image_summary(image, "")


def list_models(*, token) -> list[dict]:
    return models_for(token)


def list_templates() -> list[dict]:
    return [{"name": t.name, "description": t.description, "text": t.text, "variables": t.variables,
             "params": getattr(t, "params", None) or {}}
            for t in PromptTemplate.objects.order_by("name")]


def fill_template(*, name: str, values: dict) -> dict:
    """The prompt a template makes, with its negative prompt and stored parameters
    (its model among them), ready for generate_image."""
    template = PromptTemplate.objects.filter(name=name).first()
    if template is None:
        raise ToolRefused(f"No template named {name!r}; list_templates shows them.")
    try:
        prompt = template_fill(template, values or {})
    except ValidationError as exc:
        raise ToolRefused(" ".join(exc.messages))
    return {"prompt": prompt, "negative_prompt": template.negative_prompt,
            "params": getattr(template, "params", None) or {}}


def get_job(*, token, base_url: str, job_id: int) -> dict:
    from studio.models import Job

    job = Job.objects.filter(pk=job_id, owner=token.user).first()
    if job is None:
        raise ToolRefused(f"No job {job_id} of yours.")
    return _job_answer(job, base_url) if job.is_finished else {"job_id": job.pk, "status": job.status,
                                                              "progress": job.eta_fraction}


def gallery_base(request=None) -> str:
    return request.build_absolute_uri("/").rstrip("/") if request is not None else ""


