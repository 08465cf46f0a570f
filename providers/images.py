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


def decode_image(data: bytes) -> tuple[Image.Image, ImageInfo]:
    """The decoded picture of real image bytes and its format and size; BadImage otherwise.

    Reads the header first and refuses a decompression bomb (Pillow's warning
    counts) and exotic formats before any pixel is decoded. Then it decodes
    every pixel: a truncated or corrupt file fails here, not later. The caller
    owns the returned image (it is the one decode a stored image gets: the
    thumbnail is made from it).
    """
    if not data:
        raise BadImage("The provider returned an empty image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
            info = ImageInfo(im.format or "", im.width, im.height)
            if im.width * im.height > MAX_PIXELS:
                raise BadImage(f"Image of {im.width}×{im.height} is larger than allowed")
            if info.format not in FORMATS:  # no exotic decoder runs on provider data
                raise BadImage(f"Unsupported image format {info.format or 'unknown'}")
            im.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadImage("Image is too large to process (decompression bomb guard)") from None
    except BadImage:
        raise
    except Exception as exc:  # Pillow raises many types for junk data
        raise BadImage(f"The provider's data is not a valid image ({type(exc).__name__})") from None
    return im, info


def inspect_image(data: bytes) -> ImageInfo:
    """Format and size of real image bytes, checked by a full decode; BadImage otherwise."""
    im, info = decode_image(data)
    im.close()
    return info
