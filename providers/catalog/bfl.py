"""Black Forest Labs FLUX models (text-to-image), as BFL's API spec describes them.

Left out on purpose: the edit endpoints (flux-pro-1.0-fill and -expand need
an image plus a mask or margins; canny/depth need a control image), the
finetuned endpoints (they need a finetune id) and flux-pro-1.1-raw (raw mode is
the ``raw`` switch of flux-pro-1.1-ultra). Prices: BFL reports ``cost`` in
credits (1 credit = $0.01) only for FLUX.2; the figures are those observed at
about 1 MP, and FLUX.2 bills by megapixel, so bigger images cost more.
"""

EXPIRES = "Result URL expires after 10 minutes (the studio downloads it at once)."

FORMATS = {"type": "choice", "choices": ["jpeg", "png", "webp"], "default": "jpeg"}
FORMATS_PNG = {**FORMATS, "default": "png"}  # Kontext defaults to png
SAFETY_FLUX1 = {"type": "int", "min": 0, "max": 6, "default": 2,
                "help": "Moderation of input and output: 0 is strictest, 6 least strict."}
SAFETY_FLUX2 = {**SAFETY_FLUX1, "max": 5,
                "help": "Moderation of input and output: 0 is strictest, 5 least strict."}
UPSAMPLING = {"type": "bool", "default": False,
              "help": "Let BFL rewrite the prompt for more creative results."}

FLUX1_SIZE = {"type": "range", "min": 256, "max": 1440, "multiple": 32, "default": [1024, 768]}
# FLUX.2: at least 64 px, multiples of 16, at most 4 MP (2048×2048).
FLUX2_SIZE = {"type": "range", "min": 64, "max": 4096, "multiple": 16,
              "max_megapixels": 4.194304, "default": [1024, 1024]}
RATIOS = ["21:9", "16:9", "3:2", "4:3", "1:1", "3:4", "2:3", "9:16", "9:21"]

FLUX1_PARAMS = {"seed": "seed", "safety_tolerance": SAFETY_FLUX1, "output_format": FORMATS,
                "prompt_upsampling": UPSAMPLING}
FLUX2_PARAMS = {"seed": "seed", "safety_tolerance": SAFETY_FLUX2, "output_format": FORMATS}


def _flux2(id, label, *, latency, price, notes, params=FLUX2_PARAMS):
    return {"id": id, "label": label, "size": FLUX2_SIZE, "max_n": 1, "params": params,
            "prompt_max": 10000, "latency_s": latency, "price": price,
            "notes": f"{notes} {EXPIRES}"}


MODELS = [
    {
        "id": "flux-pro-1.1", "label": "FLUX1.1 [pro]", "size": FLUX1_SIZE, "max_n": 1,
        "params": FLUX1_PARAMS, "latency_s": 8, "price": None,
        "notes": f"Fast, high-quality FLUX.1 model. {EXPIRES}",
    },
    {
        "id": "flux-pro-1.1-ultra", "label": "FLUX1.1 [pro] ultra",
        "size": {"type": "aspect", "ratios": RATIOS, "default": "16:9"}, "max_n": 1,
        "params": {**FLUX1_PARAMS,
                   "raw": {"type": "bool", "default": False,
                           "help": "Raw mode: less processed, more natural-looking images."}},
        "latency_s": 15, "price": None,
        "notes": f"Up to 4 MP (about 2048×2048 at 1:1); pick a ratio, BFL picks the pixels. {EXPIRES}",
    },
    {
        "id": "flux-dev", "label": "FLUX.1 [dev]", "size": FLUX1_SIZE, "max_n": 1,
        "params": {**FLUX1_PARAMS,
                   "steps": {"type": "int", "min": 1, "max": 50, "default": 28},
                   "guidance": {"type": "float", "min": 1.5, "max": 5, "default": 3.0}},
        "latency_s": 10, "price": None,
        "notes": f"Open-weights FLUX.1 model with steps and guidance. {EXPIRES}",
    },
    {
        "id": "flux-pro", "label": "FLUX.1 [pro]", "size": FLUX1_SIZE, "max_n": 1,
        "params": {**FLUX1_PARAMS,
                   "steps": {"type": "int", "min": 1, "max": 50, "default": 40},
                   "guidance": {"type": "float", "min": 1.5, "max": 5, "default": 2.5},
                   "interval": {"type": "int", "min": 1, "max": 4, "default": 2,
                                "help": "Variety of the output: higher is more varied."}},
        "latency_s": 15, "price": None,
        "notes": f"The original FLUX.1 [pro]; FLUX1.1 [pro] is faster and better. {EXPIRES}",
    },
    {
        "id": "flux-kontext-pro", "label": "FLUX.1 Kontext [pro] (text to image)",
        "size": {"type": "aspect", "ratios": RATIOS, "default": "1:1"}, "max_n": 1,
        "params": {**FLUX1_PARAMS, "output_format": FORMATS_PNG},
        "latency_s": 8, "price": None,
        "notes": f"About 1 MP output; used here without an input image. {EXPIRES}",
    },
    {
        "id": "flux-kontext-max", "label": "FLUX.1 Kontext [max] (text to image)",
        "size": {"type": "aspect", "ratios": RATIOS, "default": "1:1"}, "max_n": 1,
        "params": {**FLUX1_PARAMS, "output_format": FORMATS_PNG},
        "latency_s": 12, "price": None,
        "notes": f"About 1 MP output; at most 6 tasks at once per key. {EXPIRES}",
    },
    _flux2("flux-2-pro", "FLUX.2 [pro]", latency=15, price="0.06",
           notes="BFL's default FLUX.2 model; billed by megapixel."),
    _flux2("flux-2-pro-preview", "FLUX.2 [pro] (preview)", latency=15, price=None,
           notes="Preview endpoint where BFL's latest changes land first."),
    _flux2("flux-2-max", "FLUX.2 [max]", latency=25, price="0.16",
           notes="Highest-quality FLUX.2 model; billed by megapixel."),
    _flux2("flux-2-flex", "FLUX.2 [flex]", latency=25, price="0.10",
           notes="Best for text and typography; steps and guidance adjustable.",
           params={**FLUX2_PARAMS,
                   "steps": {"type": "int", "min": 1, "max": 50, "default": 50},
                   "guidance": {"type": "float", "min": 1.5, "max": 10, "default": 5.0},
                   "prompt_upsampling": {**UPSAMPLING, "default": True}}),
    _flux2("flux-2-klein-9b", "FLUX.2 [klein] 9B", latency=3, price="0.015",
           notes="Fast, cheap, open weights."),
    _flux2("flux-2-klein-9b-preview", "FLUX.2 [klein] 9B (preview)", latency=3, price=None,
           notes="Preview endpoint of [klein] 9B."),
    _flux2("flux-2-klein-4b", "FLUX.2 [klein] 4B", latency=2, price="0.014",
           notes="The fastest and cheapest FLUX.2 model."),
]
