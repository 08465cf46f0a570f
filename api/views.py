"""GET /v1/models, /v1/jobs/{id} (and DELETE to cancel), signed image links, the schema."""
from __future__ import annotations

import mimetypes

from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, JsonResponse
from django.views.decorators.http import require_GET

from gallery.models import Image
from studio.models import Job
from studio.services import job_cancel

from .auth import api_view
from .catalog import models_for
from .errors import ApiError
from .openapi import schema
from .results import image_from_link, job_json


@api_view(methods=("GET",))
def models(request):
    return JsonResponse({"object": "list", "data": models_for(request.api_token)})


def _job_for(request, pk: int) -> Job:
    # Staff see every job on the web; through a token a person reaches only their own.
    job = Job.objects.filter(pk=pk, owner=request.user).first()
    if job is None:
        raise ApiError(404, f"No job {pk} of yours.", code="job_not_found")
    return job


@api_view(methods=("GET", "DELETE"))
def job(request, pk: int):
    job = _job_for(request, pk)
    if request.method == "DELETE":
        job_cancel(job)
        job.refresh_from_db()
    return JsonResponse(job_json(request, job))


@login_not_required  # the signature is the permission; it expires
@require_GET
def image_link(request, value: str):
    pk = image_from_link(value)
    image = Image.objects.filter(pk=pk).first() if pk else None
    if image is None:
        raise Http404("This link is wrong or has expired.")
    response = FileResponse(image.file.open("rb"), content_type=mimetypes.guess_type(image.file.name)[0])
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_not_required
@require_GET
def openapi(request):
    return JsonResponse(schema(request.build_absolute_uri("/v1")))
