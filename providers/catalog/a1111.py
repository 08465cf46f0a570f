"""AUTOMATIC1111 / Forge: the server lists its checkpoints, one template applies to each.

The model id is the checkpoint's ``title`` from ``GET /sdapi/v1/sd-models``
("name.safetensors [hash]"), which is what ``override_settings.sd_model_checkpoint``
expects.
"""

# Names both A1111 (before and after 1.9, which split off the scheduler) and
# Forge accept; 1.9+ still reads a "… Karras" suffix as the Karras scheduler.
SAMPLERS = [
    "DPM++ 2M", "DPM++ 2M Karras", "DPM++ SDE", "DPM++ SDE Karras", "DPM++ 2M SDE",
    "DPM++ 2S a", "Euler a", "Euler", "LMS", "Heun", "DPM2", "DPM2 a", "DDIM", "UniPC",
]

MODELS = []

TEMPLATE = {
    "id": "checkpoint",
    "label": "Server checkpoint",
    # SD 1.5 checkpoints are trained at 512, SDXL at 1024; the API itself takes 64–2048.
    "size": {"type": "range", "min": 64, "max": 2048, "multiple": 8, "default": [512, 512]},
    "max_n": 8,
    "params": {
        "negative_prompt": {"type": "text", "max": 4000},
        "seed": "seed",
        "steps": {"type": "int", "min": 1, "max": 150, "default": 20},
        "guidance": {"type": "float", "min": 1, "max": 30, "default": 7},
        "sampler": {"type": "choice", "choices": SAMPLERS, "default": "DPM++ 2M"},
    },
    "latency_s": 15,
    "price": "0",
    "notes": "Runs on your own GPU; use about 1024×1024 for SDXL checkpoints and 512×512 for SD 1.5.",
}
