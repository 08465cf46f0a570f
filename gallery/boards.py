"""Boards: who may see, change or add to one, and the writes. Views and the bulk form call these."""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet

from .models import Board, BoardImage, Image, Visibility


def boards_visible(user) -> QuerySet[Board]:
    """One's own boards and every board shared with the team (staff see all), with
    ``size``: how many of each board's images ``user`` may see. Counting every
    entry would tell a teammate how many private images the owner keeps on a
    shared board; the filter mirrors ``selectors.visible_images`` in the same query."""
    boards = Board.objects.select_related("owner")
    if user.is_staff:
        return boards.annotate(size=Count("entries"))
    seen = Q(entries__image__visibility=Visibility.TEAM) | Q(entries__image__owner=user)
    return boards.annotate(size=Count("entries", filter=seen)).filter(Q(owner=user) | Q(visibility=Visibility.TEAM))


def boards_addable(user) -> QuerySet[Board]:
    """Boards ``user`` may add images to: their own, and the team's shared ones."""
    return Board.objects.filter(Q(owner=user) | Q(visibility=Visibility.TEAM)).order_by("name", "id")


def board_can_manage(board: Board, user) -> bool:
    return user.is_staff or board.owner_id == user.pk


def board_create(*, owner, name: str, visibility: str = Visibility.PRIVATE) -> Board:
    name = name.strip()
    if not name:
        raise ValueError("A board needs a name.")
    if visibility not in Visibility.values:
        raise ValueError("Choose Private or Team.")
    try:
        with transaction.atomic():
            return Board.objects.create(owner=owner, name=name[:100], visibility=visibility)
    except IntegrityError:
        raise ValueError(f"You already have a board named “{name}”.") from None


def board_add(*, board: Board, images: list[Image]) -> int:
    """Add ``images`` (already checked visible to the person adding); returns how many were new."""
    have = set(board.entries.filter(image__in=images).values_list("image_id", flat=True))
    new = [BoardImage(board=board, image=image) for image in images if image.pk not in have]
    BoardImage.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def board_remove(*, board: Board, image_ids: list[int]) -> None:
    board.entries.filter(image_id__in=image_ids).delete()


def board_set_visibility(*, board: Board, visibility: str) -> None:
    if visibility not in Visibility.values:
        raise ValueError("Choose Private or Team.")
    board.visibility = visibility
    board.save(update_fields=["visibility"])
