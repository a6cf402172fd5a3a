"""Named build contexts (``docker buildx bake``'s ``contexts``, Compose's
``additional_contexts``): a ``FROM php-base`` that such a file maps to an image or a folder
names no image to pull, so a tag on it would break the match.

The bake and Compose files looked at are those in the Dockerfile's folder and the folders
above it, up to the repository root (a folder holding ``.git``) or the working directory, at
most :data:`dockerlens.lint.dockerignore.CONTEXT_LEVELS` levels.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

from dockerlens.lazyre import LazyPattern
from dockerlens.lint.dockerignore import folders_above

BAKE_FILES = (
    "docker-bake.hcl",
    "docker-bake.json",
    "docker-bake.override.hcl",
    "docker-bake.override.json",
)
COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
#: Larger files are not read (a bake or Compose file is small).
_MAX_BYTES = 512 * 1024

#: ``contexts = { php-base = "docker-image://..." }`` in HCL, ``"contexts": {...}`` in JSON.
_BAKE_BLOCK = LazyPattern(r"""["']?\bcontexts["']?\s*[=:]\s*\{""")
#: One ``name = value`` (HCL) or ``"name": value`` (JSON) entry of the block.
_BAKE_ENTRY = LazyPattern(
    r"""[\s,]*(?:"([^"]+)"|([A-Za-z0-9][\w.-]*))\s*[=:]\s*(?:"(?:[^"\\]|\\.)*"|[^,\n]*)"""
)
_STRING = LazyPattern(r'"(?:[^"\\]|\\.)*"')
#: Compose: ``additional_contexts:`` then ``name: value`` lines or ``- name=value`` items.
_COMPOSE_BLOCK = LazyPattern(r"^([ \t]*)additional_contexts:[ \t]*\n((?:\1[ \t]+\S.*\n?)+)", re.M)
_COMPOSE_KEY = LazyPattern(r"""^[ \t]+(?:-[ \t]*)?["']?([A-Za-z0-9][\w.-]*)["']?[ \t]*[:=]""", re.M)


def files_above(folder: Path) -> list[Path]:
    """The bake and Compose files in ``folder`` (a Dockerfile's) and above it that a build of
    the Dockerfile may be started from."""
    found: list[Path] = []
    for current in folders_above(folder, include_self=True):
        try:
            names = set(os.listdir(current))
        except OSError:
            continue
        found += [current / name for name in (*BAKE_FILES, *COMPOSE_FILES) if name in names]
    return found


def named_contexts(dockerfile: str | Path) -> frozenset[str]:
    """The names the bake and Compose files around ``dockerfile`` give build contexts."""
    names: set[str] = set()
    for path in files_above(Path(dockerfile).parent):
        try:
            stat = path.stat()
        except OSError:
            continue
        names |= _names_in(str(path), stat.st_size, stat.st_mtime_ns)
    return frozenset(names)


@functools.lru_cache(maxsize=64)
def _names_in(path: str, size: int, mtime: int) -> frozenset[str]:
    """(Kept per size and modification time: an editor's server sees an edited file.)"""
    try:
        with open(path, "rb") as stream:
            text = stream.read(_MAX_BYTES).decode("utf-8", "replace")
    except OSError:
        return frozenset()
    names: set[str] = set()
    if "contexts" in text and os.path.basename(path).startswith("docker-bake"):
        for block in _BAKE_BLOCK.finditer(text):
            body = _body(text, block.end())
            names.update(quoted or bare for quoted, bare in _BAKE_ENTRY.findall(body))
    if "additional_contexts" in text:
        for block in _COMPOSE_BLOCK.finditer(text):
            names.update(_COMPOSE_KEY.findall(block.group(2)))
    return frozenset(names)


def _body(text: str, start: int) -> str:
    """The text from ``start`` to the ``}`` that closes the block, braces inside strings
    (``"docker-image://php:${version}"``) not counted."""
    depth, index = 1, start
    while index < len(text):
        char = text[index]
        if char == '"':
            string = _STRING.match(text, index)
            index = string.end() if string else index + 1
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[start:index]
        index += 1
    return text[start:]


def stamp(folder: Path) -> list[str]:
    """What the lint cache keys on: the path, size and modification time of each such file
    around the Dockerfiles of ``folder``."""
    out = []
    for path in files_above(folder):
        try:
            stat = path.stat()
        except OSError:
            continue
        out.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    return out
