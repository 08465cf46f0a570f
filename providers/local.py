"""The offline placeholder renderer: a deterministic picture, drawn with Pillow.

It lets the studio run with no key and no network. It is not AI: a hash of the
prompt picks a palette (so a prompt keeps its colours across seeds), and a hash of
prompt and seed lays out a gradient, soft shapes and a few crisp accents, with the
prompt's first words as a quiet caption. The same inputs always give the same bytes.
"""
from __future__ import annotations

import colorsys
import hashlib
import io
import random
import time

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from .base import Adapter, CancelledError, GenerationRequest, GenerationResult, Hooks, ResultImage

# Background and soft shapes are drawn this many times smaller and scaled up:
# soft light costs little, and a 1024² picture is drawn in well under 50 ms.
SOFT_SCALE = 4


def _palette(prompt: str, negative_prompt: str) -> list[tuple[int, int, int]]:
    """Five related colours chosen by the prompt alone, so a prompt keeps its look across seeds."""
    digest = hashlib.sha256(f"{prompt}\x00{negative_prompt}".encode()).digest()
    base = digest[0] / 255
    # analogous, complementary or triadic: the spread between hues
    spread = (0.08, 0.5, 1 / 3)[digest[1] % 3]
    saturation = 0.45 + digest[2] / 255 * 0.45
    colours = []
    for i in range(5):
        hue = (base + spread * (i % 3) + (digest[3 + i] / 255 - 0.5) * 0.06) % 1
        value = 0.25 + ((digest[8 + i] + 64 * i) % 256) / 255 * 0.7
        r, g, b = colorsys.hsv_to_rgb(hue, saturation, value)
        colours.append((int(r * 255), int(g * 255), int(b * 255)))
    return colours


def _background(rng, palette, width, height):
    """A two-colour gradient (straight or radial) drawn small and scaled up."""
    a, b = rng.sample(palette, 2)
    if rng.random() < 0.5:
        mask = Image.radial_gradient("L")
    else:
        mask = Image.linear_gradient("L").rotate(rng.randrange(360))
    mask = mask.resize((width, height))
    return Image.composite(Image.new("RGBA", mask.size, a), Image.new("RGBA", mask.size, b), mask)


def _soft_shapes(rng, palette, width, height):
    """Blurred blobs, bands or shards, laid out by the seed: the composition."""
    w, h = width, height
    layer = Image.new("RGBA", (w, h))
    draw = ImageDraw.Draw(layer)
    unit = min(w, h)
    style = rng.choice(("orbs", "horizon", "shards"))
    if style == "horizon":
        y = rng.randrange(h // 3, 2 * h // 3)
        for i in range(rng.randrange(3, 6)):
            top = min(h, y + i * rng.randrange(unit // 16 + 1, unit // 6 + 2))
            draw.rectangle((0, top, w, h), fill=rng.choice(palette) + (rng.randrange(90, 170),))
        r = rng.randrange(unit // 10 + 1, unit // 4 + 2)
        cx = rng.randrange(w)
        draw.ellipse((cx - r, y - r, cx + r, y + r), fill=rng.choice(palette) + (220,))
    elif style == "shards":
        for _ in range(rng.randrange(4, 9)):
            points = [(rng.randrange(-w // 4, w + w // 4), rng.randrange(-h // 4, h + h // 4)) for _ in range(3)]
            draw.polygon(points, fill=rng.choice(palette) + (rng.randrange(80, 190),))
    else:
        for _ in range(rng.randrange(3, 8)):
            x, y = rng.randrange(w), rng.randrange(h)
            r = rng.randrange(unit // 10 + 1, unit // 2 + 2)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.choice(palette) + (rng.randrange(100, 210),))
    return layer.filter(ImageFilter.GaussianBlur(max(1, unit // 60)))


def _accents(rng, palette, picture):
    """A few crisp lines and rings over the soft layer, so the picture has edges."""
    width, height = picture.size
    draw = ImageDraw.Draw(picture, "RGBA")
    unit = min(width, height)
    line = max(1, unit // 160)
    for _ in range(rng.randrange(2, 6)):
        colour = rng.choice(palette) + (rng.randrange(120, 230),)
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(unit // 20 + 1, unit // 5 + 2)
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), outline=colour, width=line)
        else:
            draw.line((x - r, y + r, x + r, y - r), fill=colour, width=line)


def _caption(picture, prompt: str, seed: int) -> None:
    """The prompt's words, small and quiet in a corner: which picture is which at a glance."""
    width, height = picture.size
    unit = min(width, height)
    if unit < 96:
        return
    font = ImageFont.load_default(size=max(10, unit // 40))
    words = " ".join(prompt.split()[:8])
    text = f"{words} · seed {seed}" if words else f"seed {seed}"
    draw = ImageDraw.Draw(picture, "RGBA")
    x, y = unit // 32, height - unit // 14
    draw.text((x + 1, y + 1), text, fill=(0, 0, 0, 110), font=font)
    draw.text((x, y), text, fill=(255, 255, 255, 170), font=font)


def render(prompt: str, seed: int, width: int, height: int, negative_prompt: str = "") -> bytes:
    """PNG bytes for these inputs; identical inputs give identical bytes."""
    palette = _palette(prompt, negative_prompt)
    rng = random.Random(hashlib.sha256(f"{prompt}\x00{negative_prompt}\x00{seed}".encode()).digest())
    # background and soft shapes are drawn small and scaled up once
    w, h = max(8, width // SOFT_SCALE), max(8, height // SOFT_SCALE)
    small = _background(rng, palette, w, h)
    small.alpha_composite(_soft_shapes(rng, palette, w, h))
    picture = small.convert("RGB").resize((width, height), Image.BILINEAR)
    _accents(rng, palette, picture)
    _caption(picture, prompt, seed)
    out = io.BytesIO()
    # level 1: smooth gradients still compress well, and encoding stays fast
    picture.save(out, "PNG", compress_level=1)
    return out.getvalue()


class LocalAdapter(Adapter):
    """Renders in-process. ``options.delay_seconds`` imitates a slow provider."""

    results_are_paid = False

    def generate(self, request: GenerationRequest, spec, hooks: Hooks) -> GenerationResult:
        delay = float(self.connection.options.get("delay_seconds") or 0)
        deadline = time.monotonic() + delay
        while (left := deadline - time.monotonic()) > 0:
            if hooks.cancelled():
                raise CancelledError()
            hooks.progress(1 - left / delay)
            time.sleep(min(left, 0.05))
        seed = request.seed if request.seed is not None else random.randrange(2**32)
        images = [
            ResultImage(data=render(request.prompt, seed + i, request.width or 768,
                                    request.height or 768, request.negative_prompt), seed=seed + i)
            for i in range(request.n)
        ]
        return GenerationResult(images=images, usage={"images": request.n})

    def check(self) -> str:
        render("check", 0, 64, 64)
        return "The offline renderer works."
