"""The project's ``[tool.dockerlens]`` table (pyproject.toml) or ``.dockerlens.toml``: the one
configuration loader of lint, analyze and graph, found from the current folder upwards.

Lint reads the whole table (``dockerlens.lint.config``), analyze its ``analyze`` table
(thresholds), graph its ``images`` table (which image each Dockerfile builds).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from dockerlens.errors import UserError

#: The files that may hold the configuration, in the order a folder is searched.
CONFIG_NAMES = (".dockerlens.toml", "pyproject.toml")


def find_config(
    start: Path, known: dict[Path, tuple[Path, dict[str, Any]] | None] | None = None
) -> tuple[Path, dict[str, Any]] | None:
    """The nearest ``.dockerlens.toml``, or pyproject.toml with ``[tool.dockerlens]``, upward.

    ``known`` holds the answers for folders already searched (one run lints many files of the
    same folders); it is filled in for every folder this search passes.
    """
    passed: list[Path] = []
    found: tuple[Path, dict[str, Any]] | None = None
    for folder in (start, *start.parents):
        if known is not None and folder in known:
            found = known[folder]
            break
        passed.append(folder)
        found = _config_in(folder)
        if found is not None:
            break
    if known is not None:
        known.update(dict.fromkeys(passed, found))
    return found


def _config_in(folder: Path) -> tuple[Path, dict[str, Any]] | None:
    for name in CONFIG_NAMES:
        path = folder / name
        if not os.path.isfile(path):
            continue
        table = config_table(path)
        if table is not None:
            return path, table
    return None


def config_table(path: Path) -> dict[str, Any] | None:
    """The dockerlens table of a config file: all of a ``.dockerlens.toml`` (or any other TOML
    file), ``[tool.dockerlens]`` of a pyproject.toml (None when it has none)."""
    data = load_toml(path)
    if path.name != "pyproject.toml":
        return data
    tool = data.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise UserError(f"{path}: tool: expected a table, got {type(tool).__name__} {tool!r}")
    table = tool.get("dockerlens")
    if table is not None and not isinstance(table, dict):
        raise UserError(
            f"{path}: tool.dockerlens: expected a table, got {type(table).__name__} {table!r}"
        )
    return table


def load_toml(path: Path) -> dict[str, Any]:
    # Imported here: most runs read no TOML file, and tomllib takes milliseconds to import.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
            return data
    except tomllib.TOMLDecodeError as err:
        raise UserError(f"{path}: invalid TOML: {err}") from None
    except OSError as err:
        raise UserError(f"{path}: cannot read: {err.strerror or err}") from None
    except UnicodeDecodeError as err:  # tomllib decodes the whole file as UTF-8
        line = err.object[: err.start].count(b"\n") + 1
        raise UserError(
            f"{path}:{line}: cannot read: not valid UTF-8 (byte 0x{err.object[err.start]:02x})"
        ) from None


def project_section(start: Path, name: str) -> tuple[Path, str, Any] | None:
    """``(config file, key as the user writes it, value)`` of the ``name`` entry of the nearest
    configuration from ``start`` upwards; None when that configuration has no such entry."""
    found = find_config(start)
    if found is None or name not in found[1]:
        return None
    path, table = found
    key = f"tool.dockerlens.{name}" if path.name == "pyproject.toml" else name
    return path, key, table[name]


def image_mapping(start: Path) -> dict[str, str]:
    """``images = {"path/to/Dockerfile" = "name:tag"}``, paths made relative to ``start``'s cwd."""
    found = project_section(start, "images")
    if found is None:
        return {}
    path, key, images = found
    if not isinstance(images, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in images.items()
    ):
        raise UserError(f"{path}: {key} must be a table of Dockerfile path = image name")
    out = {}
    for dockerfile, image in images.items():
        resolved = (path.parent / dockerfile).resolve()
        out[_display(resolved)] = image
    return out


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def cache_dir_setting(base: Path, value: Any) -> Path:
    """The ``cache-dir`` setting's folder, relative to ``base`` (the folder of the file that
    sets it); ValueError saying what is wrong with ``value``."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a folder path, got {type(value).__name__} {value!r}")
    return base / os.path.expanduser(value)


def configured_cache_dir(start: Path) -> Path | None:
    """The ``cache-dir`` setting of the configuration found from ``start`` upwards (what
    ``dockerlens diff`` reads; lint reads it with the rest of its settings, from each
    Dockerfile's folder)."""
    found = find_config(start)
    if found is None or "cache-dir" not in found[1]:
        return None
    path, table = found
    try:
        return cache_dir_setting(path.parent, table["cache-dir"])
    except ValueError as err:
        raise UserError(f"{path}: cache-dir: {err}") from None
