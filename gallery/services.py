"""Writes for the gallery: storing a generated image and its thumbnail."""
from __future__ import annotations

import hashlib
import io
import logging
import uuid

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from PIL import Image as PILImage

from providers.images import inspect_image

from . import metadata
from .models import Favourite, Image, Profile

logger = logging.getLogger(__name__)
THUMBNAIL_MAX = 512


def thumbnail_bytes(data: bytes) -> bytes:
    """A WebP at most 512 px on its longest side."""
    with PILImage.open(io.BytesIO(data)) as im:
        im.draft("RGB", (THUMBNAIL_MAX, THUMBNAIL_MAX))  # JPEG: decode at reduced scale
        im = im.convert("RGBA" if im.mode in ("RGBA", "LA", "P") else "RGB")
        im.thumbnail((THUMBNAIL_MAX, THUMBNAIL_MAX))
        out = io.BytesIO()
        im.save(out, "WEBP", quality=82, method=4)
        return out.getvalue()


def image_store(*, job, index: int, data: bytes, seed: int | None = None,
                revised_prompt: str = "") -> Image:
    """Store one result of ``job``. Idempotent by (job, index): a task that runs
    twice returns the image stored the first time instead of a second copy."""
    existing = Image.objects.filter(job=job, index=index).first()
    if existing:
        return existing
    info = inspect_image(data)
    try:  # the parameters travel inside the file (gallery.metadata)
        embedded = metadata.embed(data, {
            "prompt": job.prompt, "negative_prompt": job.negative_prompt, "seed": seed,
            "model": f"{job.connection_id}:{job.model_id}" if job.connection_id else "",
            "model_id": job.model_id, "model_label": job.model_label,
            "connection_name": job.connection_name, "width": info.width, "height": info.height,
            "params": job.params})
        inspect_image(embedded)
        data = embedded
    except Exception:  # never lose an image for its metadata
        logger.warning("Stored image %s of job %s without its parameters", index, job.pk, exc_info=True)
    name = uuid.uuid4().hex
    image = Image(
        job=job, index=index, owner=job.owner, width=info.width, height=info.height,
        format=info.format, bytes=len(data), sha256=hashlib.sha256(data).hexdigest(),
        prompt=job.prompt, negative_prompt=job.negative_prompt, model_id=job.model_id,
        model_label=job.model_label, connection_name=job.connection_name, params=job.params,
        seed=seed, revised_prompt=revised_prompt or "",
        visibility=job.visibility or profile_for(job.owner).default_visibility,
        provider_kind=job.connection.kind if job.connection_id else "",
    )
    image.file.save(f"{name}.{info.extension}", ContentFile(data), save=False)
    image.thumbnail.save(f"{name}.webp", ContentFile(thumbnail_bytes(data)), save=False)
    try:
        with transaction.atomic():
            image.save()
    except IntegrityError:
        # Another delivery of the same task stored it first: keep theirs.
        image.file.delete(save=False)
        image.thumbnail.delete(save=False)
        return Image.objects.get(job=job, index=index)
    return image


def image_delete(image: Image) -> None:
    """Remove the row and both files."""
    files = [image.file, image.thumbnail]
    image.delete()
    for f in files:
        f.delete(save=False)


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
