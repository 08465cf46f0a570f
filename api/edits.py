"""Edit requests: input images from an upload or the gallery, checked against
the model's catalog ``inputs`` (max_images, mask, operations) before a job is
queued through the studio's own job_create.

A token acts as its person: a gallery image is usable by id only if that
person may see it (gallery.selectors.visible_images), so another member's
private image is "not found", exactly as on the web.
"""
from __future__ import annotations

from django.core.files.base import ContentFile

from gallery.selectors import visible_images
from studio.forms import MAX_INPUT_IMAGE_BYTES
from studio.services import job_create

from .errors import ApiError
from .requests import Prepared, generation_prepare


def _edit_capability(spec) -> tuple[int, bool]:
    """(how many input images, whether a mask) ``spec`` takes for an edit; (0, False): none."""
    inputs = spec.inputs or {}
    if inputs and "edit" in (inputs.get("operations") or ["edit"]):
        return int(inputs.get("max_images", 1) or 0), bool(inputs.get("mask"))
    if spec.needs_image:  # an image-to-image model: one upload, no mask
        return 1, False
    return 0, False


def gallery_inputs(*, user, ids) -> list[ContentFile]:
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        raise ApiError(400, "image_ids must be a list of gallery image ids.", code="invalid_value",
                       param="image_ids")
    images = {i.pk: i for i in visible_images(user).filter(pk__in=ids)}
    out = []
    for pk in ids:
        image = images.get(pk)
        if image is None:
            raise ApiError(404, f"No image {pk} that you can see.", code="image_not_found", param="image_ids")
        with image.file.open("rb") as f:
            out.append(ContentFile(f.read(), name=image.file.name.rsplit("/", 1)[-1]))
    return out


def edit_prepare(*, body: dict, token, uploads: list, mask=None):
    """(Prepared values, a function that queues the job) for an edit; ApiError if refused."""
    if body.get("image_ids") is not None:
        uploads = list(uploads) + gallery_inputs(user=token.user, ids=body["image_ids"])
    if not uploads:
        raise ApiError(400, "An edit needs an image: send image (or image[]) as a file, or image_ids.",
                       code="missing_required_parameter", param="image")
    for upload in [*uploads, *([mask] if mask else [])]:
        if upload.size > MAX_INPUT_IMAGE_BYTES:
            raise ApiError(413, f"Each image must be at most {MAX_INPUT_IMAGE_BYTES // 2**20} MB.",
                           code="file_size", param="image")
    prepared = generation_prepare(body={**body, "n": body.get("n") or 1}, token=token,
                                  files={"input_image": uploads[0]})
    spec = prepared.choice.spec
    max_images, takes_mask = _edit_capability(spec)
    if not max_images:
        raise ApiError(400, f"{spec.label} does not edit images: choose a model whose inputs allow edit "
                            "(GET /v1/models shows them).", code="operation", param="model")
    if len(uploads) > max_images:
        raise ApiError(400, f"{spec.label} takes at most {max_images} input image"
                            f"{'' if max_images == 1 else 's'}.", code="max_images", param="image")
    if mask is not None and not takes_mask:
        raise ApiError(400, f"{spec.label} does not take a mask.", code="mask", param="mask")
    if mask is not None or len(uploads) > 1:
        # The job row holds one input image today (Job.input_image); masks and
        # several inputs wait for the editing engine.
        raise ApiError(400, "This studio sends one input image and no mask for now.",
                       code="unsupported", param="mask" if mask is not None else "image")
    values = {**prepared.values, "input_image": uploads[0]}
    values.setdefault("operation", "edit")

    def create():
        return job_create_edit(owner=token.user, prepared=Prepared(prepared.choice, values, prepared.notes))

    return Prepared(prepared.choice, values, prepared.notes, prepared.board), create


def job_create_edit(*, owner, prepared: Prepared):
    """An edit job: the form's values with the input image, stored like a compose upload."""
    job = job_create(owner=owner, choice=prepared.choice, values=prepared.values, notes=prepared.notes)
    job.params = {**job.params, "operation": "edit"}
    job.save(update_fields=["params"])
    return job
