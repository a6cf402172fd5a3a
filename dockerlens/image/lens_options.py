"""The options of ``analyze`` that name the Dockerfile an image was built from (declarations only:
the command module imports this at start-up)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from dockerlens import arguments

_Command = TypeVar("_Command", bound=Callable[..., Any])


def dockerfile_options(command: _Command) -> _Command:
    """``--dockerfile PATH``, ``--target STAGE``, ``--build-arg NAME=VALUE``."""
    command = arguments.option(
        "--build-arg",
        "build_args",
        multiple=True,
        metavar="NAME=VALUE",
        help="A build argument the images were built with (repeatable).",
    )(command)
    command = arguments.option(
        "--target", default=None, metavar="STAGE", help="The stage built (default: the last)."
    )(command)
    command = arguments.option(
        "--dockerfile",
        type=arguments.Path(dir_okay=False),
        default=None,
        help="The Dockerfile the images were built from: trace each layer to its line and add "
        "up bytes per instruction.",
    )(command)
    return command
