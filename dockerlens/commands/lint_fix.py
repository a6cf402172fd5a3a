"""What ``lint --fix`` and ``lint --diff`` do with the fixed texts: write them back, print them
(standard input), or show them as a unified diff."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterator
from typing import TextIO

from dockerlens.errors import UserError
from dockerlens.lint.runner import FileFix, Outcome
from dockerlens.sources import write_source


def write_fixes(outcome: Outcome) -> None:
    """Write each changed file back (atomically); a file given as ``-`` goes to standard output,
    changed or not, as a filter would."""
    for fix in outcome.fixes:
        if fix.path == "-":
            _write(sys.stdout, fix.text)
        elif fix.text != fix.original:
            write_source(fix.path, fix.text, display_name=fix.shown)


def show_diff(outcome: Outcome, stream: TextIO) -> int:
    """A unified diff of what ``--fix`` would change, and the exit code: 1 when there is any."""
    changed = [fix for fix in outcome.fixes if fix.text != fix.original]
    _write(stream, "".join(line for fix in changed for line in unified_diff(fix)))
    total = sum(fix.fixed for fix in changed)
    files = len(changed)
    if changed:
        problems = "problem" if total == 1 else "problems"
        summary = f"Would fix {total} {problems} in {files} file{'' if files == 1 else 's'}."
    else:
        summary = "No fixes to apply."
    print(summary, file=sys.stderr)
    return 1 if changed else 0


def unified_diff(fix: FileFix) -> Iterator[str]:
    before, after = _lines(fix.original), _lines(fix.text)
    for line in difflib.unified_diff(before, after, fromfile=fix.shown, tofile=fix.shown):
        yield line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"


def _lines(text: str) -> list[str]:
    """Lines with their ends, split at "\\n" only (as the parser splits them)."""
    lines = text.split("\n")
    last = lines.pop()
    return [line + "\n" for line in lines] + ([last] if last else [])


def _write(stream: TextIO | None, text: str) -> None:
    if stream is None:
        raise UserError("standard output is closed")
    try:
        if hasattr(stream, "buffer"):
            stream.flush()
            stream.buffer.write(text.encode("utf-8", errors="surrogateescape"))
            stream.buffer.flush()
        else:
            stream.write(text)
    except BrokenPipeError:
        return
    except OSError as err:
        raise UserError(f"cannot write to standard output: {err.strerror or err}") from None
