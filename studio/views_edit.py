"""Acting on an existing image: Edit (with a painted mask), Upscale, Remove
background, Variations; the reference tray's uploads; the lineage tree.

Every view finds its image through ``gallery.selectors.visible_images``: an
image someone may not see is a 404, as in the gallery.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gallery import lineage
from gallery.selectors import visible_images
from providers.image_inputs import OPERATION_LABELS, PROMPTLESS
from providers.services import model_choices

from .budgets import BudgetExceeded
from .edits import EditRefused, reference_upload_store
from .forms import GenerateForm
from .services import job_create

# Operations whose page shows the mask canvas.
MASK_OPERATIONS = ("edit", "inpaint", "erase")
VARIATIONS_WANTED = 4


class EditForm(GenerateForm):
    """The compose form offering only the models that can do ``operation``."""

    def __init__(self, *args, operation: str, **kwargs):
        self.operation = operation
        super().__init__(*args, **kwargs)

    def available_choices(self):
        return [c for c in model_choices() if c.spec.image_inputs.offers(self.operation)]


def _get_image(request, pk: int):
    return get_object_or_404(visible_images(request.user), pk=pk)


def operations_offered() -> list[tuple[str, str]]:
    """(operation, label) for each operation some connected model offers."""
    offered = set()
    for choice in model_choices():
        offered.update(choice.spec.image_inputs.operations)
    return [(op, label) for op, label in OPERATION_LABELS.items() if op in offered]


@require_http_methods(["GET", "POST"])
def image_edit(request, pk: int):
    image = _get_image(request, pk)
    operation = request.POST.get("operation") or request.GET.get("op") or "edit"
    if operation not in OPERATION_LABELS or operation == "reference":
        raise Http404("No such operation")
    if request.method == "POST":
        form = EditForm(request.POST, request.FILES, operation=operation)
        if form.is_valid():
            try:
                job = job_create(owner=request.user, choice=form.choice, values=form.values,
                                 notes=form.notes)
            except (BudgetExceeded, EditRefused) as exc:
                form.add_error(None, ValidationError(str(exc), code="inputs"))
            else:
                return redirect(f"{reverse('compose')}#job-{job.pk}")
    else:
        initial = {"operation": operation, "references": [image.pk],
                   "prompt": image.prompt if operation in PROMPTLESS + ("variation", "outpaint") else ""}
        form = EditForm(initial=initial, operation=operation)
        if operation == "variation" and form.spec is not None:
            form.initial["n"] = min(VARIATIONS_WANTED, form.spec.max_n)
    return render(request, "studio/edit.html", {
        "image": image, "form": form, "operation": operation,
        "operation_label": OPERATION_LABELS[operation], "masked": operation in MASK_OPERATIONS,
    })


@require_POST
def reference_upload(request):
    """A file dropped or pasted on the reference tray becomes a private gallery image."""
    upload = request.FILES.get("file")
    try:
        image = reference_upload_store(owner=request.user, upload=upload)
    except EditRefused as exc:
        return JsonResponse({"error": str(exc)}, status=getattr(exc, "status", 400))
    return JsonResponse({"id": image.pk, "thumbnail": image.thumbnail_url,
                         "label": f"Image {image.pk}"})


@require_GET
def image_lineage(request, pk: int):
    """The whole chain an image belongs to, with thumbnails."""
    image = _get_image(request, pk)
    return render(request, "gallery/lineage_tree.html",
                  {"image": image, "tree": lineage.lineage_tree(user=request.user, image=image)})
