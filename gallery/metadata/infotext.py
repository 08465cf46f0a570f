"""AUTOMATIC1111's "infotext": the prompt, "Negative prompt: …", then one line of "Key: value, …".

Written so that AUTOMATIC1111 itself, sd-parsers and sd-prompt-reader all read
it, and parsed in linear time whatever a file holds.

What the readers need from the settings line (read from their sources):
- sd-prompt-reader finds it by searching for "\\nSteps:", so the line must
  start with ``Steps``;
- sd-parsers takes the last line holding at least three of Sampler, CFG scale,
  Seed, Steps, ENSD and Schedule type, and gives up without ``Sampler``;
- AUTOMATIC1111 treats a last line with fewer than three pairs as prompt.
A model that has no steps, sampler or seed (GPT image, FLUX, the offline
renderer) therefore writes ``n/a`` for them: true, and what the readers need.
"""
from __future__ import annotations

import json
import os
import re

# How AUTOMATIC1111 names a parameter, and ours for it.
A1111_NAMES = {"steps": "Steps", "sampler": "Sampler", "scheduler": "Schedule type", "guidance": "CFG scale",
               "seed": "Seed", "model_hash": "Model hash", "model_name": "Model", "n": "Batch size",
               "version": "Version"}
OURS = {v: k for k, v in A1111_NAMES.items()}
CONVERT = {"steps": int, "seed": int, "n": int, "guidance": float, "width": int, "height": int}
NOT_EXTRA = {"prompt", "negative_prompt", "width", "height", "size", "model", "model_id", "model_label",
             "connection_name", "params", "source", *A1111_NAMES}
CHECKPOINT_EXTENSIONS = {".safetensors", ".ckpt", ".pt", ".pth", ".bin", ".gguf", ".sft"}
NOT_APPLICABLE = "n/a"
# Keys sd-parsers counts on the settings line (it needs three, Sampler among them).
SAMPLER_KEYS = ("Sampler", "CFG scale", "Seed", "Steps", "ENSD", "Schedule type")
VERSION = "Image Studio"
MAX_NUMBER_DIGITS = 30  # int() of a longer digit string is refused by Python, and no seed is that long
HEX = set("0123456789abcdefABCDEF")


# --- writing -------------------------------------------------------------------

def quote(value) -> str:
    """A1111's own ``quote()``: JSON-quoted only when the value holds a comma, colon or newline."""
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if any(c in text for c in ",:\n") else text


def checkpoint_name(model_id: str) -> tuple[str, str]:
    """(name, hash) as A1111 writes them for "dir/name.safetensors [hash]"; other ids stay whole."""
    text = model_id or ""
    path, model_hash = text, ""
    start = text.rfind("[")
    if text.endswith("]") and start > 0 and 8 <= len(text) - start - 2 <= 64 and set(text[start + 1:-1]) <= HEX:
        path, model_hash = text[:start].rstrip(), text[start + 1:-1]
    name, ext = os.path.splitext(os.path.basename(path))
    return (name if ext.lower() in CHECKPOINT_EXTENSIONS else path), model_hash


def _flat(fields: dict) -> dict:
    """Our fields with ``params`` merged in (the prompt and model keep their own values)."""
    flat = {k: v for k, v in fields.items() if k != "params"}
    params = fields.get("params")
    for k, v in (params if isinstance(params, dict) else {}).items():
        if k in ("width", "height") or k not in flat:
            flat[k] = v
    return flat


def our_pairs(fields: dict) -> list[tuple[str, str]]:
    """Our fields as A1111's (key, written value) pairs, in A1111's order."""
    f = _flat(fields)
    name, model_hash = checkpoint_name(f.get("model_id") or f.get("model_name") or "")
    f.setdefault("model_name", name)
    f.setdefault("model_hash", model_hash)
    if isinstance(f.get("guidance"), (int, float)) and not isinstance(f["guidance"], bool):
        f["guidance"] = f"{float(f['guidance']):g}"
    if not isinstance(f.get("n"), int) or f["n"] <= 1:
        f.pop("n", None)
    pairs = [(A1111_NAMES[k], f.get(k)) for k in ("steps", "sampler", "scheduler", "guidance", "seed")]
    if f.get("width") and f.get("height"):
        pairs.append(("Size", f"{f['width']}x{f['height']}"))
    pairs += [(A1111_NAMES[k], f.get(k)) for k in ("model_hash", "model_name", "n")]
    pairs += [(k.replace("_", " ").capitalize(), v) for k, v in f.items()
              if k not in NOT_EXTRA and isinstance(v, (str, int, float, bool))]
    pairs.append(("Version", VERSION))
    return [(k, quote(v)) for k, v in pairs if v not in (None, "")]


def readable(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``pairs`` with the keys the readers need in front (see the module's docstring)."""
    keys = {k for k, _ in pairs}
    front = [(k, NOT_APPLICABLE) for k in ("Steps", "Sampler") if k not in keys]
    if len(keys & set(SAMPLER_KEYS)) + len(front) < 3:
        front.append(("Seed", NOT_APPLICABLE))
    pairs = front + pairs
    steps = next(i for i, (k, _) in enumerate(pairs) if k == "Steps")
    return [pairs[steps]] + pairs[:steps] + pairs[steps + 1:]


def compose(prompt: str, negative: str, pairs: list[tuple[str, str]]) -> str:
    negative = f"\nNegative prompt: {negative}" if negative else ""
    line = ", ".join(f"{k}: {v}" for k, v in readable(pairs))
    return f"{prompt or ''}{negative}\n{line}".strip()


def a1111_string(fields: dict, existing: str = "") -> str:
    """The infotext for ``fields``; merged into ``existing`` (A1111's own) when there is one.

    AUTOMATIC1111's own text keeps its prompt and every pair it wrote (LoRA
    hashes, VAE, version…); ours only adds the keys it lacks, before its Version.
    """
    ours = our_pairs(fields)
    if existing:
        prompt, negative, theirs = split(existing)
        if theirs:
            known = {k for k, _ in theirs}
            added = [(k, v) for k, v in ours if k not in known and k != "Version"]
            at = next((i for i, (k, _) in enumerate(theirs) if k == "Version"), len(theirs))
            return compose(prompt or fields.get("prompt") or "", negative or fields.get("negative_prompt") or "",
                           theirs[:at] + added + theirs[at:])
    return compose(fields.get("prompt") or "", fields.get("negative_prompt") or "", ours)


# --- reading -------------------------------------------------------------------

# The run of key characters just before a colon, matched on the reversed text
# so that no regex ever backtracks over it.
KEY_RUN = re.compile(r"[\w \-/]*")
WORD = re.compile(r"\w")
SPACE = re.compile(r"\s*")
QUOTED = re.compile(r'"(?:\\.|[^\\"])++"')  # possessive: fails in one pass when unclosed
NEGATIVE_LINE = re.compile(r"^[^\S\n]*Negative prompt:", re.MULTILINE)
NEEDS_STRIP = re.compile(r"[^\S\n]\n|\n[^\S\n]")
# A1111 writes a few dozen pairs; a line with more colons than this is not a
# settings line, and scanning stops there.
MAX_COLONS = 2000
# More than AUTOMATIC1111 ever writes (its prompts are bounded by the model's
# tokens); a longer text is not parsed at all, so parsing stays well under 50 ms.
MAX_INFOTEXT_CHARS = 128 * 1024


def pairs(line: str) -> list[tuple[str, str]]:
    """(key, value as written) for each "Key: value" of ``line``.

    Finds what AUTOMATIC1111's ``re_param``
    (``\\s*(\\w[\\w \\-/]+):\\s*("(?:\\\\.|[^\\\\"])+"|[^,]*)(?:,|$)``) finds,
    but in linear time: that regex backtracks quadratically on a long run of
    word characters, and a 60 KB line held a web worker for 32 seconds. Each
    step here moves past one colon, and every search runs in C.
    """
    out, i, n = [], 0, len(line)
    for _ in range(MAX_COLONS):
        colon = line.find(":", i)
        if colon < 0:
            break
        i = line.rfind(",", i, colon) + 1 or i  # a stretch without a colon holds no key
        tail = KEY_RUN.match(line[i:colon][::-1]).end()
        run = line[colon - tail:colon]
        first = WORD.search(run)
        key = run[first.start():] if first else ""
        if len(key) < 2:
            i = colon + 1
            continue
        value_start = SPACE.match(line, colon + 1).end()
        quoted = QUOTED.match(line, value_start)
        if quoted and (quoted.end() == n or line[quoted.end()] == ","):
            end = quoted.end()
        else:
            end = line.find(",", value_start)
            end = n if end < 0 else end
        out.append((key.strip(), line[value_start:end].strip()))
        i = end + 1
    return out


def _lines(text: str) -> str:
    """Each line of ``text`` stripped, as A1111 strips them (one C pass when none needs it)."""
    text = text.strip()
    if "\n" in text and NEEDS_STRIP.search(text):
        return "\n".join(map(str.strip, text.split("\n")))
    return text


def split(text: str) -> tuple[str, str, list[tuple[str, str]]]:
    """(prompt, negative prompt, settings pairs) by AUTOMATIC1111's own rules."""
    text = text.strip().replace("\r\n", "\n")
    body, newline, last = text.rpartition("\n")
    found = pairs(last)
    if len(found) < 3:
        body, found = text, []
    elif not newline:
        body = ""
    negative = NEGATIVE_LINE.search(body) if "Negative prompt:" in body else None
    if negative is None:
        return _lines(body), "", found
    return _lines(body[:max(0, negative.start() - 1)]), _lines(body[negative.end():]), found


def unquote(value: str) -> str:
    if len(value) > 1 and value[0] == value[-1] == '"':
        try:
            loaded = json.loads(value)
        except ValueError:
            return value
        return loaded if isinstance(loaded, str) else value
    return value


def parse_a1111(text: str) -> dict:
    """AUTOMATIC1111's infotext as our field names (A1111's own algorithm).

    Known keys become prompt, negative_prompt, steps, sampler, scheduler,
    guidance, seed, width, height, model_name, model_hash, n, version; any other
    key is kept in snake case ("Clip skip" → clip_skip) as a string. A value
    that is not what its key needs (``Steps: n/a``) is left out. A text longer
    than ``MAX_INFOTEXT_CHARS`` gives {}.
    """
    if len(text) > MAX_INFOTEXT_CHARS:
        return {}
    prompt, negative, found = split(text)
    out = {"prompt": prompt, "negative_prompt": negative}
    for key, value in found:
        value = unquote(value)
        if value == NOT_APPLICABLE:  # what we write for a model without it
            continue
        if key == "Size":
            width, _, height = value.partition("x")
            if _digits(width) and _digits(height):
                out["width"], out["height"] = int(width), int(height)
            continue
        name = OURS.get(key) or key.lower().replace(" ", "_").replace("-", "_").replace("/", "_")
        convert = CONVERT.get(name, str)
        if convert is not str and len(value) > MAX_NUMBER_DIGITS:
            continue
        try:
            out[name] = convert(value)
        except ValueError:
            pass
    return out


def _digits(text: str) -> bool:
    return 0 < len(text) <= MAX_NUMBER_DIGITS and text.isascii() and text.isdigit()
