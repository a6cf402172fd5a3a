"""The options of ``analyze`` that name the Dockerfile an image was built from (click only: the
command module imports this at start-up)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

_Command = TypeVar("_Command", bound=Callable[..., Any])


def dockerfile_options(command: _Command) -> _Command:
    """``--dockerfile PATH``, ``--target STAGE``, ``--build-arg NAME=VALUE``."""
    command = click.option(
        "--build-arg",
        "build_args",
        multiple=True,
        metavar="NAME=VALUE",
        help="A build argument the images were built with (repeatable).",
    )(command)
    command = click.option(
        "--target", default=None, metavar="STAGE", help="The stage built (default: the last)."
    )(command)
    command = click.option(
        "--dockerfile",
        type=click.Path(dir_okay=False),
        default=None,
        help="The Dockerfile the images were built from: trace each layer to its line and add "
        "up bytes per instruction.",
    )(command)
    return command
