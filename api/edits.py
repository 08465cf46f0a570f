"""Edit requests: input images from an upload or the gallery, through the
studio's own editing rules and services (studio.edits, providers.image_inputs).

Uploads become the person's private gallery images, as a file dropped on the
web's reference tray does, and then travel as references like gallery ids.
The model's image-inputs rule is asked first, so a request it refuses stores
nothing. A token acts as its person: a gallery image is usable by id only if
that person may see it, so another member's private image is "not found",
exactly as on the web.
"""
from __future__ import annotations

from gallery.selectors import ids_from, visible_images
from studio.edits import EditRefused, reference_upload_store
from studio.forms import MAX_INPUT_IMAGE_BYTES
from studio.input_quota import InputQuotaExceeded

from .errors import ApiError, input_quota_error
from .requests import generation_prepare, model_resolve

# The rule's field names, as OpenAI's edits endpoint calls them.
PARAMS = {"references": "image", "mask": "mask", "operation": "operation", "strength": "strength"}


def _ids(value) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in value):
        raise ApiError(400, "image_ids must be a list of gallery image ids.", code="invalid_value",
                       param="image_ids")
    return value


def edit_prepare(*, body: dict, token, uploads: list, mask=None):
    """(Prepared values, None) for an edit, queued by job_create like the web's; ApiError if refused."""
    ids = _ids(body.get("image_ids"))
    if not uploads and not ids:
        raise ApiError(400, "An edit needs an image: send image (or image[]) as a file, or image_ids.",
                       code="missing_required_parameter", param="image")
    for upload in [*uploads, *([mask] if mask else [])]:
        if upload.size > MAX_INPUT_IMAGE_BYTES:
            raise ApiError(413, f"Each image must be at most {MAX_INPUT_IMAGE_BYTES // 2**20} MB.",
                           code="file_size", param="mask" if upload is mask else "image")
    # ids_from: an id the database cannot hold is not found, rather than a driver error.
    visible = set(visible_images(token.user).filter(pk__in=ids_from(ids)).values_list("pk", flat=True))
    if missing := [pk for pk in ids if pk not in visible]:
        raise ApiError(404, f"No image {missing[0]} that you can see.", code="image_not_found", param="image_ids")
    operation = body.get("operation") or "edit"
    spec = model_resolve(name=body.get("model"), token=token).spec
    for violation in spec.image_inputs.check_values(
            {"operation": operation, "input_count": len(uploads) + len(ids), "mask": mask is not None,
             "strength": body.get("strength")}, spec.label):
        raise ApiError(400, f"{violation.message}.", code=violation.code,
                       param=PARAMS.get(violation.field, violation.field))
    stored: list[int] = []
    try:
        for upload in uploads:
            stored.append(reference_upload_store(owner=token.user, upload=upload).pk)
        prepared = generation_prepare(body=body, token=token, extra={"operation": operation,
                                                                     "references": stored + ids},
                                      files={"mask": mask} if mask is not None else None)
    except InputQuotaExceeded as exc:
        uploads_discard(stored)
        raise input_quota_error(exc)
    except EditRefused as exc:
        uploads_discard(stored)
        raise ApiError(400, f"{exc}.", code="invalid_image", param="image")
    except BaseException:
        uploads_discard(stored)  # a refused request keeps nothing it sent
        raise
    prepared.uploaded = stored
    return prepared, None


def uploads_discard(ids: list[int]) -> None:
    """Remove the images an edit request stored from its uploads (refused, or a replay)."""
    from gallery.models import Image
    from gallery.services import image_delete

    for image in Image.objects.filter(pk__in=ids):
        image_delete(image)
