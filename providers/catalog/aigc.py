"""Models of the generic AIGC gateway (seed 000).

The gateway takes prompt, negative_prompt, width/height (multiples of 8),
num_inference_steps, guidance_scale and seed, and answers with data[0].url.
Its guide shows those fields with flux-1.1-pro and names flux-dev and
flux-schnell as drop-ins, so the FLUX and SDXL models declare them all.
DALL·E 3 takes none of them; Midjourney has a seed and a "--no" list but no
steps or guidance. Maximum sizes and speeds are the seed's; prices are not
published there.
"""

_DIFFUSION_PARAMS = {
    "negative_prompt": {"type": "text", "max": 2000},
    "steps": {"type": "int", "min": 1, "max": 50, "default": 28},
    "guidance": {"type": "float", "min": 1, "max": 20, "default": 7.5},
    "seed": "seed",
}


def _range(max_side, default=1024):
    return {"type": "range", "min": 256, "max": max_side, "multiple": 8,
            "default": [default, default]}


MODELS = [
    {
        "id": "flux-1.1-pro",
        "label": "FLUX 1.1 Pro (AIGC)",
        "size": _range(2048),
        "params": _DIFFUSION_PARAMS,
        "latency_s": 10,
        "price": None,
        "notes": "The gateway's flagship, up to 2048×2048.",
    },
    {
        "id": "flux-dev",
        "label": "FLUX Dev (AIGC)",
        "size": _range(1024),
        "params": _DIFFUSION_PARAMS,
        "latency_s": 5,
        "price": None,
        "notes": "Balances quality and speed; up to 1024×1024.",
    },
    {
        "id": "flux-schnell",
        "label": "FLUX Schnell (AIGC)",
        "size": _range(1024),
        # Schnell is distilled to render in 1–4 steps.
        "params": {**_DIFFUSION_PARAMS, "steps": {"type": "int", "min": 1, "max": 4, "default": 4}},
        "latency_s": 2,
        "price": None,
        "notes": "Very fast previews; up to 1024×1024.",
    },
    {
        "id": "stable-diffusion-xl",
        "label": "Stable Diffusion XL (AIGC)",
        "size": _range(1024),
        "params": {**_DIFFUSION_PARAMS, "guidance": {"type": "float", "min": 1, "max": 20,
                                                     "default": 7}},
        "latency_s": 5,
        "price": None,
        "notes": "Understands prompt weights such as (important:1.2); up to 1024×1024.",
    },
    {
        "id": "dall-e-3",
        "label": "DALL·E 3 (AIGC)",
        "size": {"type": "list", "sizes": ["1024x1024", "1792x1024"], "default": "1024x1024"},
        "params": {},
        "prompt_max": 4000,
        "latency_s": 15,
        "price": None,
        "notes": "Square or landscape only through this gateway.",
    },
    {
        "id": "midjourney-v6",
        "label": "Midjourney v6 (AIGC)",
        # Midjourney v6's own pixel sizes for its common ratios (1:1, 16:9, 9:16,
        # 4:3, 3:4, 3:2, 2:3); the seed says "several ratios" without a list.
        "size": {"type": "list", "sizes": ["1024x1024", "1456x816", "816x1456", "1232x928",
                                           "928x1232", "1344x896", "896x1344"],
                 "default": "1024x1024"},
        "params": {"negative_prompt": {"type": "text", "max": 2000}, "seed": "seed"},
        "latency_s": 30,
        "price": None,
        "notes": "The most artistic model here, and the slowest.",
    },
]
