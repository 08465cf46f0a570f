"""Models APIpie names in its image documentation (seed 003).

APIpie routes each request to a provider (the connection's ``provider``
option, or its own choice). One image per request. The seed names three wire
ids: dall-e-3, dall-e-2 and stable-diffusion-3. It also praises SDXL, SD 2.1,
FLUX and Amazon Titan without their ids (its models route lists them live):
staff add those as custom models on the connection once they know the id.
Sizes follow the seed: 1024x1024 works for every model, 1792 sizes are
DALL·E 3's, 512 and 256 DALL·E 2's; quality and style are DALL·E 3's.
"""

MODELS = [
    {
        "id": "dall-e-3",
        "label": "DALL·E 3 (via APIpie)",
        "size": {"type": "list", "sizes": ["1024x1024", "1792x1024", "1024x1792"],
                 "default": "1024x1024"},
        "max_n": 1,
        "params": {
            "quality": {"type": "choice", "choices": ["standard", "hd"], "default": "standard"},
            "style": {"type": "choice", "choices": ["natural", "vivid"], "default": "natural"},
        },
        "prompt_max": 4000,
        "latency_s": 15,
        "price": "0.04",
        "notes": "The prompt is rewritten before drawing; APIpie reports the cost of each image.",
    },
    {
        "id": "dall-e-2",
        "label": "DALL·E 2 (via APIpie)",
        "size": {"type": "list", "sizes": ["1024x1024", "512x512", "256x256"],
                 "default": "1024x1024"},
        "max_n": 1,
        "params": {},
        "prompt_max": 1000,
        "latency_s": 8,
        "price": None,
        "notes": "Fast and cheap, square images only.",
    },
    {
        "id": "stable-diffusion-3",
        "label": "Stable Diffusion 3 (via APIpie)",
        "size": {"type": "list", "sizes": ["1024x1024"], "default": "1024x1024"},
        "max_n": 1,
        "params": {},
        "latency_s": 10,
        "price": None,
        "notes": "Square 1024 px only: the one size APIpie documents for every model.",
    },
]
