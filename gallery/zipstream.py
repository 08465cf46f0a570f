"""A zip of stored images, written as it is sent: no temporary file, no whole archive in memory."""
from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator

CHUNK = 256 * 1024


class _Sink:
    """A write-only file for ZipFile that hands out what was written so far."""

    def __init__(self):
        self._parts: list[bytes] = []
        self._offset = 0

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        self._offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self._offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def zip_stream(files: Iterable[tuple[str, object]]) -> Iterator[bytes]:
    """Yield a zip of (name in archive, Django FieldFile) pairs, stored uncompressed:
    PNG, JPEG and WebP are compressed already."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, field in files:
            with field.open("rb") as source, archive.open(name, "w", force_zip64=True) as target:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    yield sink.take()
            yield sink.take()
    yield sink.take()
