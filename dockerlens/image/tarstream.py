"""A streaming reader of tar headers that skips file content.

``tarfile`` in stream mode reads every byte of content to skip it and buffers long names without a
bound; this reader seeks over content when the stream can seek, caps every in-memory record (GNU
long names, PAX headers), checks header checksums, and turns a short read into one clear error.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from dockerlens.image.errors import ImageInputError

BLOCK = 512
#: GNU long names, long link names and PAX records are held in memory: refuse absurd ones.
MAX_METADATA_RECORD = 1 << 20
_SKIP_CHUNK = 1 << 20

REGULAR = b"0"
HARDLINK = b"1"
SYMLINK = b"2"
DIRECTORY = b"5"
CONTIGUOUS = b"7"
HEADER_ONLY_TYPES = frozenset({HARDLINK, SYMLINK, b"3", b"4", DIRECTORY, b"6"})
_GNU_LONGNAME = b"L"
_GNU_LONGLINK = b"K"
_PAX_LOCAL = b"x"
_PAX_GLOBAL = b"g"
_SOLARIS_PAX = b"X"


@dataclass(frozen=True, slots=True)
class TarHeader:
    """One archive member, with GNU and PAX extensions already applied."""

    name: str
    typeflag: bytes
    size: int
    linkname: str
    #: offset of the member's content from the start of the stream
    offset: int


class TarFormatError(ImageInputError):
    """The bytes are not a well-formed tar stream."""


def _parse_number(field: bytes, what: str) -> int:
    if field and field[0] & 0x80:
        # GNU base-256: big-endian two's complement after the marker bit.
        value = int.from_bytes(field, "big", signed=False) & ~(0x80 << (8 * (len(field) - 1)))
        return value
    text = field.split(b"\0", 1)[0].strip(b" \0")
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        raise TarFormatError(f"bad {what} field {text[:20]!r} in a tar header") from None


def _decode(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


def _checksum_ok(block: bytes) -> bool:
    stored = _parse_number(block[148:156], "checksum")
    unsigned = sum(block) - sum(block[148:156]) + 256  # the field itself counts as spaces
    if stored == unsigned:
        return True
    # Some old writers summed signed chars.
    signed = unsigned - 2 * sum(b for b in block[:148] + block[156:] if b > 127)
    return stored == signed


def looks_like_tar_header(block: bytes) -> bool:
    """True for a block that starts a tar archive: a valid header or the end-of-archive zeros."""
    if len(block) < BLOCK:
        return False
    if block[:BLOCK] == bytes(BLOCK):
        return True
    try:
        return _checksum_ok(block[:BLOCK])
    except TarFormatError:
        return False


def _parse_pax(data: bytes) -> dict[str, str]:
    records: dict[str, str] = {}
    position = 0
    while position < len(data):
        if data[position] == 0:
            break
        space = data.find(b" ", position)
        if space < 0:
            raise TarFormatError("malformed PAX header record")
        try:
            length = int(data[position:space])
        except ValueError:
            raise TarFormatError("malformed PAX header record length") from None
        if length <= 0 or position + length > len(data):
            raise TarFormatError("PAX header record runs past its header")
        record = data[space + 1 : position + length]
        if not record.endswith(b"\n") or b"=" not in record:
            raise TarFormatError("malformed PAX header record")
        key, _, value = record[:-1].partition(b"=")
        records[key.decode("utf-8", "surrogateescape")] = value.decode("utf-8", "surrogateescape")
        position += length
    return records


class TarHeaderReader:
    """Iterates over the members of a tar stream, reading only headers.

    ``stream`` needs only ``read``; when ``seekable`` is true, content is skipped with
    ``seek`` (relative), otherwise it is read and dropped. ``on_bytes`` learns how many bytes were
    consumed, for progress reporting.
    """

    def __init__(self, stream: BinaryIO, *, seekable: bool = False, what: str = "tar") -> None:
        self._stream = stream
        self._seekable = seekable
        self._what = what
        self.position = 0
        self._member_left = 0

    def _read_exact(self, count: int, context: str) -> bytes:
        chunks: list[bytes] = []
        remaining = count
        while remaining:
            chunk = self._stream.read(remaining)
            if not chunk:
                raise TarFormatError(f"{self._what} is truncated ({context})")
            chunks.append(chunk)
            remaining -= len(chunk)
        self.position += count
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def skip(self, count: int) -> None:
        """Skip ``count`` content bytes; a stream that ends early is truncated."""
        if count <= 0:
            return
        if self._seekable:
            before = self._stream.tell()
            self._stream.seek(count, 1)
            # A seek past the end succeeds silently: the caller's bound catches it, see
            # BoundedFile.seek, which clamps and lets the next read fail.
            moved = self._stream.tell() - before
            self.position += moved
            if moved != count:
                raise TarFormatError(f"{self._what} is truncated (inside a member's content)")
            return
        remaining = count
        while remaining:
            chunk = self._stream.read(min(remaining, _SKIP_CHUNK))
            if not chunk:
                raise TarFormatError(f"{self._what} is truncated (inside a member's content)")
            remaining -= len(chunk)
            self.position += len(chunk)

    def read_content(self, size: int, limit: int, context: str) -> bytes:
        """Read a member's content (padded to a block) into memory, refusing more than ``limit``."""
        if size > limit:
            raise TarFormatError(f"{self._what}: {context} of {size} bytes is too large to read")
        data = self._read_exact(size, context)
        self.skip(-size % BLOCK)
        return data

    def read_member(self, size: int) -> bytes:
        """Up to ``size`` bytes of the current member's content (iteration skips the rest)."""
        size = min(size, self._member_left)
        if size <= 0:
            return b""
        data = self._stream.read(size)
        if not data:
            raise TarFormatError(f"{self._what} is truncated (inside a member's content)")
        self._member_left -= len(data)
        self.position += len(data)
        return data

    def member_stream(self) -> BinaryIO:
        """The current member's content as a stream (valid until the iteration moves on)."""
        return _MemberStream(self)  # type: ignore[return-value]

    def __iter__(self) -> Iterator[TarHeader]:
        long_name: str | None = None
        long_link: str | None = None
        pax: dict[str, str] = {}
        global_pax: dict[str, str] = {}
        while True:
            header_offset = self.position
            block = self._stream.read(BLOCK)
            if not block:
                # No end-of-archive marker: accepted (many writers omit the second zero block,
                # some both), unless a GNU/PAX extension was left dangling.
                if long_name is not None or long_link is not None or pax:
                    raise TarFormatError(f"{self._what} is truncated (after an extended header)")
                return
            if len(block) < BLOCK:
                block += self._read_exact(BLOCK - len(block), "in a header")
                self.position -= BLOCK
            self.position += BLOCK
            if block == bytes(BLOCK):
                return
            if not looks_like_tar_header(block):
                raise TarFormatError(
                    f"{self._what} is corrupt: bad header checksum at byte {header_offset}"
                )
            typeflag = block[156:157]
            try:
                size = _parse_number(block[124:136], "size")
            except TarFormatError as err:
                raise TarFormatError(f"{self._what} is corrupt: {err}") from None
            if typeflag in (_GNU_LONGNAME, _GNU_LONGLINK, _PAX_LOCAL, _PAX_GLOBAL, _SOLARIS_PAX):
                data = self.read_content(size, MAX_METADATA_RECORD, "an extended header")
                if typeflag == _GNU_LONGNAME:
                    long_name = _decode(data)
                elif typeflag == _GNU_LONGLINK:
                    long_link = _decode(data)
                elif typeflag == _PAX_GLOBAL:
                    global_pax.update(_parse_pax(data))
                else:
                    pax.update(_parse_pax(data))
                continue

            name = _decode(block[0:100])
            if block[257:263] == b"ustar\x00":
                prefix = _decode(block[345:500])
                if prefix:
                    name = f"{prefix}/{name}"
            linkname = _decode(block[157:257])
            merged = {**global_pax, **pax} if global_pax else pax
            if merged:
                name = merged.get("path", name)
                linkname = merged.get("linkpath", linkname)
                if "size" in merged:
                    try:
                        size = int(merged["size"])
                    except ValueError:
                        raise TarFormatError("bad PAX size record") from None
            if long_name is not None:
                name = long_name
            if long_link is not None:
                linkname = long_link
            if typeflag in (b"\0", b""):
                typeflag = DIRECTORY if name.endswith("/") else REGULAR
            if size < 0:
                raise TarFormatError(f"{self._what}: negative size for {name!r}")
            # Links, devices, directories and FIFOs carry no content whatever the size field says
            # (as Go's archive/tar reads them); every other type is followed by its padded content.
            content = 0 if typeflag in HEADER_ONLY_TYPES else size
            self._member_left = content
            yield TarHeader(name, typeflag, size, linkname, self.position)
            self.skip(self._member_left + (-content % BLOCK))
            self._member_left = 0
            long_name = long_link = None
            pax = {}


class _MemberStream(io.RawIOBase):
    def __init__(self, reader: TarHeaderReader) -> None:
        super().__init__()
        self._reader = reader

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            chunks = []
            while chunk := self._reader.read_member(1 << 20):
                chunks.append(chunk)
            return b"".join(chunks)
        return self._reader.read_member(size)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
