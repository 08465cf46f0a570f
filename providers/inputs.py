"""Input images on their way to a provider: their MIME type and data-URI form.

Several new providers take input images inline (Gemini's ``inlineData``, fal
and Replicate file fields, OpenRouter's ``image_url`` parts): these helpers
name the type from the file's first bytes, so no decoder runs on upload bytes
here (the upload was checked when it was stored).
"""
from __future__ import annotations

import base64

_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
               (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"))


def mime_of(data: bytes) -> str:
    for signature, mime in _SIGNATURES:
        if data.startswith(signature):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "image/png"


def data_uri(data: bytes) -> str:
    return f"data:{mime_of(data)};base64,{base64.b64encode(data).decode()}"


def mask_black_marks_edit(mask: bytes) -> bytes:
    """Our mask (alpha 0 = the area to change, as OpenAI defines it) redrawn as
    black-on-white, for models where black marks the area to change (Ideogram)."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(mask)) as im:
        alpha = im.convert("RGBA").getchannel("A")
    out = io.BytesIO()
    alpha.point(lambda a: 0 if a == 0 else 255).convert("L").save(out, "PNG")
    return out.getvalue()
