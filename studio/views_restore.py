"""Compose from a file: fill the form with the parameters an image carries.

Reads our own files (the exact model key), AUTOMATIC1111's and ComfyUI's (the
checkpoint name, matched against A1111 and ComfyUI connections). Only the
file's headers and metadata are read, never its pixels. The upload is never kept.
"""
from __future__ import annotations

import io
from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from PIL import Image as PILImage

from gallery import metadata
from providers.lifecycle import lifecycle_redirect
from providers.services import ModelChoice, model_choices

from .edits import restore_inputs
from .forms import GenerateForm
from .views import _recent

MAX_UPLOAD_BYTES = 20 * 2**20
# Formats named as images without parameters; no other Pillow plugin sees an upload.
PILLOW_FORMATS = ["PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF"]
CHECKPOINT_KINDS = ("a1111", "comfyui")
# What a file may carry that the compose form has a field for.
A1111_FIELDS = {"prompt", "negative_prompt", "seed", "steps", "guidance", "sampler", "scheduler",
                "width", "height", "n"}
NOT_FIELDS = {"model", "model_id", "model_label", "connection_name", "source", "unapplied"}
# How each program names a setting, where it differs from our form's label.
NAMES = {"a1111": {"guidance": "CFG scale", "scheduler": "schedule type"},
         "comfyui": {"guidance": "CFG", "scheduler": "scheduler"}}
# "Automatic" (A1111 1.9+) is the sampler's own default schedule: nothing to restore.
DEFAULT_SCHEDULERS = {"automatic", ""}
# ComfyUI's sampler names and A1111's for the same sampler.
COMFY_SAMPLERS = {"euler": "Euler", "euler_ancestral": "Euler a", "heun": "Heun", "dpm_2": "DPM2",
                  "dpm_2_ancestral": "DPM2 a", "lms": "LMS", "dpmpp_2s_ancestral": "DPM++ 2S a",
                  "dpmpp_sde": "DPM++ SDE", "dpmpp_2m": "DPM++ 2M", "dpmpp_2m_sde": "DPM++ 2M SDE",
                  "dpmpp_3m_sde": "DPM++ 3M SDE", "ddim": "DDIM", "uni_pc": "UniPC", "lcm": "LCM"}


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
    if found.get("unapplied"):
        message += f" Not applied (the studio has no such setting): {', '.join(found['unapplied'])}."
    if lifecycle:
        message += f" {lifecycle.note}"
    message += inputs_note
    return _render(request, GenerateForm(initial=values), message=message)


def _read_upload(upload) -> dict:
    if upload is None:
        raise RestoreError("Choose an image file.")
    if upload.size > MAX_UPLOAD_BYTES:
        raise RestoreError(f"The file must be at most {MAX_UPLOAD_BYTES // 2**20} MB.")
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    try:
        found = metadata.read(data)
    except metadata.MetadataError as exc:
        raise RestoreError(str(exc)) from None
    if not found:
        raise RestoreError("This file carries no generation parameters." if _is_image(data)
                           else "Not an image file.")
    return found


def _is_image(data: bytes) -> bool:
    """Whether Pillow knows the format, from the header alone (no pixel is decoded)."""
    if metadata.read_container(data) is not None:
        return True
    try:
        with PILImage.open(io.BytesIO(data), formats=PILLOW_FORMATS):
            return True
    except PILImage.DecompressionBombError:
        return True
    except Exception:  # Pillow raises many types for junk data
        return False


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
        # The program that made the file first: its sampler names are the ones that fit.
        for c in sorted(choices, key=lambda c: c.connection.kind != found["source"]):
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
    if "sampler" in fields and isinstance(values.get("sampler"), str):
        _fit_sampler(values, fields)
    if choice:
        values["model"] = choice.key
    form = GenerateForm(values)
    form.is_valid()
    bad = set(form.errors) | (set(values) - set(form.fields))
    if bad & {"width", "height"}:  # a size the model refuses is dropped as a pair
        bad |= {"width", "height"}
    source = found["source"]
    worth_naming = A1111_FIELDS if source in NAMES else set(values)

    def name(key: str) -> str:
        if key in ("width", "height", "size"):
            return "size"
        if key in NAMES.get(source, {}):
            return NAMES[source][key]
        return str(form.fields[key].label).lower() if key in form.fields else key.replace("_", " ")

    restored = list(dict.fromkeys(name(k) for k in form.fields if k in values and k not in bad | {"model"}))
    missed = list(dict.fromkeys(name(k) for k in values if k in bad & worth_naming))
    missed = [m for m in missed if m not in restored]
    return {k: v for k, v in values.items() if k not in bad}, restored, missed


def _fit_sampler(values: dict, fields) -> None:
    """Put the file's sampler (and schedule) in the chosen model's own words, where it has them.

    A1111 1.9+ writes "Sampler: DPM++ 2M, Schedule type: Karras" for the older
    "DPM++ 2M Karras"; ComfyUI writes "dpmpp_2m" and "karras". A schedule
    folded into the sampler's name is restored, so it is not reported lost.
    """
    choices = {c for c, _ in fields["sampler"].choices if c}
    sampler, scheduler = values["sampler"], str(values.get("scheduler") or "")
    if scheduler.lower() in DEFAULT_SCHEDULERS:
        values.pop("scheduler", None)
        scheduler = ""
    if "scheduler" in fields:
        by_comfy_name = {v.lower(): k for k, v in COMFY_SAMPLERS.items()}
        for suffix in (" Karras", " Exponential"):  # "DPM++ 2M Karras" → dpmpp_2m + karras
            if sampler.endswith(suffix) and not scheduler:
                sampler, scheduler = sampler[:-len(suffix)], suffix.strip().lower()
        sampler = by_comfy_name.get(sampler.lower(), sampler)
        values["sampler"] = sampler
        if scheduler:
            values["scheduler"] = scheduler.lower() if scheduler.lower() in dict(fields["scheduler"].choices) \
                else scheduler
        return
    sampler = COMFY_SAMPLERS.get(sampler, sampler)
    combined = f"{sampler} {scheduler.capitalize()}" if scheduler else sampler
    if combined in choices:
        values["sampler"] = combined
        values.pop("scheduler", None)
    elif sampler in choices:
        values["sampler"] = sampler


def _render(request, form: GenerateForm, *, message: str = "", error: str = ""):
    context = {"form": form, "restore_message": message, "restore_error": error}
    if request.htmx:
        return render(request, "studio/compose.html#compose-form", context)
    return render(request, "studio/compose.html", context | {"jobs": _recent(request.user)},
                  status=400 if error else 200)
