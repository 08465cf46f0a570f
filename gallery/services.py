"""Writes for the gallery: storing a generated image and its thumbnail."""
from __future__ import annotations

import hashlib
import io
import logging
import uuid

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from PIL import Image as PILImage

from providers.images import decode_image
from studio.fields import SEED_LIMIT

from . import lineage, metadata
from .models import BoardImage, Favourite, Image, Profile

logger = logging.getLogger(__name__)
THUMBNAIL_MAX = 512
SEED_STORE_MAX = SEED_LIMIT - 1  # SeedField holds 0 to 2**64 - 1


def thumbnail_from(im: PILImage.Image) -> bytes:
    """A WebP at most 512 px on its longest side, from a decoded picture (left as it was).

    Scaled first and converted after, so a 4 MP picture is converted at 512 px.
    """
    if im.mode == "P":
        im = im.convert("RGBA")
    scale = min(1.0, THUMBNAIL_MAX / max(im.size))
    size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
    # What Image.thumbnail() does (bicubic, reducing_gap 2), without changing `im`.
    small = im.resize(size, PILImage.Resampling.BICUBIC, reducing_gap=2.0) if size != im.size else im
    mode = "RGBA" if small.mode in ("RGBA", "LA", "PA") else "RGB"
    small = small if small.mode == mode else small.convert(mode)
    out = io.BytesIO()
    small.save(out, "WEBP", quality=82, method=4)
    return out.getvalue()


def image_store(*, job, index: int, data: bytes, seed: int | None = None,
                revised_prompt: str = "", decoded: tuple | None = None, cost=None,
                first_run: bool = False) -> Image:
    """Store one result of ``job``. Idempotent by (job, index): a task that runs
    twice returns the image stored the first time instead of a second copy.
    ``first_run``: no earlier run of the job can have stored it, so the look
    for one is skipped (the unique row still settles a race).

    The bytes are decoded once (``decode_image``, the full check), or not at
    all when the caller passes what it decoded as ``decoded``; the thumbnail is
    made from that picture. Embedding the parameters only splices metadata, so
    the embedded file is checked by reading its headers back, not decoded.
    """
    if seed is not None and not (isinstance(seed, int) and 0 <= seed <= SEED_STORE_MAX):
        # A provider's seed the database cannot hold (2**80 was seen) is not kept.
        logger.warning("Job %s: dropped out-of-range seed %.40s", job.pk, seed)
        seed = None
    if not first_run and (existing := Image.objects.filter(job=job, index=index).first()):
        return existing
    picture, info = decoded or decode_image(data)
    try:
        thumbnail = thumbnail_from(picture)
    finally:
        picture.close()
    fields = {"prompt": job.prompt, "negative_prompt": job.negative_prompt, "seed": seed,
              "model": f"{job.connection_id}:{job.model_id}" if job.connection_id else "",
              "model_id": job.model_id, "model_label": job.model_label,
              "connection_name": job.connection_name, "width": info.width, "height": info.height,
              "params": job.params, **lineage.lineage_metadata(job)}
    try:  # the parameters travel inside the file (gallery.metadata)
        data = _embedded(data, fields, info)
    except Exception:  # never lose an image for its metadata
        logger.warning("Stored image %s of job %s without its parameters", index, job.pk, exc_info=True)
    name = uuid.uuid4().hex
    image = Image(
        job=job, index=index, owner=job.owner, width=info.width, height=info.height,
        format=info.format, bytes=len(data), sha256=hashlib.sha256(data).hexdigest(),
        prompt=job.prompt, negative_prompt=job.negative_prompt, model_id=job.model_id,
        model_label=job.model_label, connection_name=job.connection_name, params=job.params,
        seed=seed, revised_prompt=revised_prompt or "", cost=cost,
        visibility=job.visibility or _default_visibility(job.owner),
        provider_kind=job.connection.kind if job.connection_id else "",
    )
    image.file.save(f"{name}.{info.extension}", ContentFile(data), save=False)
    image.thumbnail.save(f"{name}.webp", ContentFile(thumbnail), save=False)
    try:
        with transaction.atomic():
            image.save()
            if job.board_id:  # an API or MCP call named a board (api/)
                BoardImage.objects.get_or_create(board_id=job.board_id, image=image)
    except Exception as exc:
        # No row, no files: whatever refused the row (a duplicate delivery, a
        # value the database cannot hold) must not leave orphans behind.
        image.file.delete(save=False)
        image.thumbnail.delete(save=False)
        if isinstance(exc, IntegrityError):  # another delivery stored it first: keep theirs
            return Image.objects.get(job=job, index=index)
        raise
    lineage.lineage_record(image=image, job=job)
    return image


def _embedded(data: bytes, fields: dict, info) -> bytes:
    """``data`` with ``fields`` inside, checked by reading its headers and our fields back."""
    embedded = metadata.embed(data, fields)
    back = metadata.read_container(embedded)
    if back is None or (back.format, back.width, back.height) != (info.format, info.width, info.height):
        raise metadata.MetadataError("The file with its parameters no longer reads as the same picture")
    if metadata.read(embedded).get("prompt") != fields["prompt"]:
        raise metadata.MetadataError("The parameters written do not read back")
    return embedded


def image_delete(image: Image) -> None:
    """Remove the row and both files."""
    files = [image.file, image.thumbnail]
    image.delete()
    for f in files:
        f.delete(save=False)


def _default_visibility(user) -> str:
    try:  # the job runner reads the profile with the job
        return user.profile.default_visibility
    except Profile.DoesNotExist:
        return profile_for(user).default_visibility


def profile_for(user) -> Profile:
    """The person's profile, made with the defaults on first use."""
    return Profile.objects.get_or_create(user=user)[0]


def favourite_set(*, user, image: Image, on: bool) -> None:
    """Mark or unmark ``image`` as one of ``user``'s favourites (idempotent)."""
    if on:
        Favourite.objects.get_or_create(user=user, image=image)
    else:
        Favourite.objects.filter(user=user, image=image).delete()


def image_set_visibility(image: Image, visibility: str) -> None:
    image.visibility = visibility
    image.save(update_fields=["visibility"])
