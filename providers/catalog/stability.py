"""Stability AI models: v2beta Stable Image (ultra, core, SD 3.5) and v1 engines.

Ids route the request (see providers.stability.route): "ultra" and "core" are
v2beta endpoints, "sd3…" ids go to the sd3 endpoint as its ``model`` field,
anything else is a v1 engine id. Prices are Stability's credits at $0.01 each;
the v1 engines have no documented price here. The old sd3-large, sd3-large-turbo
and sd3-medium ids are not listed: Stability re-routes them to SD 3.5 since
2025-04-17.
"""

STYLE_PRESETS = [
    "3d-model", "analog-film", "anime", "cinematic", "comic-book", "digital-art", "enhance",
    "fantasy-art", "isometric", "line-art", "low-poly", "modeling-compound", "neon-punk",
    "origami", "photographic", "pixel-art", "tile-texture",
]

# --- v2beta ----------------------------------------------------------------------

V2_SIZE = {"type": "aspect",
           "ratios": ["21:9", "16:9", "3:2", "5:4", "1:1", "4:5", "2:3", "9:16", "9:21"],
           "default": "1:1"}
V2_PARAMS = {
    "negative_prompt": {"type": "text", "max": 10000},
    # 0 asks Stability for a random seed; its maximum is one below 2**32-1.
    "seed": {"type": "int", "min": 0, "max": 4294967294},
    "output_format": {"type": "choice", "choices": ["png", "jpeg", "webp"], "default": "png"},
    "style_preset": {"type": "choice", "choices": STYLE_PRESETS},
}
FILTERED = "Results Stability's filter blurs are refused, not stored."


def _sd35(id, label, *, cfg_default, price, latency, notes, negative=True):
    params = dict(V2_PARAMS)
    if not negative:  # the turbo model ignores negative prompts
        del params["negative_prompt"]
    params["guidance"] = {"type": "float", "min": 1, "max": 10, "default": cfg_default,
                          "help": "CFG scale: how strictly to follow the prompt."}
    return {"id": id, "label": label, "size": V2_SIZE, "max_n": 1, "params": params,
            "prompt_max": 10000, "latency_s": latency, "price": price,
            "notes": f"{notes} About 1 MP. {FILTERED}"}


# --- v1 ----------------------------------------------------------------------------

SAMPLERS = ["DDIM", "DDPM", "K_DPMPP_2M", "K_DPMPP_2S_ANCESTRAL", "K_DPM_2",
            "K_DPM_2_ANCESTRAL", "K_EULER", "K_EULER_ANCESTRAL", "K_HEUN", "K_LMS"]
V1_PARAMS = {
    "negative_prompt": {"type": "text", "max": 2000},
    "seed": "seed",  # 0 means random
    "steps": {"type": "int", "min": 10, "max": 150, "default": 30},
    "guidance": {"type": "float", "min": 0, "max": 35, "default": 7,
                 "help": "CFG scale: how strictly to follow the prompt."},
    "sampler": {"type": "choice", "choices": SAMPLERS},
    "style_preset": {"type": "choice", "choices": STYLE_PRESETS},
    "clip_guidance_preset": {"type": "choice", "default": "NONE",
                             "choices": ["NONE", "FAST_BLUE", "FAST_GREEN", "SIMPLE", "SLOW",
                                         "SLOWER", "SLOWEST"]},
}
SDXL_SIZE = {"type": "list", "default": "1024x1024",
             "sizes": ["1024x1024", "1152x896", "896x1152", "1216x832", "832x1216", "1344x768",
                       "768x1344", "1536x640", "640x1536"]}
# Older engines: multiples of 64 and 262,144 to 1,048,576 pixels in all. The
# 512 px minimum side keeps every allowed pair above the pixel floor.
SD_SIZE = {"type": "range", "min": 512, "max": 2048, "multiple": 64,
           "max_megapixels": 1.048576, "default": [512, 512]}
RETIRED = "Legacy engine that Stability has mostly retired: it may answer 'engine not found'."


def _v1(id, label, size, *, latency, notes):
    return {"id": id, "label": label, "size": size, "max_n": 10, "params": V1_PARAMS,
            "prompt_max": 2000, "latency_s": latency, "price": None,
            "notes": f"{notes} Filtered (blurred) samples are dropped."}


MODELS = [
    {"id": "ultra", "label": "Stable Image Ultra", "size": V2_SIZE, "max_n": 1,
     "params": V2_PARAMS, "prompt_max": 10000, "latency_s": 12, "price": "0.08",
     "notes": f"Stability's best model; about 1 MP; 8 credits. {FILTERED}"},
    {"id": "core", "label": "Stable Image Core", "size": V2_SIZE, "max_n": 1,
     "params": V2_PARAMS, "prompt_max": 10000, "latency_s": 5, "price": "0.03",
     "notes": f"Fast and cheap; about 1.5 MP; flat 3 credits. {FILTERED}"},
    _sd35("sd3.5-large", "Stable Diffusion 3.5 Large", cfg_default=4, price="0.065", latency=10,
          notes="6.5 credits."),
    _sd35("sd3.5-large-turbo", "Stable Diffusion 3.5 Large Turbo", cfg_default=1, price="0.04",
          latency=5, negative=False, notes="4 credits; takes no negative prompt."),
    _sd35("sd3.5-medium", "Stable Diffusion 3.5 Medium", cfg_default=4, price="0.035", latency=6,
          notes="3.5 credits."),
    _sd35("sd3.5-flash", "Stable Diffusion 3.5 Flash", cfg_default=1, price="0.025", latency=3,
          notes="2.5 credits; the fastest SD 3.5."),
    _v1("stable-diffusion-xl-1024-v1-0", "SDXL 1.0 (v1 API)", SDXL_SIZE, latency=10,
        notes="Only the nine SDXL sizes are allowed."),
    _v1("stable-diffusion-xl-1024-v0-9", "SDXL 0.9 (v1 API)", SDXL_SIZE, latency=10,
        notes=f"Only the nine SDXL sizes are allowed. {RETIRED}"),
    _v1("stable-diffusion-v1-6", "Stable Diffusion 1.6 (v1 API)",
        {**SD_SIZE, "max": 1536}, latency=6, notes="Up to 1536 px a side, 1 MP in all."),
    _v1("stable-diffusion-v1-5", "Stable Diffusion 1.5 (v1 API)", SD_SIZE, latency=6,
        notes=RETIRED),
    _v1("stable-diffusion-512-v2-1", "Stable Diffusion 2.1 512 (v1 API)", SD_SIZE, latency=6,
        notes=RETIRED),
    # The 768 engine needs at least 589,824 pixels (768×768).
    _v1("stable-diffusion-768-v2-1", "Stable Diffusion 2.1 768 (v1 API)",
        {**SD_SIZE, "min": 768, "max": 1344, "default": [768, 768]}, latency=8, notes=RETIRED),
]
