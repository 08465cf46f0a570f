"""ComfyUI: the server lists its checkpoints, one template applies to each.

The model id is the file name ComfyUI lists for ``CheckpointLoaderSimple.ckpt_name``
(e.g. "sd_xl_base_1.0.safetensors", or "SDXL/foo.safetensors" in a subfolder).
"""

# KSampler's sampler_name and scheduler values common to ComfyUI builds of 2024–2025.
SAMPLERS = [
    "euler", "euler_ancestral", "heun", "dpm_2", "dpm_2_ancestral", "lms", "dpmpp_2s_ancestral",
    "dpmpp_sde", "dpmpp_2m", "dpmpp_2m_sde", "dpmpp_3m_sde", "ddim", "uni_pc", "lcm",
]
SCHEDULERS = ["normal", "karras", "exponential", "sgm_uniform", "simple", "ddim_uniform", "beta"]

MODELS = []

TEMPLATE = {
    "id": "checkpoint",
    "label": "Server checkpoint",
    "size": {"type": "range", "min": 64, "max": 2048, "multiple": 8, "default": [512, 512]},
    "max_n": 8,
    "params": {
        "negative_prompt": {"type": "text", "max": 4000},
        # KSampler's seed input takes 0 to 0xffffffffffffffff.
        "seed": {"type": "seed", "max": 2**64 - 1},
        "steps": {"type": "int", "min": 1, "max": 150, "default": 20},
        "guidance": {"type": "float", "min": 1, "max": 30, "default": 8},
        "sampler": {"type": "choice", "choices": SAMPLERS, "default": "euler"},
        "scheduler": {"type": "choice", "choices": SCHEDULERS, "default": "normal"},
    },
    "latency_s": 15,
    "price": "0",
    "notes": "Runs a built-in txt2img graph on your own GPU; images of one batch share one seed.",
}
