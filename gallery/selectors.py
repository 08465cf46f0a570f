"""Reads for the gallery. Who may see an image is decided here and nowhere else."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from datetime import timezone as dt_timezone

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import BooleanField, Case, CharField, Exists, Max, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from .models import Favourite, Image, Visibility

_EPOCH = datetime(1970, 1, 1, tzinfo=dt_timezone.utc)


def visible_images(user) -> QuerySet[Image]:
    """Staff see every image; everyone else sees the team's and their own."""
    images = Image.objects.all()
    if user.is_staff:
        return images
    # One condition rather than an OR of two indexed columns: given the OR, the
    # planner merges two index searches and sorts every visible image in a temp
    # B-tree to show the newest page; as one condition it walks the newest-first
    # index and stops after a page.
    return images.alias(visible=Case(When(visibility=Visibility.TEAM, then=True), When(owner=user, then=True),
                                     default=False, output_field=BooleanField())).filter(visible=True)


def _author_name(prefix: str = "") -> Coalesce:
    return Coalesce(NullIf(f"{prefix}profile__display_name", Value("")), f"{prefix}username",
                    output_field=CharField())


def tile_rows(user) -> QuerySet[Image]:
    """Visible images with what a tile shows, in one query: the author's name and
    whether ``user`` has made it a favourite. No job or owner rows: a page of
    tiles needs neither."""
    return visible_images(user).annotate(
        author_name=_author_name("owner__"),
        is_favourite=Exists(Favourite.objects.filter(user=user, image=OuterRef("pk"))))


def image_rows(user) -> QuerySet[Image]:
    """``tile_rows`` with the owner and the job, for an image's own page."""
    return tile_rows(user).select_related("owner", "job")


def ids_from(values) -> list[int]:
    """The ids among ``values`` (text or ints from a form, a URL, a token's JSON or
    a file's metadata) that could name a row, in order and without repeats;
    anything else is dropped (``studio.numbers.parse_id`` says why)."""
    from studio.numbers import parse_id

    ids: list[int] = []
    for value in values:
        pk = parse_id(value)
        if pk and pk not in ids:
            ids.append(pk)
    return ids


def people() -> QuerySet:
    """Everyone who can have images, with the name the gallery shows for them."""
    return (get_user_model().objects.filter(is_active=True)
            .annotate(name=_author_name()).order_by("name"))


PEOPLE_OPTIONS_KEY = "gallery:people-options"
PEOPLE_OPTIONS_SECONDS = 300


def people_options() -> list[tuple[str, str, int]]:
    """(username, name, id) of everyone in ``people()``, for the gallery's person filter.

    Read on every gallery page, so cached; ``forget_people_options`` drops the
    copy whenever a user or a profile (the display name) is saved or deleted,
    and a change that sends no signal (a bulk update) shows within five minutes.
    """
    options = cache.get(PEOPLE_OPTIONS_KEY)
    if options is None:
        options = [(username, name, pk) for pk, username, name in people().values_list("pk", "username", "name")]
        cache.set(PEOPLE_OPTIONS_KEY, options, PEOPLE_OPTIONS_SECONDS)
    return options


# The fields people_options shows; a save that names only others (a login's
# last_login, the compose form's last_params, a theme) keeps the copy.
_PEOPLE_FIELDS = {"username", "is_active", "display_name"}


def forget_people_options(*, update_fields=None, **kwargs) -> None:
    # Now, and again once committed: a page drawn in between caches the old list again.
    if update_fields is None or _PEOPLE_FIELDS & set(update_fields):
        cache.delete(PEOPLE_OPTIONS_KEY)
        transaction.on_commit(lambda: cache.delete(PEOPLE_OPTIONS_KEY))


MODEL_OPTIONS_SECONDS = 300


def model_options(user) -> list[tuple[str, str]]:
    """(model id, "label (id)") for each model that made an image ``user`` can see.

    Finding them reads every visible image, so the list is cached: per person
    (staff share one), renewed by any new image at once and by anything else
    (a deletion, a change of visibility) within five minutes.
    """
    newest = Image.objects.aggregate(newest=Max("pk"))["newest"]
    key = f"gallery:model-options:{'staff' if user.is_staff else user.pk}:{newest}"
    options = cache.get(key)
    if options is None:
        rows = (visible_images(user).order_by("model_label", "model_id")
                .values_list("model_id", "model_label").distinct())
        options = [(model_id, f"{label} ({model_id})" if label != model_id else label) for model_id, label in rows]
        cache.set(key, options, MODEL_OPTIONS_SECONDS)
    return options


def filtered_images(user, filters: dict) -> QuerySet[Image]:
    """``tile_rows`` narrowed by a GalleryFilterForm's cleaned data, newest first."""
    images = tile_rows(user)
    scope = filters.get("scope")
    if scope == "mine":
        images = images.filter(owner=user)
    elif scope == "team":
        images = images.filter(visibility=Visibility.TEAM)
    elif scope == "favourites":
        images = images.filter(is_favourite=True)
    if filters.get("model"):
        images = images.filter(model_id=filters["model"])
    if filters.get("provider"):
        images = images.filter(provider_kind=filters["provider"])
    if filters.get("person"):
        images = images.filter(owner=filters["person"])
    # Whole days in the site's time zone; a range keeps the created_at index usable.
    if filters.get("date_from"):
        images = images.filter(created_at__gte=_start_of(filters["date_from"]))
    if filters.get("date_to"):
        images = images.filter(created_at__lt=_start_of(filters["date_to"] + timedelta(days=1)))
    for word in (filters.get("q") or "").split():
        images = images.filter(Q(prompt__icontains=word) | Q(revised_prompt__icontains=word))
    return images.order_by("-created_at", "-id")


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


# --- keyset pages: no COUNT(*), no OFFSET that slows down deep in the scroll ---

def cursor_for(image: Image) -> str:
    """Where the page after ``image`` starts: "<microseconds since 1970>-<id>"."""
    return f"{(image.created_at - _EPOCH) // timedelta(microseconds=1)}-{image.pk}"


# Bounds a cursor must keep: Python refuses to parse over 4,300 digits (a
# ValueError, not a None), and the database takes ids up to 2**63 - 1 only.
_CURSOR_MAX_DIGITS = 20
_ID_MAX = 2**63 - 1


def parse_cursor(text: str | None) -> tuple[datetime, int] | None:
    """The position a cursor names, or None when it is not one we could have made."""
    micros, _, pk = (text or "").partition("-")
    if not (micros.isdigit() and pk.isdigit() and micros.isascii() and pk.isascii()):
        return None
    if len(micros) > _CURSOR_MAX_DIGITS or len(pk) > _CURSOR_MAX_DIGITS or int(pk) > _ID_MAX:
        return None
    try:
        return _EPOCH + timedelta(microseconds=int(micros)), int(pk)
    except OverflowError:
        return None


def images_page(images: QuerySet[Image], cursor: str | None, size: int) -> tuple[list[Image], str | None]:
    """One page of ``images`` (ordered newest first) after ``cursor``, and the next page's cursor.

    A cursor that ``parse_cursor`` refuses starts at the newest image.
    """
    position = parse_cursor(cursor)
    if position:
        created_at, pk = position
        images = images.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk))
    rows = list(images[:size + 1])
    if len(rows) > size:
        return rows[:size], cursor_for(rows[size - 1])
    return rows, None
