"""OpenAI's image models (POST /v1/images/generations).

Prices are OpenAI's list prices for one 1024×1024 image; GPT image models are
billed by tokens, so their figure is the medium-quality one and size and
quality move it. ``response_format`` is not a parameter here: the adapter asks
DALL·E for base64 itself, and GPT image models refuse the field.
"""

# Shared by every GPT image model (spec: CreateImageRequest).
_GPT_PARAMS = {
    "quality": {"type": "choice", "choices": ["auto", "low", "medium", "high"], "default": "auto"},
    "output_format": {"type": "choice", "choices": ["png", "jpeg", "webp"], "default": "png"},
    "output_compression": {"type": "int", "min": 0, "max": 100, "default": 100,
                           "help": "JPEG and WebP only; not sent for PNG"},
    "background": {"type": "choice", "choices": ["auto", "opaque", "transparent"],
                   "default": "auto", "help": "Transparent needs PNG or WebP"},
    "moderation": {"type": "choice", "choices": ["auto", "low"], "default": "auto"},
}
_GPT_SIZES = {"type": "list", "sizes": ["1024x1024", "1536x1024", "1024x1536", "auto"],
              "default": "1024x1024"}
# gpt-image-2 takes any WxH: sides multiples of 16, at most 3:1, at most
# 3840x2160 worth of pixels (8,294,400) with a 3840 edge. The range rule
# cannot offer "auto", nor the pixel floor OpenAI also applies (about 655,360
# pixels): 480 is the shortest side such an image can have at 3:1, so smaller
# squares pass our form and come back as the provider's 400.
_GPT2_SIZE = {"type": "range", "min": 480, "max": 3840, "multiple": 16,
              "max_megapixels": 8.2944, "max_aspect": 3.0, "default": [1024, 1024]}
_GPT2_NOTES = ("Any size in multiples of 16 up to 3840×2160, at least about 655,360 pixels; "
               "above 2560×1440 is experimental. Billed by tokens.")


def _gpt(model_id, label, *, latency, price, notes, size=_GPT_SIZES):
    return {"id": model_id, "label": label, "size": size, "max_n": 10, "params": _GPT_PARAMS,
            "prompt_max": 32000, "latency_s": latency, "price": price, "notes": notes}


MODELS = [
    {
        "id": "dall-e-2",
        "label": "DALL·E 2",
        "size": {"type": "list", "sizes": ["256x256", "512x512", "1024x1024"],
                 "default": "1024x1024"},
        "max_n": 10,
        "params": {"quality": {"type": "choice", "choices": ["standard"], "default": "standard"}},
        "prompt_max": 1000,
        "latency_s": 8,
        "price": "0.02",
        "notes": "OpenAI's oldest image model: fast and cheap, square images only.",
    },
    {
        "id": "dall-e-3",
        "label": "DALL·E 3",
        "size": {"type": "list", "sizes": ["1024x1024", "1792x1024", "1024x1792"],
                 "default": "1024x1024"},
        "max_n": 1,
        "params": {
            "quality": {"type": "choice", "choices": ["standard", "hd"], "default": "standard"},
            "style": {"type": "choice", "choices": ["vivid", "natural"], "default": "vivid"},
        },
        "prompt_max": 4000,
        "latency_s": 15,
        "price": "0.04",
        "notes": "OpenAI rewrites the prompt before drawing; the rewritten prompt is kept "
                 "with the image. HD costs twice as much.",
    },
    _gpt("gpt-image-1", "GPT Image 1", latency=45, price="0.042",
         notes="Billed by tokens: quality and size change the price. Transparent background "
               "needs PNG or WebP."),
    _gpt("gpt-image-1-mini", "GPT Image 1 mini", latency=25, price="0.011",
         notes="The cheaper GPT image model; billed by tokens."),
    _gpt("gpt-image-1.5", "GPT Image 1.5", latency=20, price="0.034",
         notes="Faster and cheaper than GPT Image 1; billed by tokens."),
    _gpt("gpt-image-2", "GPT Image 2", latency=40, price="0.053", size=_GPT2_SIZE,
         notes=_GPT2_NOTES),
    _gpt("gpt-image-2-2026-04-21", "GPT Image 2 (2026-04-21 snapshot)", latency=40,
         price="0.053", size=_GPT2_SIZE, notes="Pinned snapshot of GPT Image 2. " + _GPT2_NOTES),
    _gpt("chatgpt-image-latest", "ChatGPT image (latest)", latency=30, price=None,
         notes="Points at the image model ChatGPT uses now; OpenAI may move it without notice."),
]
