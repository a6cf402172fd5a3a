"""One streaming pass over a layer's tar headers: the entries the analysis needs, nothing else."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import BinaryIO, NamedTuple

from dockerlens.image.errors import ImageInputError
from dockerlens.image.streams import DEFAULT_MAX_LAYER_BYTES, open_layer_stream
from dockerlens.image.tarstream import (
    CONTIGUOUS,
    DIRECTORY,
    HARDLINK,
    REGULAR,
    SYMLINK,
    TarHeaderReader,
)
from dockerlens.secrets import Secret, sniff, worth_reading

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"
#: Default bound on the entries of one image: memory grows with paths, so this bounds memory.
DEFAULT_MAX_ENTRIES = 20_000_000
_DIGEST_CHUNK = 1 << 20


class Kind(IntEnum):
    FILE = 0
    DIRECTORY = 1
    SYMLINK = 2
    HARDLINK = 3
    #: devices and FIFOs
    SPECIAL = 4
    #: ``dir/.wh.name``: the path is the one it deletes
    WHITEOUT = 5
    #: ``dir/.wh..wh..opq``: the path is the directory whose lower contents it hides
    OPAQUE = 6
    #: other ``.wh..wh.*`` names (aufs bookkeeping): no effect on the file system; kept for dive
    AUFS_META = 7


class LayerSecret(NamedTuple):
    """A secret in the content of one of a layer's regular files."""

    #: the position of the file in :attr:`LayerScan.entries`
    entry: int
    secret: Secret


class Entry(NamedTuple):
    path: str
    kind: Kind
    #: the tar header's size field (dive's unit), content bytes for regular files
    size: int
    #: a hard link's target (normalized), a symbolic link's target (as written); "" otherwise
    link: str


@dataclass(slots=True)
class LayerScan:
    entries: list[Entry] = field(default_factory=list)
    #: Σ tar-header sizes over every entry: dive's layer size
    size: int = 0
    compression: str = "none"
    #: bytes of the uncompressed tar stream
    tar_bytes: int = 0
    #: secrets found in file content; None when content was not read for them
    secrets: list[LayerSecret] | None = None
    #: files and bytes read for secrets
    files_sniffed: int = 0
    bytes_sniffed: int = 0
    #: path -> SHA-256 of the content of the regular files a scan was asked to digest (the last
    #: entry of a path wins, as it does on the file system)
    digests: dict[str, bytes] = field(default_factory=dict)


def normalize_path(name: str, what: str) -> str:
    """A member name as a path from the root, without ``/`` at either end; ``""`` is the root.

    Absolute names are taken from the root, as the engine extracts them; ``..`` that climbs out
    of the root is refused, as the engine refuses it ("breakout").
    """
    if not name.startswith(("/", "./")) and "//" not in name and "/." not in name:
        stripped = name.rstrip("/")
        if stripped not in (".", ".."):
            return stripped
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise ImageInputError(f"{what}: entry {name!r} points outside the image root")
            parts.pop()
            continue
        parts.append(part)
    return "/".join(parts)


def _split(path: str) -> tuple[str, str]:
    slash = path.rfind("/")
    if slash < 0:
        return "", path
    return path[:slash], path[slash + 1 :]


def _read_content(reader: TarHeaderReader, size: int) -> bytes:
    chunks = []
    while size > 0:
        chunk = reader.read_member(size)
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _content_digest(reader: TarHeaderReader) -> bytes:
    """SHA-256 of the current member's content, read in chunks (never held whole)."""
    hasher = hashlib.sha256()
    while chunk := reader.read_member(_DIGEST_CHUNK):
        hasher.update(chunk)
    return hasher.digest()


def scan_layer(
    raw: BinaryIO,
    *,
    seekable: bool,
    what: str,
    max_bytes: int = DEFAULT_MAX_LAYER_BYTES,
    max_entries: int = DEFAULT_MAX_ENTRIES,
    read_secrets: bool = False,
    digest: Callable[[str], bool] | None = None,
) -> LayerScan:
    """Read a layer blob (tar, tar+gzip or tar+zstd) header by header, skipping content.

    With ``read_secrets``, the content of the regular files :func:`worth_reading` names is read
    into memory as it streams past and sniffed for secrets (never written anywhere).
    ``digest``: the regular files (by normalized path) whose content is read and hashed into
    ``scan.digests``; everything else is still skipped.
    """
    stream, stream_seekable, compression = open_layer_stream(
        raw, seekable=seekable, what=what, max_bytes=max_bytes
    )
    scan = LayerScan(compression=compression)
    secrets: list[LayerSecret] | None = [] if read_secrets else None
    scan.secrets = secrets
    entries = scan.entries
    append = entries.append
    total = 0
    reader = TarHeaderReader(stream, seekable=stream_seekable, what=what)
    for header in reader:
        path = normalize_path(header.name, what)
        total += header.size
        if not path:
            continue
        typeflag = header.typeflag
        directory, base = _split(path)
        if base.startswith(WHITEOUT_PREFIX):
            if base == OPAQUE_MARKER:
                append(Entry(directory, Kind.OPAQUE, header.size, ""))
            elif base.startswith(".wh..wh."):
                append(Entry(path, Kind.AUFS_META, header.size, ""))
            else:
                target = base[len(WHITEOUT_PREFIX) :]
                if target in ("", ".", ".."):
                    raise ImageInputError(f"{what}: malformed whiteout {header.name!r}")
                whited = f"{directory}/{target}" if directory else target
                append(Entry(whited, Kind.WHITEOUT, header.size, ""))
        elif typeflag in (REGULAR, CONTIGUOUS):
            sniffed: bytes | None = None
            if secrets is not None and worth_reading(path, header.size):
                sniffed = _read_content(reader, header.size)
                scan.files_sniffed += 1
                scan.bytes_sniffed += len(sniffed)
                found = sniff(path, sniffed)
                if found is not None:
                    secrets.append(LayerSecret(len(entries), found))
            append(Entry(path, Kind.FILE, header.size, ""))
            if digest is not None and digest(path):
                # Content already read for secrets is gone from the stream: hash what was read.
                scan.digests[path] = (
                    hashlib.sha256(sniffed).digest()
                    if sniffed is not None
                    else _content_digest(reader)
                )
        elif typeflag == DIRECTORY:
            append(Entry(path, Kind.DIRECTORY, header.size, ""))
        elif typeflag == SYMLINK:
            append(Entry(path, Kind.SYMLINK, header.size, header.linkname))
        elif typeflag == HARDLINK:
            target = normalize_path(header.linkname, what)
            if not target:
                raise ImageInputError(f"{what}: hard link {header.name!r} points at the root")
            append(Entry(path, Kind.HARDLINK, header.size, target))
        elif typeflag in (b"3", b"4", b"6"):
            append(Entry(path, Kind.SPECIAL, header.size, ""))
        else:
            # GNU sparse files and unknown types: content was skipped; count it as a file, as an
            # extractor that does not know the type would write it as one.
            append(Entry(path, Kind.FILE, header.size, ""))
        if len(entries) > max_entries:
            raise ImageInputError(
                f"{what} has more than {max_entries} entries: refusing (raise --max-entries)"
            )
    scan.size = total
    scan.tar_bytes = reader.position
    return scan
