"""Reading Dockerfiles from disk or stdin, with a clear error for anything that is not one,
and writing a fixed one back."""

from __future__ import annotations

import errno
import os
import stat
import sys
from pathlib import Path
from typing import NamedTuple

from dockerlens.errors import UserError

#: No real Dockerfile comes near this; a larger file is a mistake (a binary, a log, an archive).
MAX_DOCKERFILE_BYTES = 4 * 1024 * 1024

_KINDS = {
    stat.S_IFIFO: "a named pipe",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


class Source(NamedTuple):
    path: str
    text: str


class ReadError(UserError):
    """A file that cannot be read as a Dockerfile: its name, the line at fault (0: none) and
    why. ``lint`` reports it as that file's finding; other commands stop on it."""

    def __init__(self, name: str, reason: str, line: int = 0) -> None:
        super().__init__(f"{name}:{line}: {reason}" if line else f"{name}: {reason}")
        self.name = name
        self.reason = reason
        self.line = line


def read_source(path: str, display_name: str | None = None) -> Source:
    """Read ``path`` ("-" for stdin) as a Dockerfile, or raise :class:`ReadError`."""
    name = display_name or ("<stdin>" if path == "-" else path)
    if path == "-":
        if sys.stdin is None:  # started with standard input closed (`<&-`)
            raise ReadError(name, "standard input is closed")
        try:
            data = sys.stdin.buffer.read(MAX_DOCKERFILE_BYTES + 1)
        except OSError as err:
            raise ReadError(name, f"cannot read: {err.strerror or err}") from None
    else:
        try:
            mode = os.stat(path).st_mode
            if stat.S_ISDIR(mode):
                raise ReadError(name, "is a directory, not a Dockerfile")
            kind = _KINDS.get(stat.S_IFMT(mode))
            if kind is not None:  # reading a pipe or a device would block the run, or never end
                raise ReadError(name, f"is {kind}, not a regular file (use - for standard input)")
            with open(path, "rb") as handle:
                data = handle.read(MAX_DOCKERFILE_BYTES + 1)
        except FileNotFoundError:
            raise ReadError(name, "no such file") from None
        except PermissionError:
            raise ReadError(name, "permission denied") from None
        except OSError as err:
            raise ReadError(name, f"cannot read: {err.strerror or err}") from None
    return Source(name, decode_dockerfile(name, data))


def decode_dockerfile(name: str, data: bytes) -> str:
    if len(data) > MAX_DOCKERFILE_BYTES:
        limit = MAX_DOCKERFILE_BYTES // (1024 * 1024)
        raise ReadError(name, f"larger than {limit} MiB, not a Dockerfile")
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        raise ReadError(name, "binary file (NUL byte), not a Dockerfile", line)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise ReadError(
            name,
            f"not valid UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start})",
            line,
        ) from None


def write_source(path: str, text: str, display_name: str | None = None) -> None:
    """Replace the Dockerfile at ``path`` with ``text`` (a fix): atomically, keeping its mode,
    owner and line ends (:func:`dockerlens.output.write_atomically`). A file the user may not
    write is not replaced: a rename would get past its read-only mode."""
    from dockerlens.output import write_atomically  # tempfile: only when a fix is written

    if not os.access(path, os.W_OK):
        raise UserError(f"{display_name or path}: cannot write: {os.strerror(errno.EACCES)}")
    try:
        links = os.stat(path).st_nlink
    except OSError:
        links = 1
    if links > 1:
        # A rename would split the file from its other names, which would keep the old text:
        # a hard-linked file is rewritten in place, as ruff does, every name seeing the fix.
        try:
            with open(path, "w", encoding="utf-8", errors="surrogateescape", newline="") as out:
                out.write(text)
        except OSError as err:
            raise UserError(
                f"{display_name or path}: cannot write: {err.strerror or err}"
            ) from None
        return
    with write_atomically(Path(path), errors="surrogateescape", newline="") as stream:
        stream.write(text)
