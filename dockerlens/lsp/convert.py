"""Findings and fixes in the protocol's terms.

dockerlens counts lines from 1 and columns from 1 in characters (code points), end exclusive;
the protocol counts both from 0, columns in the units the client asked for (UTF-16 unless it
said otherwise). Lines are the engine's (split at "\\n" only), so a finding's line is the line
the editor shows.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from dockerlens.lint.findings import UNUSED_PRAGMA, Finding
from dockerlens.lint.rule import Severity

SOURCE = "dockerlens"
#: style findings are hints: editors show them faintly, and keep them out of problem lists.
SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
    Severity.STYLE: types.DiagnosticSeverity.Hint,
}


def position(lines: Sequence[str], codec: PositionCodec, line: int, column: int) -> types.Position:
    """A 1-based (line, column) in characters as the client counts."""
    if line > len(lines):  # the end of a file whose last line has its newline
        return types.Position(line=len(lines), character=0)
    text = lines[line - 1] if line >= 1 else ""
    character = min(max(column - 1, 0), len(text))
    return codec.position_to_client_units(
        lines, types.Position(line=max(line - 1, 0), character=character)
    )


def span(
    lines: Sequence[str], codec: PositionCodec, line: int, column: int, end_line: int, end: int
) -> types.Range:
    return types.Range(
        start=position(lines, codec, line, column), end=position(lines, codec, end_line, end)
    )


def finding_range(lines: Sequence[str], codec: PositionCodec, finding: Finding) -> types.Range:
    end_line, end_column = finding.end_line, finding.end_column
    # A range that ends where a line starts (parse errors, file-wide findings) means that line.
    if end_column == 1 and finding.column == 1 and 1 <= end_line <= len(lines):
        end_column = len(lines[end_line - 1]) + 1
    return span(lines, codec, finding.line, finding.column, end_line, end_column)


def diagnostic(lines: Sequence[str], codec: PositionCodec, finding: Finding) -> types.Diagnostic:
    return types.Diagnostic(
        range=finding_range(lines, codec, finding),
        message=finding.message,
        severity=SEVERITIES[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(href=finding.url),
        source=SOURCE,
        tags=[types.DiagnosticTag.Unnecessary] if finding.code == UNUSED_PRAGMA.code else None,
    )


def replacement(
    lines: Sequence[str], codec: PositionCodec, old: str, new: str
) -> types.TextEdit | None:
    """One edit turning ``old`` into ``new``, covering only what differs (the editor keeps
    the cursor, folds and marks elsewhere); None when they are the same."""
    if old == new:
        return None
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end = 0
    while end < limit - start and old[len(old) - 1 - end] == new[len(new) - 1 - end]:
        end += 1
    line, column = _line_column(old, start)
    end_line, end_column = _line_column(old, len(old) - end)
    return types.TextEdit(
        range=span(lines, codec, line, column, end_line, end_column),
        new_text=new[start : len(new) - end],
    )


def _line_column(text: str, offset: int) -> tuple[int, int]:
    """The 1-based (line, column) of a character offset, lines split at "\\n"."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def server_position(
    lines: Sequence[str], codec: PositionCodec, where: types.Position
) -> tuple[int, int]:
    """A client position as a 1-based (line, column) in characters."""
    converted = codec.position_from_client_units(list(lines), where)
    return converted.line + 1, converted.character + 1
