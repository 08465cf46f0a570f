"""FLUX models through APIYI's OpenAI-compatible endpoint (seed 002).

APIYI takes BFL-native fields (width, height, seed, safety_tolerance,
output_format, prompt_upsampling, steps, guidance) on /v1/images/generations
and answers with a BFL delivery URL that expires after 10 minutes.

Where BFL's own API is narrower than the gateway's generic page, the narrower
rule wins, so a request is not refused upstream: FLUX.2 takes
safety_tolerance 0–5, and the FLUX.1 models width/height 256–1440 in steps
of 32. APIYI publishes no per-image prices in the seed, so price is unknown.
"""

_URL_NOTE = "Result URL expires after 10 minutes (the studio downloads it at once)."

# The gateway's rule: multiples of 16, 64–2048 a side, at most 4 MP. BFL's
# "4 MP" is 2048×2048 (4 MiP), which the side limit already implies.
_FLUX2_SIZE = {"type": "range", "min": 64, "max": 2048, "multiple": 16,
               "max_megapixels": 4.194304, "default": [1024, 1024]}
_FLUX1_SIZE = {"type": "range", "min": 256, "max": 1440, "multiple": 32, "default": [1024, 768]}

_OUTPUT_FORMAT = {"type": "choice", "choices": ["jpeg", "png"], "default": "jpeg"}
_UPSAMPLING = {"type": "bool", "default": False, "help": "Let the model expand the prompt"}


def _flux(model_id, label, *, size, tolerance_max, latency, notes, upsampling=True, extra=None):
    params = {
        "seed": "seed",
        "safety_tolerance": {"type": "int", "min": 0, "max": tolerance_max, "default": 2,
                             "help": "0 is strictest"},
        "output_format": _OUTPUT_FORMAT,
    }
    if upsampling:  # FLUX.2 [klein] ignores it, so the form does not offer it
        params["prompt_upsampling"] = _UPSAMPLING
    params.update(extra or {})
    return {"id": model_id, "label": label, "size": size, "max_n": 1, "params": params,
            "prompt_max": 32000, "latency_s": latency, "price": None,
            "notes": f"{notes} {_URL_NOTE}".strip()}


MODELS = [
    _flux("flux-2-max", "FLUX.2 [max]", size=_FLUX2_SIZE, tolerance_max=5, latency=15,
          notes="Flagship FLUX.2; can ground prompts in a live web search."),
    _flux("flux-2-pro", "FLUX.2 [pro]", size=_FLUX2_SIZE, tolerance_max=5, latency=10,
          notes="Production FLUX.2, best value; honours hex colours in the prompt."),
    _flux("flux-2-flex", "FLUX.2 [flex]", size=_FLUX2_SIZE, tolerance_max=5, latency=25,
          notes="Slower; best at typography. The only model here with steps and guidance.",
          extra={"steps": {"type": "int", "min": 1, "max": 50, "default": 50},
                 "guidance": {"type": "float", "min": 1.5, "max": 10, "default": 4.5}}),
    _flux("flux-2-klein-9b", "FLUX.2 [klein] 9B", size=_FLUX2_SIZE, tolerance_max=5, latency=2,
          upsampling=False, notes="Sub-second FLUX.2, balanced."),
    _flux("flux-2-klein-4b", "FLUX.2 [klein] 4B", size=_FLUX2_SIZE, tolerance_max=5, latency=2,
          upsampling=False, notes="The fastest FLUX.2."),
    # Ultra picks its pixels (about 4 MP) from the shape; width and height set the shape.
    _flux("flux-pro-1.1-ultra", "FLUX1.1 [pro] Ultra", size=_FLUX2_SIZE, tolerance_max=6,
          latency=12, notes="Legacy; renders about 4 MP whatever the size asked for."),
    _flux("flux-pro-1.1", "FLUX1.1 [pro]", size=_FLUX1_SIZE, tolerance_max=6, latency=6,
          notes="Legacy, up to 1440 px a side."),
    _flux("flux-pro", "FLUX.1 [pro]", size=_FLUX1_SIZE, tolerance_max=6, latency=7,
          notes="First-generation FLUX pro (legacy)."),
    _flux("flux-dev", "FLUX.1 [dev]", size=_FLUX1_SIZE, tolerance_max=6, latency=6,
          notes="Legacy development model."),
]
