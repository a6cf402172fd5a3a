"""Options several commands share, explained in each command's own words."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from dockerlens import arguments

_Command = TypeVar("_Command", bound=Callable[..., Any])


def _folder(value: str | None) -> Path | None:
    """An empty ``--cache-dir ""`` (an unset variable in a script) is an error: as a path it
    is the current folder, and the cache would land in the project (DOCKERLENS_CACHE_DIR set
    empty is unset)."""
    if value is None:
        return None
    if not value:
        raise arguments.BadParameter(
            "an empty path (the cache is never kept in the current folder)"
        )
    return Path(value)


def cache_options(no_cache_help: str, cache_dir_help: str) -> Callable[[_Command], _Command]:
    """``--no-cache`` and ``--cache-dir DIR`` (also ``DOCKERLENS_CACHE_DIR``), as each command
    that keeps a cache explains them."""

    def decorate(command: _Command) -> _Command:
        with_dir = arguments.option(
            "--cache-dir",
            type=arguments.Path(file_okay=False),
            envvar="DOCKERLENS_CACHE_DIR",
            callback=_folder,
            help=cache_dir_help,
        )(command)
        return arguments.option("--no-cache", is_flag=True, help=no_cache_help)(with_dir)

    return decorate
