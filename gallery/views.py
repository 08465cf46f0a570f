"""Browsing stored images. Files are served here, behind access checks."""
from __future__ import annotations

import mimetypes

from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .models import Image

PAGE_SIZE = 24


def _visible_images(user):
    # Issue 5 adds per-image visibility; until then the team sees every image.
    return Image.objects.select_related("owner")


def _get_image_for_user(request, pk: int) -> Image:
    return get_object_or_404(_visible_images(request.user), pk=pk)


@require_GET
def gallery(request):
    page = Paginator(_visible_images(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "gallery/gallery.html", {"page": page})


@require_GET
def image_detail(request, pk: int):
    image = _get_image_for_user(request, pk)
    return render(request, "gallery/image_detail.html", {"image": image})


@require_GET
def image_file(request, pk: int, variant: str):
    image = _get_image_for_user(request, pk)
    if variant == "original":
        field, download = image.file, "download" in request.GET
    elif variant == "thumbnail":
        field, download = image.thumbnail, False
    else:
        raise Http404("No such file")
    filename = f"image-studio-{image.pk}.{field.name.rsplit('.', 1)[-1]}"
    response = FileResponse(field.open("rb"), as_attachment=download, filename=filename,
                            content_type=mimetypes.guess_type(field.name)[0])
    # Files never change once stored; private because each needs a login.
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
