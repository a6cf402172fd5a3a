"""Applying fixes: text edits on 1-based (line, column) positions, end exclusive.

``--fix`` is not exposed yet; the tests use this to check that each fix turns a rule's
``Example`` into its ``Use instead``.
"""

from __future__ import annotations

from collections.abc import Iterable

from dockerlens.lint.findings import Finding
from dockerlens.lint.rule import Edit


def apply_fixes(text: str, findings: Iterable[Finding]) -> str:
    """``text`` with every fix applied; an edit overlapping an earlier one is skipped."""
    edits = [edit for f in findings if f.fix for edit in f.fix.edits]
    starts = _line_offsets(text)
    spans = []
    for edit in edits:
        start = starts[edit.line - 1] + edit.column - 1
        end = starts[edit.end_line - 1] + edit.end_column - 1
        spans.append((start, end, edit))
    spans.sort(key=lambda s: (s[0], s[1]))
    out = []
    position = 0
    for start, end, edit in spans:
        if start < position:
            continue
        out += [text[position:start], edit.text]
        position = end
    out.append(text[position:])
    return "".join(out)


def _line_offsets(text: str) -> list[int]:
    offsets = [0]
    for index, char in enumerate(text):
        if char == "\n":
            offsets.append(index + 1)
    offsets.append(len(text))
    return offsets


def replace_line_span(line: int, column: int, end_column: int, text: str) -> Edit:
    return Edit(line, column, line, end_column, text)
