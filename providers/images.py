"""Checking image bytes from a provider before anything keeps them."""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image

# 64 MP covers every model's largest output (FLUX ultra: 3136×1344, gpt-image-2:
# 3840×2160) with room to spare; a larger file is a decompression bomb.
MAX_PIXELS = 64_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}


class BadImage(ValueError):
    pass


@dataclass(frozen=True)
class ImageInfo:
    format: str  # PNG, JPEG, WEBP
    width: int
    height: int

    @property
    def extension(self) -> str:
        return {"JPEG": "jpg"}.get(self.format, self.format.lower())


def inspect_image(data: bytes) -> ImageInfo:
    """Format and size of real image bytes; BadImage for anything else.

    Reads the header first and refuses a decompression bomb (Pillow's warning
    counts) before any pixel is decoded. Then it decodes: ``verify()`` checks
    PNG chunk checksums but reads nothing of a JPEG or GIF, so a truncated one
    would pass here and fail later, when the thumbnail is made.
    """
    if not data:
        raise BadImage("The provider returned an empty image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                info = ImageInfo(im.format or "", im.width, im.height)
                if im.width * im.height > MAX_PIXELS:
                    raise BadImage(f"Image of {im.width}×{im.height} is larger than allowed")
                if info.format not in FORMATS:  # no exotic decoder runs on provider data
                    raise BadImage(f"Unsupported image format {info.format or 'unknown'}")
                im.verify()
            with Image.open(io.BytesIO(data)) as im:  # verify() leaves `im` unusable
                im.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadImage("Image is too large to process (decompression bomb guard)") from None
    except BadImage:
        raise
    except Exception as exc:  # Pillow raises many types for junk data
        raise BadImage(f"The provider's data is not a valid image ({type(exc).__name__})") from None
    return info
