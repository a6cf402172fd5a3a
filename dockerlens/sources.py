"""Reading Dockerfiles from disk or stdin, with a clear error for anything that is not one."""

from __future__ import annotations

import os
import sys
from typing import NamedTuple

from dockerlens.errors import UserError

#: No real Dockerfile comes near this; a larger file is a mistake (a binary, a log, an archive).
MAX_DOCKERFILE_BYTES = 4 * 1024 * 1024


class Source(NamedTuple):
    path: str
    text: str


def read_source(path: str, display_name: str | None = None) -> Source:
    """Read ``path`` ("-" for stdin) as a Dockerfile, or raise :class:`UserError`."""
    name = display_name or ("<stdin>" if path == "-" else path)
    if path == "-":
        if sys.stdin is None:  # started with standard input closed (`<&-`)
            raise UserError(f"{name}: standard input is closed")
        try:
            data = sys.stdin.buffer.read(MAX_DOCKERFILE_BYTES + 1)
        except OSError as err:
            raise UserError(f"{name}: cannot read: {err.strerror or err}") from None
    else:
        try:
            if os.path.isdir(path):
                raise UserError(f"{name}: is a directory, not a Dockerfile")
            with open(path, "rb") as handle:
                data = handle.read(MAX_DOCKERFILE_BYTES + 1)
        except FileNotFoundError:
            raise UserError(f"{name}: no such file") from None
        except PermissionError:
            raise UserError(f"{name}: permission denied") from None
        except OSError as err:
            raise UserError(f"{name}: cannot read: {err.strerror or err}") from None
    return Source(name, decode_dockerfile(name, data))


def decode_dockerfile(name: str, data: bytes) -> str:
    if len(data) > MAX_DOCKERFILE_BYTES:
        limit = MAX_DOCKERFILE_BYTES // (1024 * 1024)
        raise UserError(f"{name}: larger than {limit} MiB, not a Dockerfile")
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        raise UserError(f"{name}:{line}: binary file (NUL byte), not a Dockerfile")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise UserError(
            f"{name}:{line}: not valid UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start})"
        ) from None
