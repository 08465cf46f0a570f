"""POST /v1/images/generations and /v1/images/edits, as OpenAI answers them."""
from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse

from studio.models import JobSource, JobStatus

from .auth import api_view, json_body
from .edits import edit_prepare
from .errors import ApiError
from .requests import generation_prepare
from .results import images_response, job_json, job_wait
from .services import api_job_create, request_fingerprint


def _answer(request, job, *, response_format: str, replayed: bool) -> JsonResponse:
    job = job_wait(job, seconds=settings.STUDIO_API_WAIT_SECONDS)
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    if job.status == JobStatus.SUCCEEDED:
        response = JsonResponse(images_response(request, job, response_format=response_format))
    elif job.status == JobStatus.FAILED:
        raise ApiError(502, f"The provider could not make this image: {job.error_message}",
                       code="generation_failed", error_type="api_error", headers=headers)
    elif job.status == JobStatus.CANCELLED:
        raise ApiError(409, "This job was cancelled.", code="job_cancelled", headers=headers)
    else:  # still queued or running: the caller polls GET /v1/jobs/{id}
        response = JsonResponse(job_json(request, job), status=202)
        response["Location"] = request.build_absolute_uri(f"/v1/jobs/{job.pk}")
    for name, value in headers.items():
        response[name] = value
    return response


@api_view(methods=("POST",), creates_jobs=True)
def generations(request):
    body = json_body(request)
    prepared = generation_prepare(body=body, token=request.api_token)
    job, replayed = api_job_create(
        token=request.api_token, prepared=prepared, visibility=body.get("visibility") or "",
        idempotency_key=request.headers.get("Idempotency-Key", ""), fingerprint=request_fingerprint(body),
        source=JobSource.API)
    return _answer(request, job, response_format=body.get("response_format") or "b64_json",
                   replayed=replayed)


@api_view(methods=("POST",), creates_jobs=True)
def edits(request):
    if request.content_type == "application/json":
        body, files = json_body(request), {}
    else:
        body, files = request.POST.dict(), request.FILES
    images = files.getlist("image") + files.getlist("image[]") if files else []
    mask = files.get("mask") if files else None
    prepared, create = edit_prepare(body=body, token=request.api_token, uploads=images, mask=mask)
    job, replayed = api_job_create(
        token=request.api_token, prepared=prepared, visibility=body.get("visibility") or "",
        idempotency_key=request.headers.get("Idempotency-Key", ""),
        fingerprint=request_fingerprint(body, {f"image{i}": f for i, f in enumerate(images)}
                                        | ({"mask": mask} if mask else {})),
        source=JobSource.API, create=create)
    return _answer(request, job, response_format=body.get("response_format") or "b64_json",
                   replayed=replayed)
