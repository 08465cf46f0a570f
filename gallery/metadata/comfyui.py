"""ComfyUI's PNGs: the API-format graph in the ``prompt`` text chunk, as compose fields.

ComfyUI's SaveImage writes ``prompt`` (the graph it ran: node id →
``{"class_type", "inputs"}``, where an input is a value or a link
``[node id, output index]``) and ``workflow`` (the editor's layout) with
Pillow's PngInfo, as JSON text. The sampler (KSampler or KSamplerAdvanced) is
the centre: its links lead to the prompts, the empty latent (size, batch) and,
through any LoRA loaders, the checkpoint.
"""
from __future__ import annotations

import json
import math

from .infotext import checkpoint_name

SAMPLERS = ("KSampler", "KSamplerAdvanced")
MAX_DEPTH = 16
# Nodes whose effect the compose form cannot reproduce, by what people call them.
UNAPPLIED = (("LatentUpscale", "hires fix"), ("LatentUpscaleBy", "hires fix"),
             ("ImageUpscaleWithModel", "hires fix"), ("CLIPSetLastLayer", "clip skip"),
             ("VAELoader", "VAE"), ("LoraLoader", "LoRA"), ("LoraLoaderModelOnly", "LoRA"),
             ("ControlNetApply", "ControlNet"), ("ControlNetApplyAdvanced", "ControlNet"))


def parse_comfyui(prompt_text: str) -> dict:
    """Compose fields from a ``prompt`` chunk; {} when it is not a graph with a sampler."""
    try:
        graph = json.loads(prompt_text)
    except ValueError:
        return {}
    if not isinstance(graph, dict):
        return {}
    nodes = {str(k): v for k, v in graph.items()
             if isinstance(v, dict) and isinstance(v.get("inputs"), dict) and isinstance(v.get("class_type"), str)}
    samplers = sorted((k for k, v in nodes.items() if v["class_type"] in SAMPLERS), key=_node_order)
    if not samplers:
        return {}
    first = next((k for k in samplers if _latent(nodes, k)), samplers[0])
    inputs = nodes[first]["inputs"]
    out = {
        "prompt": _text(nodes, inputs.get("positive")), "negative_prompt": _text(nodes, inputs.get("negative")),
        "seed": _value(nodes, inputs.get("seed", inputs.get("noise_seed")), int),
        "steps": _value(nodes, inputs.get("steps"), int),
        "guidance": _value(nodes, inputs.get("cfg"), float),
        "sampler": _value(nodes, inputs.get("sampler_name"), str),
        "scheduler": _value(nodes, inputs.get("scheduler"), str),
    }
    if latent := _latent(nodes, first):
        out["width"] = _value(nodes, latent.get("width"), int)
        out["height"] = _value(nodes, latent.get("height"), int)
        out["n"] = _value(nodes, latent.get("batch_size"), int)
    checkpoint = _checkpoint(nodes, inputs.get("model"))
    if checkpoint:
        out["model_name"], out["model_hash"] = checkpoint_name(checkpoint)
    unapplied = {label for k, v in nodes.items() for kind, label in UNAPPLIED if v["class_type"] == kind}
    if len(samplers) > 1:  # a second pass over the first one's latent
        unapplied.add("hires fix")
    out = {k: v for k, v in out.items() if v not in (None, "")}
    out["unapplied"] = sorted(unapplied, key=str.lower)
    return out


def _node_order(key: str):
    return (0, int(key), "") if key.isdecimal() else (1, 0, key)


def _linked(nodes: dict, value) -> dict | None:
    if isinstance(value, list) and len(value) == 2 and str(value[0]) in nodes:
        return nodes[str(value[0])]
    return None


def _value(nodes: dict, value, kind):
    """A widget value, or the value of the primitive node it is linked to."""
    for _ in range(MAX_DEPTH):
        node = _linked(nodes, value)
        if node is None:
            break
        inputs = node["inputs"]
        value = next((inputs[k] for k in ("value", "seed", "noise_seed", "int", "float", "string", "text")
                      if k in inputs), None)
    if isinstance(value, bool):
        return None
    if kind is str:
        return value if isinstance(value, str) else None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if kind is int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return value if isinstance(value, int) else None
    return float(value) if isinstance(value, (int, float)) else None


def _text(nodes: dict, link, seen: set | None = None) -> str:
    """The prompt text a conditioning link comes from (through any conditioning nodes).

    Each node is visited once, so a hostile graph costs at most its size.
    """
    seen = set() if seen is None else seen
    node = _linked(nodes, link)
    if node is None or id(node) in seen:
        return ""
    seen.add(id(node))
    inputs = node["inputs"]
    for key in ("text", "text_g", "string"):
        if key in inputs:
            found = _value(nodes, inputs[key], str)
            if found is not None:
                return found
    for value in inputs.values():  # ConditioningCombine, ControlNetApply…: follow the conditioning
        if (found := _text(nodes, value, seen)):
            return found
    return ""


def _latent(nodes: dict, sampler: str) -> dict | None:
    node = _linked(nodes, nodes[sampler]["inputs"].get("latent_image"))
    if node and "width" in node["inputs"] and "height" in node["inputs"]:
        return node["inputs"]
    return None


def _checkpoint(nodes: dict, link) -> str:
    for _ in range(MAX_DEPTH):
        node = _linked(nodes, link)
        if node is None:
            return ""
        inputs = node["inputs"]
        for key in ("ckpt_name", "unet_name"):
            if isinstance(inputs.get(key), str):
                return inputs[key]
        link = inputs.get("model")
    return ""
