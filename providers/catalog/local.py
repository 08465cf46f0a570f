"""The built-in offline renderer: no key, no network, deterministic."""

MODELS = [
    {
        "id": "placeholder",
        "label": "Offline placeholder (not AI)",
        "size": {"type": "range", "min": 256, "max": 2048, "multiple": 8, "default": [768, 768]},
        "max_n": 4,
        "params": {"negative_prompt": {"type": "text", "max": 2000}, "seed": "seed"},
        "latency_s": 0.5,
        "price": "0",
        "notes": "Draws an abstract picture from the prompt and seed with Pillow. It is not an AI model.",
    },
]
