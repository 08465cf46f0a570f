"""Editing: a job's input images, mask and strength, from the form to the provider.

``edit_values_resolve`` turns the image ids a form sent into gallery images
the person may use (through ``gallery.selectors``: a member can never use
another member's private image by guessing its id); ``job_inputs_save`` keeps
a private copy of each with the job; ``request_fields`` reads them back for
the provider. ``job_create`` calls all three, so the web form, a retry and any
API go through the same rules.
"""
from __future__ import annotations

import uuid

from django.core.files.base import ContentFile

from .models import InputRole, JobInput

MAX_MASK_BYTES = 4 * 2**20  # OpenAI's limit for a mask, the smallest of the providers'


class EditRefused(ValueError):
    """The inputs cannot be used as sent; the message names the rule."""


class InputNotAllowed(EditRefused):
    """An image id that does not exist or that this person may not see."""


def edit_values_resolve(*, user, values: dict) -> dict:
    """``values`` plus ``input_images`` (gallery images, in order) and ``input_sizes``
    ((width, height) of every input, for the estimate); raises EditRefused."""
    from gallery.selectors import visible_images

    ids = [int(i) for i in values.get("references") or ()]
    if not ids and not values.get("mask"):
        return values
    found = {image.pk: image for image in visible_images(user).filter(pk__in=ids)}
    for pk in ids:
        if pk not in found:
            raise InputNotAllowed(f"Image {pk} does not exist or is private to someone else, "
                                  "so it cannot be used as an input")
    images = [found[pk] for pk in ids]
    sizes = [(image.width, image.height) for image in images]
    if mask := values.get("mask"):
        if not images:
            raise EditRefused("A mask needs the image it applies to")
        mask_size = _mask_size(mask)
        if mask_size != sizes[0]:
            raise EditRefused(f"The mask must be the size of the image it applies to "
                              f"({sizes[0][0]}×{sizes[0][1]}); it is "
                              f"{mask_size[0]}×{mask_size[1]}" if mask_size else
                              "The mask must be a PNG image")
    return {**values, "input_images": images, "input_sizes": sizes}


def _mask_size(mask) -> tuple[int, int] | None:
    from PIL import Image, UnidentifiedImageError

    try:
        mask.seek(0)
        if mask.size > MAX_MASK_BYTES:
            raise EditRefused(f"The mask must be at most {MAX_MASK_BYTES // 2**20} MB")
        with Image.open(mask) as im:
            if im.format != "PNG":
                return None
            size = im.size
        mask.seek(0)
        return size
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        if isinstance(exc, EditRefused):
            raise
        return None


def job_inputs_save(*, job, values: dict) -> None:
    """Record ``job``'s operation and keep a private copy of its inputs and mask.

    The bytes are read now (an upload's temporary file ends with the request)
    and written once the job's row is committed, as the single-image upload
    is: a transaction that rolls back leaves no file behind. Call it before
    the job is enqueued, so the copies exist when the task reads them.
    """
    from django.db import transaction

    images = values.get("input_images") or []
    operation = values.get("operation") or ("reference" if images else "generate")
    job.operation = operation
    if values.get("strength") not in (None, ""):
        job.params["strength"] = float(values["strength"])
    job.save(update_fields=["operation", "params"])
    first_role = InputRole.REFERENCE if operation == "reference" else InputRole.IMAGE
    rows = []
    for position, image in enumerate(images):
        with image.file.open("rb") as f:
            data = f.read()
        extension = image.file.name.rsplit(".", 1)[-1][:5].lower()
        rows.append((JobInput(job=job, position=position, width=image.width, height=image.height,
                              bytes=len(data), role=first_role if position == 0 else InputRole.REFERENCE,
                              source=image, source_label=_label(image)),
                     f"{uuid.uuid4().hex}.{extension}", data))
    if mask := values.get("mask"):
        width, height = _mask_size(mask) or (0, 0)
        mask.seek(0)
        data = mask.read()
        rows.append((JobInput(job=job, position=len(images), role=InputRole.MASK, width=width,
                              height=height, bytes=len(data)), f"{uuid.uuid4().hex}.png", data))
    if rows:
        transaction.on_commit(lambda: _inputs_attach(rows))


def _inputs_attach(rows) -> None:
    for row, name, data in rows:
        row.file.save(name, ContentFile(data), save=True)


def _label(image) -> str:
    return f"Image {image.pk}: {image.prompt[:160]}"


def job_inputs_copy(*, old, new) -> None:
    """A retry sends the same inputs: the rows point at the same private files."""
    for row in old.inputs.all():
        JobInput.objects.create(job=new, position=row.position, role=row.role, file=row.file.name,
                                width=row.width, height=row.height, bytes=row.bytes, source=row.source,
                                source_label=row.source_label)
    if old.operation != new.operation:
        new.operation = old.operation
        new.save(update_fields=["operation"])


def job_input_sizes(job) -> list[tuple[int, int]]:
    return [(r.width, r.height) for r in job.inputs.all() if r.role != InputRole.MASK]


def request_fields(job) -> dict:
    """GenerationRequest's editing fields for ``job``: operation, images, mask, strength."""
    images, mask = [], None
    for row in job.inputs.all():
        with row.file.open("rb") as f:
            data = f.read()
        if row.role == InputRole.MASK:
            mask = data
        else:
            images.append(data)
    if images and job.input_image:  # an upload beside gallery images goes first, as the form counts it
        with job.input_image.open("rb") as f:
            images.insert(0, f.read())
    strength = (job.params or {}).get("strength")
    return {"operation": job.operation or "generate", "input_images": tuple(images), "mask": mask,
            "strength": float(strength) if strength is not None else None}


def restore_inputs(*, user, found: dict) -> tuple[dict, str]:
    """From a restored file's fields: the form values that bring its inputs back
    (those still here and visible) and a sentence naming the ones missing."""
    from gallery.lineage import inputs_missing
    from gallery.selectors import ids_from, visible_images

    inputs, operation = found.pop("inputs", None), found.pop("operation", None)
    if not isinstance(inputs, list) or not inputs:
        return {}, ""
    missing = inputs_missing(user=user, inputs=inputs)
    ids = ids_from(item["id"] for item in inputs if isinstance(item, dict) and isinstance(item.get("id"), int))
    here = set(visible_images(user).filter(pk__in=ids).values_list("pk", flat=True))
    present = [pk for pk in ids if pk in here]
    note = f" Made by {operation or 'editing'} from {len(inputs)} image{'s' if len(inputs) != 1 else ''}"
    note += (": " + "; ".join(missing) + "." if missing else "; all of them are here.")
    # "12,15": one value, so it survives a query string read with QueryDict.dict().
    update = {"references": ",".join(map(str, present)), "operation": operation} if present else {}
    return update, note


def reference_upload_store(*, owner, upload):
    """A desktop file for the reference tray, kept as a private gallery image of
    ``owner`` (no job made it), so it can be an input and appear in lineage."""
    import hashlib

    from gallery.models import Image, Visibility
    from gallery.services import thumbnail_from
    from providers.images import BadImage, decode_image

    from .forms import MAX_INPUT_IMAGE_BYTES
    from .input_quota import input_quota_check

    if upload is None:
        raise EditRefused("Choose an image file")
    if upload.size > MAX_INPUT_IMAGE_BYTES:
        raise EditRefused(f"A reference must be at most {MAX_INPUT_IMAGE_BYTES // 2**20} MB")
    input_quota_check(user=owner, adding_bytes=upload.size)
    data = upload.read()
    try:
        picture, info = decode_image(data)
    except BadImage as exc:
        raise EditRefused(f"This file is not an image the studio can use: {exc}") from None
    try:
        thumbnail = thumbnail_from(picture)
    finally:
        picture.close()
    name = uuid.uuid4().hex
    image = Image(owner=owner, width=info.width, height=info.height, format=info.format,
                  bytes=len(data), sha256=hashlib.sha256(data).hexdigest(),
                  prompt=f"Uploaded reference ({upload.name[:80]})", model_id="upload",
                  model_label="Uploaded", connection_name="", params={},
                  visibility=Visibility.PRIVATE)
    image.file.save(f"{name}.{info.extension}", ContentFile(data), save=False)
    image.thumbnail.save(f"{name}.webp", ContentFile(thumbnail), save=False)
    image.save()
    return image
