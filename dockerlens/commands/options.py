"""Options several commands share, explained in each command's own words."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

_Command = TypeVar("_Command", bound=Callable[..., Any])


def cache_options(no_cache_help: str, cache_dir_help: str) -> Callable[[_Command], _Command]:
    """``--no-cache`` and ``--cache-dir DIR`` (also ``DOCKERLENS_CACHE_DIR``), as each command
    that keeps a cache explains them."""

    def decorate(command: _Command) -> _Command:
        with_dir = click.option(
            "--cache-dir",
            type=click.Path(path_type=Path, file_okay=False),
            envvar="DOCKERLENS_CACHE_DIR",
            show_envvar=True,
            help=cache_dir_help,
        )(command)
        return click.option("--no-cache", is_flag=True, help=no_cache_help)(with_dir)

    return decorate
