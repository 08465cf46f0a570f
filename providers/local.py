"""The offline placeholder renderer: a deterministic picture, drawn with Pillow.

It lets the studio run with no key and no network. It is not AI: it turns a
hash of prompt, negative prompt and seed into colours and shapes, so the same
inputs always give the same bytes.
"""
from __future__ import annotations

import hashlib
import io
import random
import time

from PIL import Image, ImageDraw, ImageFont

from .base import Adapter, CancelledError, GenerationRequest, GenerationResult, Hooks, ResultImage


def render(prompt: str, seed: int, width: int, height: int, negative_prompt: str = "") -> bytes:
    """PNG bytes for these inputs; identical inputs give identical bytes."""
    digest = hashlib.sha256(f"{prompt}\x00{negative_prompt}\x00{seed}".encode()).digest()
    rng = random.Random(digest)

    def colour(alpha=None):
        c = tuple(rng.randrange(256) for _ in range(3))
        return c + (alpha,) if alpha is not None else c

    mask = Image.linear_gradient("L").rotate(rng.choice((0, 45, 90, 135)), expand=False)
    mask = mask.resize((width, height))
    picture = Image.composite(Image.new("RGB", (width, height), colour()),
                              Image.new("RGB", (width, height), colour()), mask).convert("RGBA")
    layer = Image.new("RGBA", (width, height))
    draw = ImageDraw.Draw(layer)
    unit = min(width, height)
    for _ in range(6 + len(prompt.split()) % 7):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(unit // 12, unit // 3)
        shape = rng.choice(("ellipse", "rectangle", "triangle"))
        fill = colour(rng.randrange(70, 170))
        if shape == "ellipse":
            draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)
        elif shape == "rectangle":
            draw.rectangle((x - r, y - r // 2, x + r, y + r // 2), fill=fill)
        else:
            draw.polygon([(x, y - r), (x - r, y + r), (x + r, y + r)], fill=fill)
    picture = Image.alpha_composite(picture, layer).convert("RGB")
    caption = ImageDraw.Draw(picture)
    font = ImageFont.load_default(size=max(10, unit // 40))
    text = f"offline placeholder · seed {seed}"
    caption.text((unit // 40 + 1, height - unit // 12 + 1), text, fill=(0, 0, 0), font=font)
    caption.text((unit // 40, height - unit // 12), text, fill=(255, 255, 255), font=font)
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=False)
    return out.getvalue()


class LocalAdapter(Adapter):
    """Renders in-process. ``options.delay_seconds`` imitates a slow provider."""

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
