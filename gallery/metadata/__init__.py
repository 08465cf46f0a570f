"""Generation parameters inside image files, readable by AUTOMATIC1111 and by us.

PNG: a ``parameters`` text chunk holding AUTOMATIC1111's "infotext" and an iTXt
``image-studio`` chunk holding the JSON of all our fields.
JPEG and WebP: EXIF, as AUTOMATIC1111 writes it (piexif): UserComment (0x9286) =
b"UNICODE\\0" + the infotext in UTF-16 big-endian; our JSON goes in MakerNote
(0x927C) behind an ``image-studio\\0`` marker, where viewers don't show it as a
title the way they show ImageDescription.

Embedding splices chunks or segments into the file instead of re-encoding it, so
the pixels (and any other metadata) stay byte for byte what the provider sent.
"""
from __future__ import annotations

import io
import json
import os
import re
import struct
import zlib

from PIL import Image as PILImage

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JSON_KEY = "image-studio"
A1111_KEY = "parameters"
USER_COMMENT, MAKER_NOTE, EXIF_IFD = 0x9286, 0x927C, 0x8769
MAKER_NOTE_MARKER = JSON_KEY.encode() + b"\0"
# How AUTOMATIC1111 names a parameter, and ours for it.
A1111_NAMES = {"steps": "Steps", "sampler": "Sampler", "scheduler": "Schedule type", "guidance": "CFG scale",
               "seed": "Seed", "model_hash": "Model hash", "model_name": "Model", "n": "Batch size",
               "version": "Version"}
CONVERT = {"steps": int, "seed": int, "n": int, "guidance": float, "width": int, "height": int}
NOT_EXTRA = {"prompt", "negative_prompt", "width", "height", "size", "model", "model_id", "model_label",
             "connection_name", "params", "source", *A1111_NAMES}
CHECKPOINT_EXTENSIONS = {".safetensors", ".ckpt", ".pt", ".pth", ".bin", ".gguf", ".sft"}
# AUTOMATIC1111's own patterns (modules/infotext_utils.py).
RE_PARAM = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')
RE_SIZE = re.compile(r"^(\d+)x(\d+)$")
RE_TITLE = re.compile(r"^(?P<file>.+?)\s*\[(?P<hash>[0-9a-fA-F]{8,64})\]$")


class MetadataError(ValueError):
    pass


# --- the AUTOMATIC1111 string -----------------------------------------------

def _flat(fields: dict) -> dict:
    """Our fields with ``params`` merged in (the prompt and model keep their own values)."""
    flat = {k: v for k, v in fields.items() if k != "params"}
    for k, v in (fields.get("params") or {}).items():
        if k in ("width", "height") or k not in flat:
            flat[k] = v
    return flat


def _quote(value) -> str:
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if any(c in text for c in ",:\n") else text


def checkpoint_name(model_id: str) -> tuple[str, str]:
    """(name, hash) as A1111 writes them for "dir/name.safetensors [hash]"; other ids stay whole."""
    m = RE_TITLE.match(model_id or "")
    path, model_hash = (m["file"], m["hash"]) if m else (model_id or "", "")
    name, ext = os.path.splitext(os.path.basename(path))
    return (name if ext.lower() in CHECKPOINT_EXTENSIONS else path), model_hash


def a1111_string(fields: dict) -> str:
    """The infotext AUTOMATIC1111 writes: prompt, "Negative prompt: …", then "Key: value, …"."""
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
    # Always a Version, so even a model without steps or seed has the three
    # pairs A1111's parser needs to tell this line from the prompt.
    pairs.append(("Version", "Image Studio"))
    line = ", ".join(f"{k}: {_quote(v)}" for k, v in pairs if v not in (None, ""))
    negative = f"\nNegative prompt: {f['negative_prompt']}" if f.get("negative_prompt") else ""
    return f"{f.get('prompt') or ''}{negative}\n{line}".strip()


def parse_a1111(text: str) -> dict:
    """AUTOMATIC1111's infotext as our field names (A1111's own algorithm).

    Known keys become prompt, negative_prompt, steps, sampler, scheduler,
    guidance, seed, width, height, model_name, model_hash, n, version; any other
    key is kept in snake case ("Clip skip" → clip_skip) as a string.
    """
    *lines, last = text.strip().replace("\r\n", "\n").split("\n")
    if len(RE_PARAM.findall(last)) < 3:
        lines.append(last)
        last = ""
    prompt, negative, in_negative = [], [], False
    for line in lines:
        line = line.strip()
        if line.startswith("Negative prompt:"):
            in_negative, line = True, line[len("Negative prompt:"):].strip()
        (negative if in_negative else prompt).append(line)
    out = {"prompt": "\n".join(prompt), "negative_prompt": "\n".join(negative)}
    ours = {v: k for k, v in A1111_NAMES.items()}
    for key, value in RE_PARAM.findall(last):
        key, value = key.strip(), value.strip()
        if len(value) > 1 and value[0] == value[-1] == '"':
            try:
                value = json.loads(value)
            except ValueError:
                pass
        if key == "Size" and (m := RE_SIZE.match(value)):
            out["width"], out["height"] = int(m[1]), int(m[2])
            continue
        name = ours.get(key) or key.lower().replace(" ", "_").replace("-", "_").replace("/", "_")
        try:
            out[name] = CONVERT.get(name, str)(value)
        except ValueError:
            pass
    return out


# --- writing ------------------------------------------------------------------

def embed(data: bytes, fields: dict) -> bytes:
    """``data`` with ``fields`` written in (PNG, JPEG, WebP); MetadataError otherwise."""
    text = a1111_string(fields)
    blob = json.dumps(fields, ensure_ascii=False, separators=(",", ":"), default=str)
    if data.startswith(PNG_SIGNATURE):
        return _png_with_text(data, {A1111_KEY: text, JSON_KEY: blob})
    if data[:2] == b"\xff\xd8":
        return _jpeg_with_exif(data, _exif_bytes(data, text, blob))
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_with_exif(data, _exif_bytes(data, text, blob)[6:])  # the chunk holds bare TIFF
    raise MetadataError("Only PNG, JPEG and WebP files can carry parameters")


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _png_with_text(data: bytes, texts: dict[str, str]) -> bytes:
    """Replace our keywords' text chunks and put ours right after IHDR."""
    new = b""
    for key, value in texts.items():
        try:
            new += _chunk(b"tEXt", key.encode() + b"\0" + value.encode("latin-1"))
        except UnicodeEncodeError:  # as Pillow does: iTXt (UTF-8) for text beyond Latin-1
            new += _chunk(b"iTXt", key.encode() + b"\0\0\0\0\0" + value.encode())
    out, pos = [PNG_SIGNATURE], len(PNG_SIGNATURE)
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise MetadataError("Truncated PNG chunk")
        keyword = data[pos + 8:end - 4].split(b"\0", 1)[0].decode("latin-1")
        if not (kind in (b"tEXt", b"zTXt", b"iTXt") and keyword in texts):
            out.append(data[pos:end])
        if kind == b"IHDR":
            out.append(new)
        pos = end
    return b"".join(out)


def _exif_bytes(data: bytes, text: str, blob: str) -> bytes:
    """The file's EXIF (if any) with our UserComment and MakerNote, starting "Exif\\0\\0"."""
    with PILImage.open(io.BytesIO(data)) as im:
        exif = im.getexif()
    ifd = exif.get_ifd(EXIF_IFD)
    ifd[USER_COMMENT] = b"UNICODE\0" + text.encode("utf-16-be")
    ifd[MAKER_NOTE] = MAKER_NOTE_MARKER + blob.encode()
    return exif.tobytes()


def _jpeg_with_exif(data: bytes, exif: bytes) -> bytes:
    """Replace the APP1 Exif segment; the compressed picture after it is copied as is."""
    if len(exif) + 2 > 0xFFFF:
        raise MetadataError("The parameters are too long for a JPEG EXIF segment")
    segments, pos = [], 2
    while True:
        if pos + 4 > len(data) or data[pos] != 0xFF:
            raise MetadataError("Malformed JPEG")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA:  # start of scan: the rest is the picture
            break
        end = pos + 2 + struct.unpack(">H", data[pos + 2:pos + 4])[0]
        if not (marker == 0xE1 and data[pos + 4:pos + 10] == b"Exif\0\0"):
            segments.append(data[pos:end])
        pos = end
    app1 = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    segments.insert(1 if segments and segments[0][1] == 0xE0 else 0, app1)  # after JFIF APP0
    return b"\xff\xd8" + b"".join(segments) + data[pos:]


def _webp_with_exif(data: bytes, tiff: bytes) -> bytes:
    """Replace the EXIF chunk; a simple WebP gets the VP8X header EXIF needs."""
    chunks, pos = [], 12
    while pos + 8 <= len(data):
        kind, (length,) = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])
        chunks.append([kind, data[pos + 8:pos + 8 + length]])
        pos += 8 + length + (length & 1)
    chunks = [c for c in chunks if c[0] != b"EXIF"]
    if not chunks:
        raise MetadataError("Malformed WebP")
    if chunks[0][0] != b"VP8X":
        with PILImage.open(io.BytesIO(data)) as im:
            width, height = im.size
        kind, payload = chunks[0]
        alpha = kind == b"VP8L" and len(payload) >= 5 and (struct.unpack("<I", payload[1:5])[0] >> 28) & 1
        header = bytes([0x10 if alpha else 0, 0, 0, 0]) + (width - 1).to_bytes(3, "little") \
            + (height - 1).to_bytes(3, "little")
        chunks.insert(0, [b"VP8X", header])
    chunks[0][1] = bytes([chunks[0][1][0] | 0x08]) + chunks[0][1][1:]
    xmp = next((i for i, c in enumerate(chunks) if c[0] == b"XMP "), len(chunks))
    chunks.insert(xmp, [b"EXIF", tiff])  # EXIF comes after the picture, before XMP
    body = b"WEBP" + b"".join(k + struct.pack("<I", len(p)) + p + b"\0" * (len(p) & 1) for k, p in chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


# --- reading ------------------------------------------------------------------

def _user_comment(raw) -> str:
    if not raw:
        return ""
    if isinstance(raw, str):
        return raw
    head, body = raw[:8], raw[8:]
    if head == b"UNICODE\0":
        if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return body.decode("utf-16", errors="replace")
        # piexif (so A1111) writes big-endian; a few tools write little-endian.
        big = body[0::2].count(0) >= body[1::2].count(0)
        return body.decode("utf-16-be" if big else "utf-16-le", errors="replace").rstrip("\0")
    if head in (b"ASCII\0\0\0", b"\0" * 8):
        raw = body
    return raw.decode("utf-8", errors="replace").rstrip("\0")


def read(data: bytes) -> dict:
    """The parameters a file carries, as compose-form field names; {} if none.

    Ours (the JSON) when present: prompt, negative_prompt, seed, model ("<conn>:<model>"),
    model_id, model_label, connection_name, width, height and every param. Otherwise
    parsed from A1111's infotext (see ``parse_a1111``). ``source`` says which.
    """
    try:
        with PILImage.open(io.BytesIO(data)) as im:
            texts = {k: v for k, v in im.info.items() if isinstance(k, str) and isinstance(v, str)}
            exif = im.getexif().get_ifd(EXIF_IFD)
    except Exception:  # Pillow raises many types for junk data
        return {}
    note = exif.get(MAKER_NOTE)
    blob = texts.get(JSON_KEY) or (note[len(MAKER_NOTE_MARKER):].decode("utf-8", "replace")
                                   if isinstance(note, bytes) and note.startswith(MAKER_NOTE_MARKER) else "")
    try:
        ours = json.loads(blob) if blob else None
    except ValueError:
        ours = None
    if isinstance(ours, dict) and ours.get("prompt") is not None:
        out = {k: ours[k] for k in ("width", "height") if ours.get(k)}
        out.update(ours["params"] if isinstance(ours.get("params"), dict) else {})
        out.update({k: v for k, v in ours.items() if k not in ("params", "width", "height")})
        return {**out, "source": "image-studio"}
    text = texts.get(A1111_KEY) or _user_comment(exif.get(USER_COMMENT))
    parsed = parse_a1111(text) if text else {}
    if not parsed.keys() - {"prompt", "negative_prompt"}:  # a prompt-like text but no parameters
        return {}
    return {**parsed, "source": "a1111"}
