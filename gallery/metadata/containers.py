"""Metadata inside PNG, JPEG and WebP files, read and written without touching a pixel.

Reading walks the file's chunks or segments (no decoder runs, so a 7999×7999
PNG of 249 KB costs what its bytes cost, and text chunks after IDAT are found
too), with a cap on the text it keeps. Writing splices chunks or segments into
the file, so the picture (and any other metadata) stays byte for byte what the
provider sent.

EXIF is written as AUTOMATIC1111 writes it through piexif: UserComment
(0x9286, type UNDEFINED) = ``b"UNICODE\\0"`` + UTF-16 big-endian text. Always
UNICODE, never ``ASCII\\0\\0\\0``: sd-parsers decodes every UserComment as
UTF-16 big-endian after its 8-byte prefix.
"""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

from PIL import Image as PILImage

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
USER_COMMENT, MAKER_NOTE, EXIF_IFD = 0x9286, 0x927C, 0x8769
MAX_TEXT_BYTES = 4 * 2**20  # all text chunks of a file together, after decompression
TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")
# Walking a file is a Python loop per chunk or segment: a crafted file of
# empty chunks must not make it millions of steps. libpng writes 8 KB IDATs,
# so 20,000 chunks is a 160 MB PNG; a JPEG has a few dozen segments before
# its picture.
MAX_CHUNKS = 20_000
MAX_SEGMENTS = 2_000


class MetadataError(ValueError):
    pass


@dataclass
class Container:
    """What a file says about itself, read from its headers only."""

    format: str  # PNG, JPEG, WEBP
    width: int = 0
    height: int = 0
    texts: dict[str, str] = field(default_factory=dict)  # PNG text chunks
    exif: bytes = b""  # bare TIFF (no "Exif\0\0")
    _ifd: dict | None = field(default=None, repr=False)

    def exif_ifd(self) -> dict:
        """The EXIF sub-IFD's tags (UserComment, MakerNote…); {} if none or unreadable."""
        if self._ifd is None:
            self._ifd = {}
            if self.exif:
                try:
                    exif = PILImage.Exif()
                    exif.load(b"Exif\0\0" + self.exif)
                    self._ifd = dict(exif.get_ifd(EXIF_IFD))
                except Exception:  # Pillow raises many types for a broken TIFF
                    pass
        return self._ifd


def sniff(data: bytes) -> str:
    if data.startswith(PNG_SIGNATURE):
        return "PNG"
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return ""


def read_container(data: bytes) -> Container | None:
    """The headers and metadata of a PNG, JPEG or WebP; None for anything else."""
    kind = sniff(data)
    reader = {"PNG": _read_png, "JPEG": _read_jpeg, "WEBP": _read_webp}.get(kind)
    return reader(data) if reader else None


# --- PNG ------------------------------------------------------------------------

def _png_chunks(data: bytes):
    pos = len(PNG_SIGNATURE)
    for _ in range(MAX_CHUNKS):
        if pos + 12 > len(data):
            return
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        end = pos + 12 + length
        if end > len(data):
            return
        yield kind, pos, end
        if kind == b"IEND":
            return
        pos = end
    raise MetadataError("The PNG has too many chunks")


def _read_png(data: bytes) -> Container:
    out, budget = Container("PNG"), MAX_TEXT_BYTES
    try:
        _walk_png(data, out, budget)
    except MetadataError:  # what was read so far stands
        pass
    return out


def _walk_png(data: bytes, out: Container, budget: int) -> None:
    for kind, start, end in _png_chunks(data):
        if kind == b"IHDR" and end - start >= 20:
            out.width, out.height = struct.unpack(">II", data[start + 8:start + 16])
        elif kind == b"eXIf" and not out.exif:
            out.exif = data[start + 8:min(end - 4, start + 8 + MAX_TEXT_BYTES)].removeprefix(b"Exif\0\0")
        elif kind in TEXT_CHUNKS and budget > 0:
            key, text = _png_text(kind, data[start + 8:min(end - 4, start + 8 + budget + 200)], budget)
            if key and key not in out.texts:
                out.texts[key] = text
                budget -= len(text)


def _png_text(kind: bytes, body: bytes, budget: int) -> tuple[str, str]:
    key, sep, rest = body.partition(b"\0")
    if not sep or not 1 <= len(key) <= 79:
        return "", ""
    try:
        if kind == b"tEXt":
            return key.decode("latin-1"), rest[:budget].decode("latin-1")
        if kind == b"zTXt":
            return key.decode("latin-1"), _inflate(rest[1:], budget).decode("latin-1")
        flag, method, rest = rest[:1], rest[1:2], rest[2:]
        _language, _, rest = rest.partition(b"\0")
        _translated, _, rest = rest.partition(b"\0")
        text = _inflate(rest, budget) if flag == b"\1" else rest[:budget]
        return key.decode("latin-1"), text.decode("utf-8", "replace")
    except (zlib.error, ValueError):
        return "", ""


def _inflate(compressed: bytes, budget: int) -> bytes:
    """At most ``budget`` bytes: a zTXt bomb stops there."""
    return zlib.decompressobj().decompress(compressed, budget)


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_with_text(data: bytes, texts: dict[str, str]) -> bytes:
    """Replace our keywords' text chunks and put ours right after IHDR."""
    new = b""
    for key, value in texts.items():
        try:
            new += _chunk(b"tEXt", key.encode() + b"\0" + value.encode("latin-1"))
        except UnicodeEncodeError:  # as Pillow does: iTXt (UTF-8) for text beyond Latin-1
            new += _chunk(b"iTXt", key.encode() + b"\0\0\0\0\0" + value.encode())
    # Slices of a memoryview: the megabytes of IDAT are copied once, by the join.
    view, out, last = memoryview(data), [PNG_SIGNATURE], len(PNG_SIGNATURE)
    kept = len(PNG_SIGNATURE)  # start of the run of chunks kept as they are
    for kind, start, end in _png_chunks(data):
        keyword = data[start + 8:min(end - 4, start + 88)].split(b"\0", 1)[0].decode("latin-1")
        if kind in TEXT_CHUNKS and keyword in texts:
            out.append(view[kept:start])
            kept = end
        elif kind == b"IHDR":
            out += [view[kept:end], new]
            kept = end
        last = end
    out.append(view[kept:last])
    if last != len(data) or not data.endswith(b"IEND\xaeB`\x82"):
        raise MetadataError("Truncated PNG")
    return b"".join(out)


# --- JPEG -----------------------------------------------------------------------

SOF_MARKERS = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_segments(data: bytes):
    """(marker, start, end) of each segment before the scan; the last is (0xDA, sos, len)."""
    pos = 2
    for _ in range(MAX_SEGMENTS):
        if pos + 4 > len(data) or data[pos] != 0xFF:
            raise MetadataError("Malformed JPEG")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA:  # start of scan: the rest is the picture
            yield marker, pos, len(data)
            return
        end = pos + 2 + struct.unpack(">H", data[pos + 2:pos + 4])[0]
        yield marker, pos, end
        pos = end
    raise MetadataError("The JPEG has too many segments before its picture")


def _read_jpeg(data: bytes) -> Container:
    out = Container("JPEG")
    try:
        for marker, start, end in _jpeg_segments(data):
            body = data[start + 4:end]
            if marker == 0xE1 and body.startswith(b"Exif\0\0") and not out.exif:
                out.exif = body[6:]
            elif marker in SOF_MARKERS and len(body) >= 5:
                out.height, out.width = struct.unpack(">HH", body[1:5])
    except MetadataError:
        pass
    return out


def jpeg_with_exif(data: bytes, tiff: bytes) -> bytes:
    """Replace the APP1 Exif segment; the compressed picture after it is copied as is.

    COM segments are dropped: sd-prompt-reader reads a JPEG that has one as a
    Fooocus file and never looks at the EXIF.
    """
    exif = b"Exif\0\0" + tiff
    if len(exif) + 2 > 0xFFFF:
        raise MetadataError("The parameters are too long for a JPEG EXIF segment")
    segments = []
    for marker, start, end in _jpeg_segments(data):
        if marker == 0xDA:
            picture = data[start:]
        elif not (marker == 0xE1 and data[start + 4:start + 10] == b"Exif\0\0") and marker != 0xFE:
            segments.append(data[start:end])
    app1 = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    segments.insert(1 if segments and segments[0][1] == 0xE0 else 0, app1)  # after JFIF APP0
    return b"\xff\xd8" + b"".join(segments) + picture


# --- WebP -----------------------------------------------------------------------

def _webp_chunks(data: bytes) -> list[list]:
    chunks, pos = [], 12
    while pos + 8 <= len(data):
        if len(chunks) == MAX_CHUNKS:
            raise MetadataError("The WebP has too many chunks")
        kind, (length,) = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])
        chunks.append([kind, data[pos + 8:pos + 8 + length]])
        pos += 8 + length + (length & 1)
    return chunks


def _read_webp(data: bytes) -> Container:
    out = Container("WEBP")
    try:
        chunks = _webp_chunks(data)
    except MetadataError:
        return out
    for kind, body in chunks:
        if kind == b"VP8X" and len(body) >= 10:
            out.width = int.from_bytes(body[4:7], "little") + 1
            out.height = int.from_bytes(body[7:10], "little") + 1
        elif kind == b"VP8 " and len(body) >= 10 and not out.width:
            out.width, out.height = (v & 0x3FFF for v in struct.unpack("<HH", body[6:10]))
        elif kind == b"VP8L" and len(body) >= 5 and not out.width:
            bits = struct.unpack("<I", body[1:5])[0]
            out.width, out.height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        elif kind == b"EXIF" and not out.exif:
            out.exif = body[:MAX_TEXT_BYTES].removeprefix(b"Exif\0\0")
    return out


def webp_with_exif(data: bytes, tiff: bytes) -> bytes:
    """Replace the EXIF chunk; a simple WebP gets the VP8X header EXIF needs."""
    chunks = [c for c in _webp_chunks(data) if c[0] != b"EXIF"]
    if not chunks:
        raise MetadataError("Malformed WebP")
    if chunks[0][0] != b"VP8X":
        info = _read_webp(data)
        kind, payload = chunks[0]
        alpha = kind == b"VP8L" and len(payload) >= 5 and (struct.unpack("<I", payload[1:5])[0] >> 28) & 1
        header = bytes([0x10 if alpha else 0, 0, 0, 0]) + (info.width - 1).to_bytes(3, "little") \
            + (info.height - 1).to_bytes(3, "little")
        chunks.insert(0, [b"VP8X", header])
    chunks[0][1] = bytes([chunks[0][1][0] | 0x08]) + chunks[0][1][1:]
    xmp = next((i for i, c in enumerate(chunks) if c[0] == b"XMP "), len(chunks))
    chunks.insert(xmp, [b"EXIF", tiff])  # EXIF comes after the picture, before XMP
    body = b"WEBP" + b"".join(k + struct.pack("<I", len(p)) + p + b"\0" * (len(p) & 1) for k, p in chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


# --- EXIF -----------------------------------------------------------------------

def exif_with_comment(container: Container, text: str, blob: str, marker: bytes) -> bytes:
    """The file's EXIF (bare TIFF) with our UserComment and MakerNote."""
    exif = PILImage.Exif()
    if container.exif:
        try:
            exif.load(b"Exif\0\0" + container.exif)
        except Exception:  # a broken EXIF is replaced whole
            exif = PILImage.Exif()
    ifd = exif.get_ifd(EXIF_IFD)
    ifd[USER_COMMENT] = b"UNICODE\0" + text.encode("utf-16-be")
    ifd[MAKER_NOTE] = marker + blob.encode()
    return _undefined(exif.tobytes()[6:], (USER_COMMENT, MAKER_NOTE))  # Pillow puts "Exif\0\0" in front


def _undefined(tiff: bytes, tags: tuple[int, ...]) -> bytes:
    """``tiff`` with ``tags`` of the EXIF IFD typed UNDEFINED (7), as piexif writes them.

    Pillow types a bytes value BYTE (1); both are one byte a unit, so only the
    type field changes. Readers built on piexif (sd-prompt-reader) get a tuple
    of ints instead of bytes from a BYTE UserComment and fail.
    """
    order = "<" if tiff[:2] == b"II" else ">"
    out = bytearray(tiff)

    def entries(offset: int):
        (count,) = struct.unpack_from(order + "H", tiff, offset)
        for i in range(count):
            at = offset + 2 + 12 * i
            tag, kind = struct.unpack_from(order + "HH", tiff, at)
            yield tag, at, struct.unpack_from(order + "I", tiff, at + 8)[0]

    (ifd0,) = struct.unpack_from(order + "I", tiff, 4)
    exif_ifd = next((value for tag, _, value in entries(ifd0) if tag == EXIF_IFD), None)
    if exif_ifd is None:
        raise MetadataError("The EXIF written has no EXIF IFD")
    for tag, at, _ in entries(exif_ifd):
        if tag in tags:
            struct.pack_into(order + "H", out, at + 2, 7)
    return bytes(out)


def user_comment(raw) -> str:
    """A UserComment's text, whatever its character-code prefix."""
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
