"""Masks between our convention and the providers'.

The studio paints masks as OpenAI defines them: a PNG the size of the first
input image whose transparent pixels (alpha 0) mark the area to change.
BFL Fill, Stability's inpaint and erase, and AUTOMATIC1111 read a greyscale
picture instead, white where the model may paint.
"""
from __future__ import annotations

import io

from PIL import Image

from .base import ProviderError


def white_where_editable(mask: bytes) -> bytes:
    """Our alpha mask as a greyscale PNG: 255 where alpha is 0, 0 elsewhere."""
    try:
        with Image.open(io.BytesIO(mask)) as im:
            im.load()
            alpha = im.getchannel("A") if "A" in im.getbands() else None
            if alpha is None:  # already greyscale: trust it as painted
                grey = im.convert("L")
            else:
                grey = alpha.point(lambda a: 255 if a == 0 else 0)
    except (OSError, ValueError):
        raise ProviderError("The mask is not a readable PNG", permanent=True,
                            code="invalid_mask") from None
    out = io.BytesIO()
    grey.save(out, "PNG")
    return out.getvalue()
