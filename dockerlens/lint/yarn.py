"""What a Yarn (2 and later) project's ``.yarnrc.yml`` says about where its packages live.

Yarn finds its project by walking up from the working directory; a build finds it the same
way from the build context, so the nearest ``.yarnrc.yml`` at or above the context (up to the
repository root) is the one an install in the image reads.
"""

from __future__ import annotations

import functools
from pathlib import Path

from dockerlens.lint.dockerignore import file_stamps, folders_above

#: Larger files are not read (a .yarnrc.yml is a few lines).
_MAX_BYTES = 64 * 1024


def project_settings(context: Path) -> dict[str, str] | None:
    """The top-level settings of the nearest ``.yarnrc.yml`` at or above ``context``, or None
    when there is none (Yarn 1, npm, or no Node project)."""
    for folder in folders_above(context, include_self=True):
        path = folder / ".yarnrc.yml"
        try:
            stat = path.stat()
        except OSError:
            continue
        return dict(_settings(str(path), stat.st_size, stat.st_mtime_ns))
    return None


@functools.lru_cache(maxsize=64)
def _settings(path: str, size: int, mtime: int) -> tuple[tuple[str, str], ...]:
    """(Kept per size and modification time: an editor's server sees an edited file.)"""
    try:
        with open(path, "rb") as stream:
            text = stream.read(_MAX_BYTES).decode("utf-8", "replace")
    except OSError:
        return ()
    settings: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line[0] in " \t#-":
            continue  # nested, a comment, a list item
        key, colon, value = line.partition(":")
        if colon:
            settings[key.strip()] = value.split(" #", 1)[0].strip().strip("\"'")
    return tuple(settings.items())


def plug_n_play(settings: dict[str, str]) -> bool:
    """Packages are loaded from zip files through ``.pnp.cjs``: no ``node_modules`` is made
    (Yarn's default linker since 2.0)."""
    return settings.get("nodeLinker", "pnp") == "pnp"


def cache_in_project(settings: dict[str, str]) -> bool:
    """The package cache is the project's own ``.yarn/cache``: with Plug'n'Play, what the
    application loads at run time, so cleaning it breaks the image."""
    return settings.get("enableGlobalCache") == "false"


def stamp(folder: Path) -> list[str]:
    """What the lint cache keys on: each ``.yarnrc.yml`` in ``folder`` (a Dockerfile's) and
    the folders above it."""
    return file_stamps(f / ".yarnrc.yml" for f in folders_above(folder, include_self=True))
