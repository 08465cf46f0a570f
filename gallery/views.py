"""Browsing stored images and acting on them. Files are served here, behind access checks.

Every view finds its image through ``_get_image_for_user``: an image someone may
not see is a 404, the same as an id that does not exist, so ids cannot be probed;
an image they may see but not manage (delete, visibility) is a 403.
"""
from __future__ import annotations

import mimetypes

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from providers.registry import KINDS

from . import lineage, prompts, services
from .boards import boards_addable
from .forms import GalleryFilterForm
from .models import Image, Visibility
from .selectors import filtered_images, image_rows, images_page, parse_cursor, visible_images
from studio.numbers import parse_id

PAGE_SIZE = 24


def _can_manage(user, image: Image) -> bool:
    return user.is_staff or image.owner_id == user.pk


def _get_image_for_user(request, pk: int, *, manage: bool = False) -> Image:
    image = get_object_or_404(image_rows(request.user).select_related("job"), pk=pk)
    if manage and not _can_manage(request.user, image):
        raise PermissionDenied("Only its author or staff may change this image.")
    return image


@require_GET
@vary_on_headers("HX-Request", "HX-Target")  # the same URL answers a page, the results, or only tiles
def gallery(request):
    form = GalleryFilterForm(request.GET, user=request.user)
    before = request.GET.get("before")
    if before and parse_cursor(before) is None:
        # A mangled "Older" link: show the newest page, and say why.
        form.is_valid()  # clean first: cleaning later would drop the message added here
        form.add_error(None, ValidationError("That page link is broken; showing the newest images.",
                                             code="cursor"))
        before = None
    filtered = filtered_images(request.user, form.filters)
    if request.htmx and "since" in request.GET:
        return _newer_tiles(request, filtered)
    images, cursor = images_page(filtered, before, PAGE_SIZE)
    context = {"form": form, "images": images,
               "next_url": _gallery_url(request, before=cursor) if cursor else None,
               "newest_url": _gallery_url(request, before=None) if "before" in request.GET else None}
    if "before" not in request.GET:
        context["poll_url"] = _gallery_url(request, before=None, since=max((i.pk for i in images), default=0))
    if request.htmx:
        if request.headers.get("HX-Target") == "gallery-results":  # a filter changed
            return render(request, "gallery/gallery.html#results", context)
        return render(request, "gallery/gallery.html#tiles", context)
    context["boards"] = boards_addable(request.user)
    return render(request, "gallery/gallery.html", context)


def _newer_tiles(request, filtered):
    """Images made since the page was shown (polled by htmx); 204 keeps the page as it is."""
    since = request.GET["since"]
    since_id = parse_id(since)
    newer = list(filtered.filter(pk__gt=since_id)[:PAGE_SIZE]) if since_id is not None else []
    if not newer:
        return HttpResponse(status=204)
    poll_url = _gallery_url(request, before=None, since=max(i.pk for i in newer))
    return render(request, "gallery/gallery.html#new-tiles", {"images": newer, "poll_url": poll_url})


def _gallery_url(request, *, before: str | None, since: int | None = None) -> str:
    """This gallery view with its filters kept, starting after ``before`` (or at the newest);
    with ``since``, the poll for images newer than that id."""
    query = request.GET.copy()
    query.pop("before", None)
    query.pop("since", None)
    if before:
        query["before"] = before
    if since is not None:
        query["since"] = since
    return f"{request.path}?{query.urlencode()}" if query else request.path


@require_GET
def image_detail(request, pk: int):
    image = _get_image_for_user(request, pk)
    return render(request, "gallery/image_detail.html", _detail_context(request, image))


def _detail_context(request, image: Image, **extra) -> dict:
    kind = KINDS.get(image.provider_kind)
    return {"image": image, "can_manage": _can_manage(request.user, image),
            "provider_label": kind.label if kind else image.provider_kind,
            "reuse_url": compose_url(image, keep_seed=True) + lineage.reuse_query(user=request.user, image=image),
            "vary_url": compose_url(image, keep_seed=False),
            "visibility_choices": Visibility.choices, **extra}


def compose_url(image: Image, *, keep_seed: bool) -> str:
    """The compose page filled in with everything that made ``image``.

    Without the seed (Vary) the compose form picks a new random one.
    """
    params: dict[str, object] = {}
    if image.job and image.job.connection_id:  # the model key needs the connection
        params["model"] = f"{image.job.connection_id}:{image.model_id}"
    for key, value in (image.params or {}).items():
        if value is None or key in ("seed", "model", "prompt", "negative_prompt"):
            continue
        # A checkbox's initial "False" would read as ticked: pass "" instead.
        params[key] = ("on" if value else "") if isinstance(value, bool) else value
    if keep_seed and image.seed is not None:
        params["seed"] = image.seed
    return prompts.compose_url(image.prompt, image.negative_prompt, params)


@require_GET
def image_reuse(request, pk: int):
    """Compose filled from the image (with its seed); a link per tile costs no more than its id."""
    image = _get_image_for_user(request, pk)
    # An edited image's inputs come back in the reference tray too.
    return redirect(compose_url(image, keep_seed=True) + lineage.reuse_query(user=request.user, image=image))


@require_GET
def image_vary(request, pk: int):
    return redirect(compose_url(_get_image_for_user(request, pk), keep_seed=False))


@require_GET
def image_file(request, pk: int, variant: str):
    # Who may see it, without the job and author rows the page needs.
    image = get_object_or_404(visible_images(request.user), pk=pk)
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


@require_POST
def image_favourite(request, pk: int):
    """Make it a favourite (favourite=1) or not (favourite=0); htmx gets the button back."""
    image = _get_image_for_user(request, pk)
    image.is_favourite = request.POST.get("favourite") == "1"
    services.favourite_set(user=request.user, image=image, on=image.is_favourite)
    if request.htmx:
        return render(request, "gallery/gallery.html#favourite", {"image": image})
    return redirect(image)


@require_POST
def image_visibility(request, pk: int):
    image = _get_image_for_user(request, pk, manage=True)
    visibility = request.POST.get("visibility")
    if visibility not in Visibility.values:
        return HttpResponseBadRequest("Choose Private or Team.")
    services.image_set_visibility(image, visibility)
    return redirect(image)


@require_http_methods(["GET", "POST"])
def image_delete(request, pk: int):
    """GET asks first (the page for browsers without JavaScript); POST deletes row and files."""
    image = _get_image_for_user(request, pk, manage=True)
    if request.method == "GET":
        return render(request, "gallery/image_detail.html",
                      _detail_context(request, image, confirm_delete=True))
    services.image_delete(image)
    if request.htmx:
        return HttpResponseClientRedirect(reverse("gallery"))
    return redirect("gallery")
