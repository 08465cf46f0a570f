"""Staff-uploaded ComfyUI workflows: API-format graphs with placeholders.

A ComfyUI connection's options may hold ``"workflows": {"<model id>": {graph}}``,
each graph exported from ComfyUI with **Save (API)** (``{"3": {"class_type":
"KSampler", "inputs": {…}}, …}``). Any input whose value is exactly one of the
placeholders below is filled in from the request; staff add the model id as a
custom model of the connection (with its size rule and ``inputs``) so members
can pick it. Before a run, the graph is checked against the server's own
``GET /object_info``: every node class must be installed there and every
required input given, or the job fails naming the node.
"""
from __future__ import annotations

import copy
import re
from typing import Any

IMAGE_PLACEHOLDER = re.compile(r"^\{\{image(?:_(\d+))?\}\}$")
# Placeholder → what fills it (request attribute, or a computed value).
PLACEHOLDERS = ("{{prompt}}", "{{negative_prompt}}", "{{seed}}", "{{width}}", "{{height}}",
                "{{steps}}", "{{guidance}}", "{{strength}}", "{{n}}")


def _values(graph: dict):
    for node_id, node in graph.items():
        if isinstance(node, dict) and isinstance(node.get("inputs"), dict):
            for name, value in node["inputs"].items():
                yield node_id, node, name, value


def image_slots(graph: dict) -> int:
    """How many input images the workflow takes ({{image}}, {{image_2}} …)."""
    slots = [int(m.group(1) or 1) for _, _, _, v in _values(graph)
             if isinstance(v, str) and (m := IMAGE_PLACEHOLDER.match(v))]
    return max(slots, default=0)


def workflow_errors(graph: Any, object_info: dict) -> list[str]:
    """What stops ``graph`` from running on the server whose ``/object_info`` this is."""
    if isinstance(graph, dict) and isinstance(graph.get("nodes"), list):
        return ["This is ComfyUI's UI format: export the workflow with “Save (API)”"]
    if not isinstance(graph, dict) or not graph:
        return ["A workflow must be an API-format object of nodes"]
    errors = []
    for node_id, node in graph.items():
        if not isinstance(node, dict) or not isinstance(node.get("class_type"), str):
            errors.append(f"node {node_id} has no class_type")
            continue
        kind = node["class_type"]
        info = object_info.get(kind)
        if not isinstance(info, dict):
            errors.append(f"node {node_id} ({kind}) is not installed on this ComfyUI server")
            continue
        required = ((info.get("input") or {}).get("required") or {})
        given = node.get("inputs") or {}
        for name in required:
            if name not in given:
                errors.append(f"node {node_id} ({kind}) needs its input {name!r}")
        for name, value in given.items():
            if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str) \
                    and value[0] not in graph:
                errors.append(f"node {node_id} ({kind}) links {name!r} to node {value[0]}, "
                              "which is not in the workflow")
    if not any(isinstance(n, dict) and (object_info.get(n.get("class_type")) or {}).get("output_node")
               for n in graph.values()):
        errors.append("the workflow has no output node (SaveImage)")
    if not any(v == "{{prompt}}" for _, _, _, v in _values(graph)):
        errors.append("the workflow has no {{prompt}} placeholder")
    return errors


def workflow_fill(graph: dict, request, *, seed: int, images: list[str]) -> dict:
    """A copy of ``graph`` with each placeholder replaced (numbers stay numbers)."""
    values = {"{{prompt}}": request.prompt, "{{negative_prompt}}": request.negative_prompt or "",
              "{{seed}}": seed, "{{width}}": request.width, "{{height}}": request.height,
              "{{steps}}": request.steps, "{{guidance}}": request.guidance,
              "{{strength}}": request.strength, "{{n}}": request.n}
    filled = copy.deepcopy(graph)
    for _, node, name, value in list(_values(filled)):
        if not isinstance(value, str):
            continue
        if (m := IMAGE_PLACEHOLDER.match(value)):
            index = int(m.group(1) or 1) - 1
            node["inputs"][name] = images[index] if index < len(images) else ""
        elif value in values and values[value] is not None:
            node["inputs"][name] = values[value]
    return filled
