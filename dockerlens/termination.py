"""Termination signals as an orderly exit, so that ``finally`` blocks and context managers run.

Python's default for SIGTERM ends the process at once: the ShellCheck processes it started
would keep running and its temporary folders would stay behind. Here the first signal raises
:class:`SystemExit` (exit status 128 + the signal's number, as a shell reports it); any later
one is ignored while the process cleans up, so a second signal cannot cut the clean-up short.
"""

from __future__ import annotations

import signal
from types import FrameType


def exit_on(*signals: signal.Signals) -> None:
    """Turn ``signals`` into ``SystemExit(128 + number)``. Outside the main thread, where
    Python cannot set a handler, nothing changes."""
    try:
        for number in signals:
            signal.signal(number, _exit)
    except ValueError:
        pass


def _exit(number: int, frame: FrameType | None) -> None:
    # A handler that does nothing, not SIG_IGN: a signal already pending when this one ran
    # would find SIG_IGN and raise OSError ("ignored due to race condition").
    for each in (signal.SIGINT, signal.SIGTERM):
        signal.signal(each, _ignore)
    raise SystemExit(128 + number)


def _ignore(number: int, frame: FrameType | None) -> None:
    pass
