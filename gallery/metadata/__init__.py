"""Generation parameters inside image files, readable by the usual tools and by us.

PNG: a ``parameters`` text chunk holding AUTOMATIC1111's "infotext" and an
``image-studio`` chunk holding the JSON of all our fields. JPEG and WebP: EXIF
as AUTOMATIC1111 writes it (UserComment, see ``containers``); our JSON goes in
MakerNote (0x927C) behind an ``image-studio\\0`` marker, where viewers don't
show it as a title the way they show ImageDescription.

AUTOMATIC1111, sd-parsers and sd-prompt-reader read what we write (see
``infotext`` for what each needs). Reading also understands AUTOMATIC1111's
files and ComfyUI's (``comfyui``), and never decodes a pixel.
"""
from __future__ import annotations

import json

from .comfyui import parse_comfyui
from .containers import (EXIF_IFD, MAKER_NOTE, USER_COMMENT, Container, MetadataError, exif_with_comment,
                         jpeg_with_exif, png_with_text, read_container, user_comment, webp_with_exif)
from .infotext import MAX_INFOTEXT_CHARS, a1111_string, checkpoint_name, parse_a1111

__all__ = ["MetadataError", "a1111_string", "checkpoint_name", "embed", "parse_a1111", "read",
           "read_container", "EXIF_IFD", "USER_COMMENT", "MAKER_NOTE"]

JSON_KEY = "image-studio"
A1111_KEY = "parameters"
MAKER_NOTE_MARKER = JSON_KEY.encode() + b"\0"
SEED_LIMIT = 2**64  # ComfyUI's seeds go up to 2**64 - 1
SIDE_LIMIT = 100_000
# The types our JSON chunk's fields must have; anything else is refused by name.
TEXT_FIELDS = ("prompt", "negative_prompt", "model", "model_id", "model_label", "connection_name")
SCALARS = (str, int, float, bool, type(None))
# AUTOMATIC1111 settings the compose form has no field for, as people call them.
A1111_UNAPPLIED = (("hires_", "hires fix"), ("clip_skip", "clip skip"), ("vae", "VAE"),
                   ("refiner", "refiner"), ("controlnet", "ControlNet"), ("adetailer", "ADetailer"))


# --- writing ------------------------------------------------------------------

def embed(data: bytes, fields: dict) -> bytes:
    """``data`` with ``fields`` written in (PNG, JPEG, WebP); MetadataError otherwise.

    A file that already carries AUTOMATIC1111's own infotext keeps it: our
    pairs are merged in (``infotext.a1111_string``).
    """
    container = read_container(data)
    if container is None:
        raise MetadataError("Only PNG, JPEG and WebP files can carry parameters")
    text = a1111_string(fields, existing="" if _our_blob(container) else _infotext(container))
    blob = json.dumps(fields, ensure_ascii=False, separators=(",", ":"), default=str)
    if container.format == "PNG":
        return png_with_text(data, {A1111_KEY: text, JSON_KEY: blob})
    tiff = exif_with_comment(container, text, blob, MAKER_NOTE_MARKER)
    return jpeg_with_exif(data, tiff) if container.format == "JPEG" else webp_with_exif(data, tiff)


# --- reading ------------------------------------------------------------------

def _our_blob(container: Container) -> str:
    if JSON_KEY in container.texts:
        return container.texts[JSON_KEY]
    note = container.exif_ifd().get(MAKER_NOTE)
    if isinstance(note, bytes) and note.startswith(MAKER_NOTE_MARKER):
        return note[len(MAKER_NOTE_MARKER):].decode("utf-8", "replace")
    return ""


def _infotext(container: Container) -> str:
    return container.texts.get(A1111_KEY) or user_comment(container.exif_ifd().get(USER_COMMENT))


def read(data: bytes) -> dict:
    """The parameters a file carries, as compose-form field names; {} if none.

    Ours (the JSON) when present: prompt, negative_prompt, seed, model ("<conn>:<model>"),
    model_id, model_label, connection_name, width, height and every param. Otherwise
    AUTOMATIC1111's infotext (see ``parse_a1111``) or ComfyUI's graph. ``source``
    says which (image-studio, a1111, comfyui), and ``unapplied`` lists settings
    the file used that the studio cannot reproduce (hires fix, clip skip, VAE…).
    MetadataError when our own JSON has a field of the wrong type.
    """
    container = read_container(data)
    if container is None:
        return {}
    blob = _our_blob(container)
    try:
        ours = json.loads(blob) if blob else None
    except ValueError:
        ours = None
    if isinstance(ours, dict):
        return _ours(ours)
    if ours is not None:
        raise MetadataError(f"The {JSON_KEY} data in this file must be a JSON object, "
                            f"not {_type_name(ours)}.")
    text = container.texts.get(A1111_KEY)
    if not text and "prompt" in container.texts:
        parsed = parse_comfyui(container.texts["prompt"])
        return {**parsed, "source": "comfyui"} if parsed else {}
    text = text or _infotext(container)
    if len(text) > MAX_INFOTEXT_CHARS:
        raise MetadataError(f"This file's parameters text is longer than {MAX_INFOTEXT_CHARS // 1024} KB, "
                            "more than AUTOMATIC1111 writes, so it was not read.")
    parsed = parse_a1111(text) if text else {}
    if not parsed.keys() - {"prompt", "negative_prompt"}:  # a prompt-like text but no parameters
        return {}
    unapplied = sorted({label for key in parsed for prefix, label in A1111_UNAPPLIED if key.startswith(prefix)},
                       key=str.lower)
    return {**parsed, "unapplied": unapplied, "source": "a1111"}


def _type_name(value) -> str:
    return {list: "a list", dict: "an object", str: "text", bool: "true or false", type(None): "null",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _ours(ours: dict) -> dict:
    """Our JSON as compose fields, every field's type checked."""
    def refuse(name: str, wanted: str, value):
        raise MetadataError(f"The {JSON_KEY} data in this file is invalid: “{name}” must be {wanted}, "
                            f"not {_type_name(value)}.")

    if not isinstance(ours.get("prompt"), str):
        refuse("prompt", "text", ours.get("prompt"))
    for name in TEXT_FIELDS:
        if ours.get(name) is not None and not isinstance(ours[name], str):
            refuse(name, "text", ours[name])
    seed = ours.get("seed")
    if seed is not None and (type(seed) is not int or not 0 <= seed < SEED_LIMIT):
        refuse("seed", f"a whole number from 0 to {SEED_LIMIT - 1}", seed)
    for name in ("width", "height"):
        value = ours.get(name)
        if value is not None and (type(value) is not int or not 0 < value <= SIDE_LIMIT):
            refuse(name, f"a whole number from 1 to {SIDE_LIMIT}", value)
    params = ours.get("params") if ours.get("params") is not None else {}
    if not isinstance(params, dict):
        refuse("params", "an object", params)
    for name, value in params.items():
        if not isinstance(value, SCALARS):
            refuse(f"params.{name}", "text, a number or true/false", value)
    # The parameters first: a job's params may hold a blank width or height
    # ("auto" sizes), which must not hide the size the file was made at.
    out = dict(params)
    out.update({k: ours[k] for k in ("width", "height") if ours.get(k)})
    out.update({k: v for k, v in ours.items() if k not in ("params", "width", "height") and isinstance(v, SCALARS)})
    if ours.get("inputs") is not None:
        out["inputs"] = _inputs(ours["inputs"], refuse)
    return {**out, "source": "image-studio"}


MAX_INPUTS = 32


def _inputs(inputs, refuse) -> list[dict]:
    """An edited image's inputs (gallery.lineage): [{"id", "role", "label"}, …], checked."""
    if not isinstance(inputs, list) or len(inputs) > MAX_INPUTS:
        refuse("inputs", f"a list of at most {MAX_INPUTS} objects", inputs)
    out = []
    for item in inputs:
        if not isinstance(item, dict):
            refuse("inputs", "a list of objects", item)
        pk = item.get("id")
        if pk is not None and (type(pk) is not int or pk < 0):
            refuse("inputs.id", "a whole number or null", pk)
        out.append({"id": pk, "role": str(item.get("role") or "")[:20],
                    "label": str(item.get("label") or "")[:80]})
    return out
