"""What the bake and Compose files around a Dockerfile say about its builds.

Named build contexts (``docker buildx bake``'s ``contexts``, Compose's
``additional_contexts``): a ``FROM php-base`` that such a file maps to an image or a folder
names no image to pull, so a tag on it would break the match. And the build context a target
or service builds the Dockerfile with (:func:`declared_context`).

The bake and Compose files looked at are those in the Dockerfile's folder and the folders
above it, up to the repository root (a folder holding ``.git``) or the working directory, at
most :data:`dockerlens.lint.dockerignore.CONTEXT_LEVELS` levels.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
from pathlib import Path

from dockerlens.lazyre import LazyPattern
from dockerlens.lint.dockerignore import file_stamps, folders_above

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


#: ``target "name" {`` in HCL.
_BAKE_TARGET = LazyPattern(r"""(?m)^[ \t]*target[ \t]+"([^"]+)"[ \t]*\{""")
_HCL_SETTING = LazyPattern(r"""(?m)^[ \t]*(context|dockerfile)[ \t]*=[ \t]*"([^"$]*)"[ \t]*$""")
_HCL_INHERITS = LazyPattern(r"""(?m)^[ \t]*inherits[ \t]*=[ \t]*\[([^\]]*)\]""")


def declared_context(dockerfile: str | Path) -> tuple[Path, Path] | None:
    """The build context a bake target or a Compose service builds ``dockerfile`` with, and
    the file that says so; None when none names it (or several disagree)."""
    target = os.path.realpath(dockerfile)
    found: dict[str, Path] = {}
    for path in files_above(Path(dockerfile).parent):
        try:
            stat = path.stat()
        except OSError:
            continue
        for context, named in _builds_in(str(path), stat.st_size, stat.st_mtime_ns):
            folder = os.path.normpath(os.path.join(path.parent, context))
            if os.path.realpath(os.path.join(folder, named)) == target:
                found.setdefault(folder, path)
    if len(found) != 1:
        return None
    [(folder, source)] = found.items()
    return Path(folder), source


@functools.lru_cache(maxsize=64)
def _builds_in(path: str, size: int, mtime: int) -> tuple[tuple[str, str], ...]:
    """(context, dockerfile) of each build the file declares with a Dockerfile named, both as
    written (relative to the file's folder, the Dockerfile to the context)."""
    try:
        with open(path, "rb") as stream:
            text = stream.read(_MAX_BYTES).decode("utf-8", "replace")
    except OSError:
        return ()
    if "dockerfile" not in text:
        return ()
    name = os.path.basename(path)
    if name.endswith(".json"):
        return _bake_json(text)
    if name.startswith("docker-bake"):
        return _bake_hcl(text)
    return _compose(text)


def _bake_hcl(text: str) -> tuple[tuple[str, str], ...]:
    settings: dict[str, dict[str, str]] = {}
    parents: dict[str, list[str]] = {}
    for block in _BAKE_TARGET.finditer(text):
        body = _body(text, block.end())
        settings[block.group(1)] = dict(_HCL_SETTING.findall(body))
        inherits = _HCL_INHERITS.search(body)
        parents[block.group(1)] = _STRING_VALUE.findall(inherits.group(1)) if inherits else []
    return _resolved(settings, parents)


_STRING_VALUE = LazyPattern(r'"([^"]*)"')


def _bake_json(text: str) -> tuple[tuple[str, str], ...]:
    import json  # only for a bake file written in JSON

    try:
        targets = json.loads(text).get("target", {})
    except (ValueError, AttributeError):
        return ()
    if not isinstance(targets, dict):
        return ()
    settings: dict[str, dict[str, str]] = {}
    parents: dict[str, list[str]] = {}
    for name, body in targets.items():
        if isinstance(body, dict):
            settings[name] = {
                key: value
                for key in ("context", "dockerfile")
                if isinstance(value := body.get(key), str) and "$" not in value
            }
            parents[name] = [p for p in body.get("inherits", []) if isinstance(p, str)]
    return _resolved(settings, parents)


def _resolved(
    settings: dict[str, dict[str, str]], parents: dict[str, list[str]]
) -> tuple[tuple[str, str], ...]:
    """Each target's context and Dockerfile, the inherited ones filled in (the last parent
    that sets one wins, the target's own over all); bake's default context is ``.``."""

    def setting(name: str, key: str, seen: frozenset[str]) -> str | None:
        own = settings.get(name, {}).get(key)
        if own is not None or name in seen:
            return own
        for parent in reversed(parents.get(name, [])):
            value = setting(parent, key, seen | {name})
            if value is not None:
                return value
        return None

    out = []
    for name in settings:
        dockerfile = setting(name, "dockerfile", frozenset())
        if dockerfile:
            out.append((setting(name, "context", frozenset()) or ".", dockerfile))
    return tuple(out)


def _compose(text: str) -> tuple[tuple[str, str], ...]:
    import yaml  # only for a Compose file that names a Dockerfile

    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        return ()
    services = document.get("services") if isinstance(document, dict) else None
    if not isinstance(services, dict):
        return ()
    out = []
    for service in services.values():
        build = service.get("build") if isinstance(service, dict) else None
        if not isinstance(build, dict):
            continue
        context, dockerfile = build.get("context", "."), build.get("dockerfile")
        if (
            isinstance(context, str)
            and isinstance(dockerfile, str)
            and "$" not in context + dockerfile
            and "://" not in context
        ):
            out.append((context, posixpath.normpath(dockerfile)))
    return tuple(out)


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
    return file_stamps(files_above(folder))
