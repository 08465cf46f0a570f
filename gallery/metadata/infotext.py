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
    for k, v in (fields.get("params") or {}).items():
        if k in ("width", "height") or k not in flat:
            flat[k] = v
    return flat


def our_pairs(fields: dict) -> list[tuple[str, str]]:
    """Our fields as A1111's (key, written value) pairs, in A1111's order."""
    f = _flat(fields)
    name, model_hash = checkpoint_name(f.get("model_id") or f.get("model_name") or "")
    f.setdefault("model_name", name)
    f.setdefault("model_hash", model_hash)
    if f.get("guidance") is not None:
        f["guidance"] = f"{float(f['guidance']):g}"
    if (f.get("n") or 1) <= 1:
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

def _is_key_char(c: str) -> bool:
    return c.isalnum() or c in "_ -/"


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def pairs(line: str) -> list[tuple[str, str]]:
    """(key, value as written) for each "Key: value" of ``line``.

    Finds what AUTOMATIC1111's ``re_param`` finds
    (``\\s*(\\w[\\w \\-/]+):\\s*("(?:\\\\.|[^\\\\"])+"|[^,]*)(?:,|$)``), but in
    one pass: that regex backtracks quadratically on a long run of word
    characters, and a 60 KB line held a web worker for 32 seconds.
    """
    out, i, n = [], 0, len(line)
    next_at = {",": -2, ":": -2}

    def find(char: str, start: int) -> int:  # each character is searched past once
        if next_at[char] < start and next_at[char] != n:
            found = line.find(char, start)
            next_at[char] = n if found < 0 else found
        return next_at[char]

    while i < n:
        colon = find(":", i)
        if colon == n:
            break
        comma = find(",", i)
        if comma < colon:  # no key before the next comma
            i = comma + 1
            continue
        # The key: the run of key characters ending at the colon, from its first word character.
        start = colon
        while start > i and _is_key_char(line[start - 1]):
            start -= 1
        while start < colon and not _is_word_char(line[start]):
            start += 1
        if colon - start < 2:
            i = colon + 1
            continue
        value_start = colon + 1
        while value_start < n and line[value_start].isspace():
            value_start += 1
        end = _quoted_end(line, value_start)
        if end is not None and (end == n or line[end] == ","):
            value, i = line[value_start:end], end + 1
        else:
            comma = find(",", value_start)
            value, i = line[value_start:comma], comma + 1
        out.append((line[start:colon].strip(), value.strip()))
    return out


def _quoted_end(line: str, start: int) -> int | None:
    """The index after the closing quote of a JSON-ish string at ``start``, or None."""
    if start >= len(line) or line[start] != '"':
        return None
    i, n = start + 1, len(line)
    while i < n:
        c = line[i]
        if c == "\\":
            i += 2
        elif c == '"':
            return i + 1 if i > start + 1 else None
        else:
            i += 1
    return None


def split(text: str) -> tuple[str, str, list[tuple[str, str]]]:
    """(prompt, negative prompt, settings pairs) by AUTOMATIC1111's own rules."""
    *lines, last = text.strip().replace("\r\n", "\n").split("\n")
    found = pairs(last)
    if len(found) < 3:
        lines.append(last)
        found = []
    prompt, negative, in_negative = [], [], False
    for line in lines:
        line = line.strip()
        if line.startswith("Negative prompt:"):
            in_negative, line = True, line[len("Negative prompt:"):].strip()
        (negative if in_negative else prompt).append(line)
    return "\n".join(prompt), "\n".join(negative), found


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
    that is not what its key needs (``Steps: n/a``) is left out.
    """
    prompt, negative, found = split(text)
    out = {"prompt": prompt, "negative_prompt": negative}
    for key, value in found:
        value = unquote(value)
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
