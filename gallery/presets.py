"""Style presets: a curated look, added to the prompt as keywords, or sent as
the model's own style preset where it has one (aithriving's SD 1.6 and
Stability's models take a ``style_preset`` such as "anime" or "pixel-art")."""
from __future__ import annotations

from dataclasses import dataclass

from providers.rules import ModelSpec


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    keywords: str
    native: str | None = None  # the style_preset value of Stability's list, where one matches


PRESETS = [
    Preset("photorealistic", "Photorealistic",
           "photorealistic, professional photography, natural lighting, sharp focus", "photographic"),
    Preset("cinematic", "Cinematic",
           "cinematic film still, dramatic lighting, shallow depth of field, film grain", "cinematic"),
    Preset("anime", "Anime", "anime style, cel shading, vibrant colors, clean line art", "anime"),
    Preset("oil-painting", "Oil painting",
           "oil painting, visible brush strokes, rich impasto texture, canvas"),
    Preset("watercolor", "Watercolor",
           "watercolor painting, soft washes, bleeding edges, textured paper"),
    Preset("pixel-art", "Pixel art", "pixel art, 16-bit, limited palette, crisp pixels", "pixel-art"),
    Preset("3d-render", "3D render",
           "3D render, octane render, global illumination, physically based materials", "3d-model"),
    Preset("line-art", "Line art", "line art, clean black ink lines, minimal shading, white background",
           "line-art"),
    Preset("fantasy-art", "Fantasy art",
           "fantasy art, epic, magical atmosphere, highly detailed illustration", "fantasy-art"),
    Preset("comic-book", "Comic book",
           "comic book style, bold ink outlines, halftone shading, flat vivid colors", "comic-book"),
    Preset("isometric", "Isometric", "isometric view, diorama, clean geometry, soft shadows", "isometric"),
    Preset("digital-art", "Digital art", "digital art, detailed digital painting, vibrant colors",
           "digital-art"),
    Preset("analog-film", "Analog film", "analog film photo, 35mm, film grain, muted colors, light leaks",
           "analog-film"),
    Preset("neon-punk", "Neon punk", "neon punk, cyberpunk, glowing neon lights, magenta and cyan",
           "neon-punk"),
    Preset("low-poly", "Low poly", "low poly, faceted geometric shapes, flat shading", "low-poly"),
    Preset("origami", "Origami", "origami, folded paper craft, paper texture, studio lighting", "origami"),
]
PRESETS_BY_KEY = {p.key: p for p in PRESETS}
# For a select: blank means no preset.
PRESET_CHOICES = [("", "None")] + [(p.key, p.label) for p in PRESETS]


def apply_preset(key: str, prompt: str, spec: ModelSpec, *,
                 chosen_style_preset: str | None = None) -> tuple[str, dict, str]:
    """The prompt and parameter changes that give ``prompt`` the preset's look on
    ``spec``'s model, and a sentence saying which way was taken.

    A model whose ``style_preset`` choices include the preset's native value
    gets that value and an unchanged prompt; any other model (or one where
    the person picked a style preset of their own, ``chosen_style_preset``)
    gets the keywords appended. A blank key changes nothing.
    """
    if not key:
        return prompt, {}, ""
    try:
        preset = PRESETS_BY_KEY[key]
    except KeyError:
        raise ValueError(f"Unknown style preset {key!r}: use one of {', '.join(PRESETS_BY_KEY)}") from None
    param = spec.params.get("style_preset")
    if preset.native and param and preset.native in param.choices and not chosen_style_preset:
        return prompt, {"style_preset": preset.native}, (
            f"Style preset {preset.label}: sent as the model's own style preset “{preset.native}”.")
    return _with_keywords(prompt, preset.keywords), {}, (
        f"Style preset {preset.label}: added “{preset.keywords}” to the prompt.")


def _with_keywords(prompt: str, keywords: str) -> str:
    base = prompt.rstrip().rstrip(",").rstrip()
    if base.lower().endswith(keywords.lower()):  # applied already (a retried or re-sent prompt)
        return base
    return f"{base}, {keywords}" if base else keywords
