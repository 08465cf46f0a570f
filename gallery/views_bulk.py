"""Acting on many gallery images at once: download as a zip, delete, visibility, add to a board.

Every id goes through ``image_rows``: ids one may not see are ignored, and
changes apply only to the images one may manage (one's own, or any for staff).
"""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import boards, services
from .models import Visibility
from .selectors import image_rows
from .zipstream import zip_stream
from studio.numbers import parse_id

MAX_BULK = 500
ACTIONS = {"download", "delete", "private", "team", "board"}


def _chosen(request) -> list:
    ids = [n for n in map(parse_id, request.POST.getlist("ids")) if n is not None][:MAX_BULK]
    return list(image_rows(request.user).filter(pk__in=ids).order_by("-created_at", "-id"))


def _back(request):
    back = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(back)
    return redirect("gallery")


@require_POST
def gallery_bulk(request):
    action = request.POST.get("action")
    if action not in ACTIONS:
        return HttpResponseBadRequest("Choose an action: download, delete, private, team or board.")
    images = _chosen(request)
    if not images:
        messages.error(request, "Select at least one image first.")
        return _back(request)
    if action == "download":
        return _zip_response(images)
    if action == "board":
        board = get_object_or_404(boards.boards_addable(request.user), pk=request.POST.get("board") or 0)
        added = boards.board_add(board=board, images=images)
        messages.success(request, f"Added {added} image{'s' if added != 1 else ''} to “{board.name}”.")
        return _back(request)
    mine = [image for image in images if request.user.is_staff or image.owner_id == request.user.pk]
    skipped = len(images) - len(mine)
    if action == "delete":
        for image in mine:
            services.image_delete(image)
        done = f"Deleted {len(mine)} image{'s' if len(mine) != 1 else ''}."
    else:
        visibility = Visibility.PRIVATE if action == "private" else Visibility.TEAM
        for image in mine:
            services.image_set_visibility(image, visibility)
        done = f"{len(mine)} image{'s are' if len(mine) != 1 else ' is'} now {visibility.label.lower()}."
    if skipped:
        done += f" {skipped} of someone else's {'were' if skipped != 1 else 'was'} left alone: only its author or staff may change it."
    messages.success(request, done)
    return _back(request)


def _zip_response(images) -> StreamingHttpResponse:
    files = ((f"image-studio-{image.pk}.{image.file.name.rsplit('.', 1)[-1]}", image.file) for image in images)
    response = StreamingHttpResponse(zip_stream(files), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="image-studio.zip"'
    return response
