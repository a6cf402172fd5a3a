"""Reading Dockerfiles from disk or stdin, with a clear error for anything that is not one,
and writing a fixed one back."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
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
    """Replace the file at ``path`` with ``text`` atomically: a temporary file in the same
    folder, then a rename, so a reader sees the old text or the new, never half of it. The
    file keeps its mode (and owner, when allowed); a symbolic link keeps pointing at the file,
    which is replaced. A file the user may not write is not replaced either."""
    name = display_name or path
    target = os.path.realpath(path)
    folder = os.path.dirname(target) or "."
    temporary = None
    try:
        status = os.stat(target)
        if not os.access(target, os.W_OK):  # a rename would get past a read-only file
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        handle, temporary = tempfile.mkstemp(
            dir=folder, prefix=f".{os.path.basename(target)}.", suffix=".tmp"
        )
        with os.fdopen(handle, "wb") as stream:
            stream.write(text.encode("utf-8", errors="surrogateescape"))
            stream.flush()
            os.fsync(stream.fileno())
        if hasattr(os, "chown"):
            with contextlib.suppress(OSError):  # only root may give a file to someone else
                os.chown(temporary, status.st_uid, status.st_gid)
        os.chmod(temporary, stat.S_IMODE(status.st_mode))  # after chown, which clears setuid
        os.replace(temporary, target)
        temporary = None
    except OSError as err:
        raise UserError(f"{name}: cannot write the fixed file: {err.strerror or err}") from None
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
