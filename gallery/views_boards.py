"""Boards: named collections of images, private or shared with the team.

A board's link opens for its owner, staff and (when shared) every team member;
to anyone else it is a 404, like an id that does not exist.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import boards
from .models import Board, Visibility
from .selectors import image_rows
from studio.numbers import parse_id

BOARD_PAGE = 48


def _get_board_for_user(request, pk: int, *, manage: bool = False) -> Board:
    board = get_object_or_404(boards.boards_visible(request.user), pk=pk)
    if manage and not boards.board_can_manage(board, request.user):
        raise PermissionDenied("Only the board's owner or staff may change it.")
    return board


@require_http_methods(["GET", "POST"])
def board_list(request):
    error = None
    if request.method == "POST":
        try:
            board = boards.board_create(owner=request.user, name=request.POST.get("name", ""),
                                        visibility=request.POST.get("visibility") or Visibility.PRIVATE)
        except ValueError as exc:
            error = str(exc)
        else:
            return redirect(board)
    mine = boards.boards_visible(request.user)
    return render(request, "gallery/boards.html", {
        "mine": [b for b in mine if b.owner_id == request.user.pk],
        "team": [b for b in mine if b.owner_id != request.user.pk],
        "error": error, "visibility_choices": Visibility.choices}, status=400 if error else 200)


@require_GET
def board_detail(request, pk: int):
    board = _get_board_for_user(request, pk)
    images = image_rows(request.user).filter(board_entries__board=board).order_by("-board_entries__added_at", "-id")
    page = Paginator(images, BOARD_PAGE).get_page(request.GET.get("page"))
    return render(request, "gallery/board_detail.html", {
        "board": board, "images": page.object_list, "page": page,
        "can_manage": boards.board_can_manage(board, request.user)})


@require_POST
def board_change(request, pk: int):
    """Share or unshare, remove images, or delete the board (never its images)."""
    board = _get_board_for_user(request, pk, manage=True)
    action = request.POST.get("action")
    if action == "delete":
        board.delete()
        messages.success(request, f"Deleted the board “{board.name}”; its images stay in the gallery.")
        return redirect("boards")
    if action in Visibility.values:
        boards.board_set_visibility(board=board, visibility=action)
    elif action == "remove":
        boards.board_remove(board=board, image_ids=[n for n in map(parse_id, request.POST.getlist("ids")) if n is not None])
    return redirect(board)
