"""Compose from a file: fill the form with the parameters an image carries.

Reads our own files (the exact model key) and AUTOMATIC1111's (the checkpoint
name, matched against A1111 and ComfyUI connections). The upload is never kept.
"""
from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from gallery import metadata
from providers.images import BadImage, inspect_image
from providers.lifecycle import lifecycle_redirect
from providers.services import ModelChoice, model_choices

from .edits import restore_inputs
from .forms import GenerateForm
from .views import _recent

MAX_UPLOAD_BYTES = 20 * 2**20
CHECKPOINT_KINDS = ("a1111", "comfyui")
# What a file may carry that the compose form has a field for.
A1111_FIELDS = {"prompt", "negative_prompt", "seed", "steps", "guidance", "sampler", "scheduler",
                "width", "height", "n"}
NOT_FIELDS = {"model", "model_id", "model_label", "connection_name", "source"}


class RestoreError(ValueError):
    pass


@require_POST
def compose_from_file(request):
    typed = request.POST.dict()
    typed.pop("csrfmiddlewaretoken", None)
    try:
        found = _read_upload(request.FILES.get("file"))
    except RestoreError as exc:
        return _render(request, GenerateForm(initial=typed or None), error=str(exc))
    # A file naming a shut-down model restores with its replacement, saying so.
    named = found.get("model")
    lifecycle = lifecycle_redirect(key=named)
    if lifecycle and lifecycle.key:
        found["model"] = lifecycle.key
    choice, model_note = _match_model(found, typed.get("model"))
    inputs_update, inputs_note = restore_inputs(user=request.user, found=found)
    values, restored, missed = _fit(found, choice)
    values.update(inputs_update)
    if not request.htmx:
        # Naming the old model lets the compose page swap it again and show the note.
        query = {**values, "model": named} if lifecycle and lifecycle.key else values
        return redirect(f"{reverse('compose')}?{urlencode(query, doseq=True)}")
    message = f"Restored {', '.join(restored) or 'nothing'}"
    message += f"; {model_note}." if model_note else "."
    if missed:
        message += f" Not restored here: {', '.join(missed)}."
    if lifecycle:
        message += f" {lifecycle.note}"
    message += inputs_note
    return _render(request, GenerateForm(initial=values), message=message)


def _read_upload(upload) -> dict:
    if upload is None:
        raise RestoreError("Choose an image file.")
    if upload.size > MAX_UPLOAD_BYTES:
        raise RestoreError(f"The file must be at most {MAX_UPLOAD_BYTES // 2**20} MB.")
    data = upload.read()
    try:
        inspect_image(data)
    except BadImage:
        raise RestoreError("Not an image file.") from None
    found = metadata.read(data)
    if not found:
        raise RestoreError("This file carries no generation parameters.")
    return found


def _match_model(found: dict, current_key: str | None) -> tuple[ModelChoice | None, str]:
    """The choice the file names, else the one in the form (or the first), and a note why."""
    choices = model_choices()
    by_key = {c.key: c for c in choices}
    fallback = by_key.get(current_key or "") or (choices[0] if choices else None)
    if found["source"] == "image-studio":
        if found.get("model") in by_key:
            return by_key[found["model"]], ""
        # Its connection is gone or disabled: the same model on another one will do.
        same = sorted((c for c in choices if c.spec.id == found.get("model_id")),
                      key=lambda c: c.connection.name != found.get("connection_name"))
        if same:
            return same[0], ""
        wanted = found.get("model_label") or found.get("model_id")
    else:
        name, digest = (found.get("model_name") or "").lower(), (found.get("model_hash") or "").lower()
        for c in choices:
            if c.connection.kind in CHECKPOINT_KINDS and _same_checkpoint(c.spec.id, name, digest):
                return c, ""
        wanted = found.get("model_name")
    return fallback, (f"the model “{wanted}” is not connected here" if wanted else "")


def _same_checkpoint(model_id: str, name: str, digest: str) -> bool:
    their_name, their_hash = (s.lower() for s in metadata.checkpoint_name(model_id))
    if digest and their_hash:  # A1111 writes a short hash; either may be the longer
        return their_hash.startswith(digest) or digest.startswith(their_hash)
    return bool(name) and their_name == name


def _fit(found: dict, choice: ModelChoice | None) -> tuple[dict, list[str], list[str]]:
    """The values the chosen model accepts, and the names of what was and wasn't restored."""
    values = {k: v for k, v in found.items() if k not in NOT_FIELDS and v not in (None, "")}
    fields = GenerateForm(initial={"model": choice.key} if choice else None).fields
    if "size" in fields and "size" not in values and values.get("width") and values.get("height"):
        values["size"] = f"{values['width']}x{values['height']}"
    if "sampler" in fields and "scheduler" not in fields and values.get("scheduler"):
        # A1111 1.9+ writes "Sampler: DPM++ 2M, Schedule type: Karras" for the older "DPM++ 2M Karras".
        combined = f"{values.get('sampler')} {values['scheduler']}"
        if combined in dict(fields["sampler"].choices):
            values["sampler"] = combined
    if choice:
        values["model"] = choice.key
    form = GenerateForm(values)
    form.is_valid()
    bad = set(form.errors) | (set(values) - set(form.fields))
    if bad & {"width", "height"}:  # a size the model refuses is dropped as a pair
        bad |= {"width", "height"}
    a1111 = found["source"] == "a1111"
    worth_naming = A1111_FIELDS if a1111 else set(values)

    def name(key: str) -> str:
        if key in ("width", "height", "size"):
            return "size"
        if a1111 and key in ("guidance", "scheduler"):
            return {"guidance": "CFG scale", "scheduler": "schedule type"}[key]
        return str(form.fields[key].label).lower() if key in form.fields else key.replace("_", " ")

    restored = list(dict.fromkeys(name(k) for k in form.fields if k in values and k not in bad | {"model"}))
    missed = list(dict.fromkeys(name(k) for k in values if k in bad & worth_naming))
    missed = [m for m in missed if m not in restored]
    return {k: v for k, v in values.items() if k not in bad}, restored, missed


def _render(request, form: GenerateForm, *, message: str = "", error: str = ""):
    context = {"form": form, "restore_message": message, "restore_error": error}
    if request.htmx:
        return render(request, "studio/compose.html#compose-form", context)
    return render(request, "studio/compose.html", context | {"jobs": _recent(request.user)},
                  status=400 if error else 200)
