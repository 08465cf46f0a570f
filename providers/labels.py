"""Field labels and the violation a broken rule reports: shared by every rule kind."""
from __future__ import annotations

from dataclasses import dataclass

LABELS = {
    "width": "Width", "height": "Height", "n": "Number of images", "seed": "Seed",
    "steps": "Steps", "guidance": "Guidance", "sampler": "Sampler",
    "style_preset": "Style preset", "quality": "Quality", "style": "Style",
    "output_format": "Output format", "negative_prompt": "Negative prompt",
    "size": "Size", "aspect_ratio": "Aspect ratio", "prompt": "Prompt",
    "safety_tolerance": "Safety tolerance", "clip_guidance_preset": "CLIP guidance preset",
    "prompt_upsampling": "Prompt upsampling", "background": "Background",
    "output_compression": "Output compression", "moderation": "Moderation", "raw": "Raw mode",
}


def label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " ").capitalize())


@dataclass(frozen=True)
class Violation:
    field: str
    code: str
    message: str
