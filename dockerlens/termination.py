"""Termination signals as an orderly exit, so that ``finally`` blocks and context managers run.

Python's default for SIGTERM ends the process at once: the ShellCheck processes it started
would keep running and its temporary folders would stay behind. Here the first signal raises
:class:`SystemExit` (exit status 128 + the signal's number, as a shell reports it); any later
one is ignored while the process cleans up, so a second signal cannot cut the clean-up short.

Python runs a handler wherever the main thread happens to be, and that can be a callback whose
exceptions it swallows (a weakref callback at the end of an import, a ``__del__``). Such a
swallowed exit is not lost: it is raised again a moment later, once the callback has returned.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType
from typing import Any

_RETRY_SECONDS = 0.005


class SignalExit(SystemExit):
    """The exit a termination signal asked for."""

    def __init__(self, number: int) -> None:
        super().__init__(128 + number)
        self.number = number


def exit_on(*signals: signal.Signals) -> None:
    """Turn ``signals`` into ``SystemExit(128 + number)``. Outside the main thread, where
    Python cannot set a handler, nothing changes."""
    try:
        for number in signals:
            signal.signal(number, _exit)
    except ValueError:
        return
    if sys.unraisablehook is not _unraisable:
        global _previous_hook
        _previous_hook = sys.unraisablehook
        sys.unraisablehook = _unraisable


def _exit(number: int, frame: FrameType | None) -> None:
    # A handler that does nothing, not SIG_IGN: a signal already pending when this one ran
    # would find SIG_IGN and raise OSError ("ignored due to race condition").
    for each in (signal.SIGINT, signal.SIGTERM):
        signal.signal(each, _ignore)
    raise SignalExit(number)


def _ignore(number: int, frame: FrameType | None) -> None:
    pass


_previous_hook = sys.__unraisablehook__
_swallowed: list[int] = []


def _unraisable(unraisable: Any) -> None:
    exit = unraisable.exc_value
    if not isinstance(exit, SignalExit) or not hasattr(signal, "setitimer"):
        _previous_hook(unraisable)
        return
    # Raising here would be swallowed too: a timer raises it once this callback has returned.
    _swallowed.append(exit.number)
    signal.signal(signal.SIGALRM, _exit_again)
    signal.setitimer(signal.ITIMER_REAL, _RETRY_SECONDS)


def _exit_again(number: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    raise SignalExit(_swallowed.pop())
