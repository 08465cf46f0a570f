"""aithriving's one model: Stable Diffusion 1.6 through Basic Text To Image (seed 001).

The enums are Stability's v1 ones, so the id is Stability's engine id; it is
never sent (the endpoint has no model field).
"""

SAMPLERS = [
    "DDIM", "DDPM", "K_DPMPP_2M", "K_DPMPP_2S_ANCESTRAL", "K_DPM_2", "K_DPM_2_ANCESTRAL",
    "K_EULER", "K_EULER_ANCESTRAL", "K_HEUN", "K_LMS",
]
STYLE_PRESETS = [
    "3d-model", "analog-film", "anime", "cinematic", "comic-book", "digital-art", "enhance",
    "fantasy-art", "isometric", "line-art", "low-poly", "modeling-compound", "neon-punk",
    "origami", "photographic", "pixel-art", "tile-texture",
]
CLIP_GUIDANCE_PRESETS = ["FAST_BLUE", "FAST_GREEN", "NONE", "SIMPLE", "SLOW", "SLOWER", "SLOWEST"]

MODELS = [
    {
        "id": "stable-diffusion-v1-6",
        "label": "Stable Diffusion 1.6 (aithriving)",
        # 512x512 is SD 1.6's native size; the seed's own example asks for 1024x1024.
        "size": {"type": "range", "min": 320, "max": 1536, "multiple": 64, "default": [512, 512]},
        "max_n": 1,
        "params": {
            # 0 (or no seed) asks aithriving for a random one; the answer says which it used.
            "seed": "seed",
            "steps": {"type": "int", "min": 10, "max": 50, "default": 30},
            # Sent as cfg_scale, an integer on the wire.
            "guidance": {"type": "int", "min": 0, "max": 35, "default": 7},
            "sampler": {"type": "choice", "choices": SAMPLERS,
                        "help": "Leave empty to let aithriving pick one."},
            "style_preset": {"type": "choice", "choices": STYLE_PRESETS},
            "clip_guidance_preset": {"type": "choice", "choices": CLIP_GUIDANCE_PRESETS},
        },
        # The seed sets no limit; 2000 characters is Stability v1's, which this wraps.
        "prompt_max": 2000,
        "latency_s": 10,
        # Billed in aithriving credits, not dollars: no USD figure is published.
        "price": None,
        "notes": "Costs 0.4–2 aithriving credits per image (failed requests are free); "
                 "seed 0 means random.",
    },
]
