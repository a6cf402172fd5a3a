"""Writing a report, or a fixed Dockerfile, to a file: whole or not at all."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from dockerlens.errors import UserError


@contextlib.contextmanager
def write_atomically(
    path: Path, errors: str = "strict", newline: str | None = None
) -> Iterator[TextIO]:
    """A UTF-8 text stream whose content replaces ``path`` only once all of it is written.

    It goes to a temporary file in the same folder, renamed over ``path`` at the end
    (``os.replace``): a failure on the way (a full disk, an exception, Ctrl-C) leaves ``path``
    as it was and no temporary file behind. A link is followed (its target is replaced); an
    existing pipe or device (``/dev/null``, ``/dev/stdout``) is written to as it is, having
    nothing to replace. The file keeps its mode, and its owner when allowed. ``newline`` is
    ``open``'s (``""`` writes line ends as they are). Write errors become :class:`UserError`.
    """
    target = Path(os.path.realpath(path))
    try:
        existing: os.stat_result | None = os.stat(target)
    except OSError:
        existing = None
    try:
        if existing is not None and not stat.S_ISREG(existing.st_mode):
            with open(target, "w", encoding="utf-8", errors=errors, newline=newline) as stream:
                yield stream
            return
        handle, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
    except OSError as err:
        raise UserError(f"{path}: cannot write: {err.strerror or err}") from None
    try:
        if existing is not None and hasattr(os, "chown"):
            with contextlib.suppress(OSError):  # only root may give a file to someone else
                os.chown(temporary, existing.st_uid, existing.st_gid)
        # mkstemp makes it private; the file gets the mode it had, or a new file's (after
        # chown, which clears setuid).
        os.chmod(temporary, stat.S_IMODE(existing.st_mode) if existing else 0o666 & ~_umask())
        with open(handle, "w", encoding="utf-8", errors=errors, newline=newline) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(err, OSError):
            raise UserError(f"{path}: cannot write: {err.strerror or err}") from None
        raise


def refuse_to_overwrite(output: Path, inputs: Iterable[str], what: str) -> None:
    """A report must never replace a file the run reads (``-o Dockerfile``, ``--html app.tar``):
    ``output`` naming one of ``inputs`` (the same path, or another name of the same file) is a
    :class:`UserError` that says it is ``what`` ("one of the files being linted"). An input
    that is a directory (an OCI layout, --cert-dir) stands for every file in it: ``output``
    may be a new file there, never one that exists (``--html layout/index.json``)."""
    target = os.path.realpath(output)
    try:
        target_stat: os.stat_result | None = os.stat(output)
    except OSError:
        target_stat = None
    for path in inputs:
        if path == "-":
            continue
        if target_stat is not None and os.path.isdir(path):
            if target.startswith(os.path.join(os.path.realpath(path), "")):
                raise UserError(f"{output}: is a file of {path}, {what}; not overwriting it")
            continue
        same = os.path.realpath(path) == target
        if not same and target_stat is not None:
            try:
                same = os.path.samestat(os.stat(path), target_stat)
            except OSError:
                same = False
        if same:
            raise UserError(f"{output}: is {what}; not overwriting it")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
