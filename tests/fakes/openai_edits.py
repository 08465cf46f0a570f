"""The checks OpenAI's ``/images/edits`` makes on its inputs (fact sheet 1.4).

Shared by fakes of providers that take input images: ``is_flagged`` marks the
test's stand-in for a moderated input (a picture whose top-left pixel is pure
magenta, as a fake's "forbidden" word stands for a moderated prompt).
"""
from __future__ import annotations

import io

from PIL import Image

MAX_IMAGES = 16
FLAGGED_PIXEL = (255, 0, 255)


def is_flagged(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as im:
            return im.convert("RGB").getpixel((0, 0)) == FLAGGED_PIXEL
    except Exception:
        return False


def size_of(data: bytes) -> tuple[int, int] | None:
    try:
        with Image.open(io.BytesIO(data)) as im:
            return im.size
    except Exception:
        return None


def mode_of(data: bytes) -> str | None:
    try:
        with Image.open(io.BytesIO(data)) as im:
            return im.mode
    except Exception:
        return None


def edit_problem(fields: dict, images: list[bytes], mask: bytes | None) -> tuple[str, str, str] | None:
    """(message, code, param) of the first thing OpenAI would refuse, or None."""
    if not fields.get("prompt"):
        return "Missing required parameter: 'prompt'.", "missing_required_parameter", "prompt"
    if not images:
        return "Missing required parameter: 'image'.", "missing_required_parameter", "image"
    if len(images) > MAX_IMAGES:
        return (f"Invalid 'image': array too long. Expected an array with maximum length "
                f"{MAX_IMAGES}, but got an array with length {len(images)} instead.",
                "array_above_max_length", "image")
    if any(size_of(i) is None for i in images):
        return "Invalid image file or mode for image 1, please check your image file.", \
            "invalid_image_file", "image"
    if mask is not None:
        if mode_of(mask) not in ("RGBA", "LA", "L"):
            return (f"Invalid input image - format must be in ['RGBA', 'LA', 'L'], got "
                    f"{mode_of(mask)}.", "invalid_image_format", "mask")
        if size_of(mask) != size_of(images[0]):
            return ("Invalid mask image format - mask size does not match image size",
                    "invalid_mask_size", "mask")
    return None
