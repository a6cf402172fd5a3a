"""Byte streams the analyzer reads: file regions, chunk iterators, and decompressed layers.

Every layer is opened through :func:`open_layer_stream`, which sniffs gzip, zstd or plain tar from
the first bytes (media types in archives are not trusted: skopeo labels uncompressed layers
``tar.gzip``) and caps how far a layer may expand.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from dockerlens.image.errors import ImageInputError

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"

#: Default bound on the uncompressed size of one layer: far above any real image, low enough that
#: a decompression bomb ends in an error instead of hours of inflating zeros.
DEFAULT_MAX_LAYER_BYTES = 1 << 40


class BoundedFile(io.RawIOBase):
    """A read-only view of ``length`` bytes of a seekable file starting at ``start``."""

    def __init__(self, file: BinaryIO, start: int, length: int) -> None:
        super().__init__()
        self._file = file
        self._start = start
        self._length = length
        self._position = 0
        try:
            self._fd: int | None = file.fileno()
        except (AttributeError, OSError, io.UnsupportedOperation):
            self._fd = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._length}[whence]
        self._position = max(0, min(self._length, base + offset))
        return self._position

    def read(self, size: int | None = -1) -> bytes:
        remaining = self._length - self._position
        if size is None or size < 0 or size > remaining:
            size = remaining
        if size == 0:
            return b""
        if self._fd is not None:
            # One pread per header: no seek, no buffer refilled and thrown away.
            data = os.pread(self._fd, size, self._start + self._position)
        else:
            self._file.seek(self._start + self._position)
            data = self._file.read(size)
        self._position += len(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class ChunkStream(io.RawIOBase):
    """A file-like view of an iterator of byte chunks (the Engine API's ``docker save`` stream)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._buffer = b""
        self._offset = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            rest = [self._buffer[self._offset :], *self._chunks]
            self._buffer, self._offset = b"", 0
            return b"".join(rest)
        while len(self._buffer) - self._offset < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer = self._buffer[self._offset :] + chunk
            self._offset = 0
        data = self._buffer[self._offset : self._offset + size]
        self._offset += len(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class LimitedStream(io.RawIOBase):
    """Reads from a decompressor, failing once more than ``limit`` bytes have come out."""

    def __init__(self, inner: BinaryIO, limit: int, what: str) -> None:
        super().__init__()
        self._inner = inner
        self._limit = limit
        self._what = what
        self.produced = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        try:
            data = self._inner.read(-1 if size is None else size)
        except (OSError, EOFError, zlib.error) as err:
            raise ImageInputError(
                f"{self._what}: corrupt or truncated compressed data ({err})"
            ) from None
        except Exception as err:
            # zstandard raises its own ZstdError; keep the message, drop the traceback.
            if type(err).__name__ == "ZstdError":
                raise ImageInputError(f"{self._what}: corrupt zstd data ({err})") from None
            raise
        self.produced += len(data)
        if self.produced > self._limit:
            raise ImageInputError(
                f"{self._what} expands past {self._limit} bytes: refusing a possible "
                "decompression bomb (raise --max-layer-bytes if it is real)"
            )
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def sniff_compression(head: bytes) -> str:
    """``"gzip"``, ``"zstd"`` or ``"none"`` from the first bytes of a blob."""
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    return "none"


class PrefixedStream(io.RawIOBase):
    """``head`` followed by the rest of ``inner``: lets a non-seekable stream be sniffed."""

    def __init__(self, head: bytes, inner: BinaryIO) -> None:
        super().__init__()
        self._head = head
        self._inner = inner

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if self._head:
            if size is None or size < 0:
                data, self._head = self._head + self._inner.read(), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._inner.read(-1 if size is None else size)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def open_layer_stream(
    raw: BinaryIO, *, seekable: bool, what: str, max_bytes: int = DEFAULT_MAX_LAYER_BYTES
) -> tuple[BinaryIO, bool, str]:
    """Open a layer blob as an uncompressed tar stream.

    Returns ``(stream, seekable, compression)``: a plain tar keeps ``raw`` (and its seekability);
    gzip and zstd blobs are decompressed as they are read, through a size cap.
    """
    head = raw.read(4)
    compression = sniff_compression(head)
    if seekable:
        raw.seek(-len(head), io.SEEK_CUR)
        source: BinaryIO = raw
    else:
        source = PrefixedStream(head, raw)  # type: ignore[assignment]
    if compression == "none":
        return source, seekable, compression
    if compression == "gzip":
        inner: BinaryIO = gzip.GzipFile(fileobj=source, mode="rb")  # type: ignore[assignment]
    else:
        import zstandard

        inner = zstandard.ZstdDecompressor().stream_reader(
            source, read_across_frames=True, closefd=False
        )
    limited = LimitedStream(inner, max_bytes, what)
    buffered = io.BufferedReader(limited, buffer_size=1 << 20)
    return buffered, False, compression
