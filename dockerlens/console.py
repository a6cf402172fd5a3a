"""Lines for the user on standard output or standard error, flushed at once so that the two
streams keep their order when they share a pipe or a terminal."""

from __future__ import annotations

import sys

from dockerlens.lazyre import LazyPattern

#: A terminal's control sequence (ESC [ ... letter): colours, cursor moves, screen clears.
_CONTROL_SEQUENCE = LazyPattern(r"\033\[[;?0-9]*[a-zA-Z]")


def echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """``text`` on standard output (standard error with ``err``). Control sequences are taken
    out unless the stream is a terminal: a name from an image or a file cannot clear a
    screen or colour a log later."""
    stream = sys.stderr if err else sys.stdout
    if not _is_terminal(stream):
        text = _CONTROL_SEQUENCE.sub("", text)
    stream.write(text + "\n" if nl else text)
    stream.flush()


def _is_terminal(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False
