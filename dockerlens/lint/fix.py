"""Applying fixes, with ruff's discipline.

A fix is a set of text edits on 1-based (line, column) positions, end exclusive, in the file as
the rules saw it (lines split at "\\n", without their "\\r"). :func:`fix_text` is the one entry
point (``lint --fix``, ``--diff`` and an editor's "fix all" call it):

* each fix applies whole or not at all: a fix with an edit out of the file or a reversed span
  is rejected, and a fix that overlaps one taken earlier in the pass waits for the next pass;
* after each pass the file is linted again and the next pass applies the fixes found then,
  until nothing changes (at most :data:`MAX_PASSES` passes);
* a file that does not parse (or holds an instruction BuildKit does not know) is left alone;
* a pass whose result would not parse (or would hold an instruction BuildKit does not know) is
  dropped: its fixes are retried one at a time on the last good text and the ones that break
  the file are rejected, the finding saying why;
* the file's BOM, line endings (text a fix inserts gets the file's "\\r\\n") and final newline
  are kept;
* unsafe fixes (``Fix.safe`` false) only when asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from dockerlens.lint.findings import Finding
from dockerlens.lint.rule import Edit

#: Passes before giving up on a file whose fixes keep changing it.
MAX_PASSES = 10
_BOM = "\ufeff"

Linter = Callable[[str], Sequence[Finding]]


class FixResult:
    """What :func:`fix_text` did to one file."""

    # A plain class: a dataclass costs about a millisecond to make, at every start.
    def __init__(
        self,
        text: str,
        original: str,
        fixed: list[Finding],
        remaining: list[Finding],
        passes: int,
        settled: bool = True,
    ) -> None:
        #: The text with the fixes applied (``original`` when none was).
        self.text = text
        self.original = original
        #: The findings whose fix was applied, over all passes.
        self.fixed = fixed
        #: The findings of the final text (what is left); a finding whose fix was rejected
        #: says why in its message.
        self.remaining = remaining
        #: Passes that changed the text.
        self.passes = passes
        #: False when fixes still had something to change after the last pass allowed.
        self.settled = settled

    @property
    def changed(self) -> bool:
        return self.text != self.original


def wanted(finding: Finding, unsafe: bool) -> bool:
    """The finding has a fix this run applies."""
    return finding.fix is not None and (finding.fix.safe or unsafe)


def fix_text(
    text: str,
    lint: Linter,
    *,
    unsafe: bool = False,
    findings: Sequence[Finding] | None = None,
    max_passes: int = MAX_PASSES,
) -> FixResult:
    """Apply the fixes of ``lint(text)`` to ``text``, pass after pass, until nothing changes.

    ``lint`` gives the findings of a text (the same rules and settings each time); ``findings``
    are those of ``text`` when the caller has them already. Only safe fixes unless ``unsafe``.
    """
    current = text
    found = list(findings) if findings is not None else list(lint(text))
    rejected: dict[tuple[object, ...], str] = {}
    fixed: list[Finding] = []
    passes = 0
    if any(wanted(f, unsafe) for f in found):
        # As ruff does: a file that does not parse (a template, a typo) is not touched; the
        # rules saw only part of it.
        problem = parse_problem(text)
        if problem is not None:
            reason = f"the file does not parse ({problem})"
            rejected = {_key(text, f): reason for f in found if wanted(f, unsafe)}
    while passes < max_passes:
        candidates = [f for f in found if wanted(f, unsafe) and _key(current, f) not in rejected]
        if not candidates:
            break
        result = apply_pass(current, candidates)
        for finding, reason in result.rejected:
            rejected[_key(current, finding)] = reason
        if not result.applied:
            continue  # every candidate was rejected: the next round finds none
        if parse_problem(result.text) is not None:
            result = _without_breaking(current, result.applied, rejected)
            if not result.applied:
                continue
        if result.text == current:
            break
        current = result.text
        fixed += result.applied
        passes += 1
        found = list(lint(current))
    remaining = [_say_why(current, f, rejected) for f in found]
    settled = passes < max_passes or not any(
        wanted(f, unsafe) and _key(current, f) not in rejected for f in found
    )
    return FixResult(current, text, fixed, remaining, passes, settled)


def apply_fixes(text: str, findings: Iterable[Finding]) -> str:
    """One pass of the fixes of ``findings`` (safe or not) over ``text``: a fix that overlaps
    one taken before it, or that is invalid, is left out whole."""
    return apply_pass(text, [f for f in findings if f.fix is not None]).text


class PassResult(NamedTuple):
    text: str
    applied: list[Finding]
    #: Findings whose fix can never apply, with the reason.
    rejected: list[tuple[Finding, str]]
    #: Findings whose fix overlaps one applied in this pass: the next pass retries them.
    deferred: list[Finding]


def apply_pass(text: str, findings: Sequence[Finding]) -> PassResult:
    """Apply each finding's fix whole, in file order, skipping a fix that overlaps one taken."""
    layout = _Layout(text)
    planned: list[tuple[list[tuple[int, int, str]], Finding]] = []
    rejected: list[tuple[Finding, str]] = []
    for finding in findings:
        if finding.fix is None:
            continue
        spans = layout.spans(finding.fix.edits)
        if isinstance(spans, str):
            rejected.append((finding, spans))
        elif any(text[start:end] != new for start, end, new in spans):
            planned.append((spans, finding))  # (a fix that changes nothing is left out)
    planned.sort(key=lambda item: (item[0][0][0], item[0][0][1]) if item[0] else (0, 0))
    taken: list[tuple[int, int, str]] = []
    seen: set[tuple[tuple[int, int, str], ...]] = set()
    applied: list[Finding] = []
    deferred: list[Finding] = []
    for spans, finding in planned:
        signature = tuple(spans)
        if signature in seen:  # the same fix offered by two findings: applied once
            applied.append(finding)
            continue
        if any(_overlap(span, other) for span in spans for other in taken):
            deferred.append(finding)
            continue
        taken += spans
        seen.add(signature)
        applied.append(finding)
    taken.sort(key=lambda span: (span[0], span[1]))
    pieces = []
    position = 0
    for start, end, new in taken:
        pieces += [text[position:start], layout.newlines(new)]
        position = end
    pieces.append(text[position:])
    return PassResult(layout.restore("".join(pieces)), applied, rejected, deferred)


def parse_problem(text: str) -> str | None:
    """Why BuildKit would not build ``text`` ("line 3: ..."), None when it parses and every
    instruction is one it knows."""
    from dockerlens.lint.engine import INSTRUCTIONS
    from dockerlens.syntax.parser import parse

    result = parse(text)
    if result.error is not None:
        return f"line {result.error.line}: {result.error.message}"
    for instruction in result.instructions:
        for word in (instruction.keyword, instruction.effective_keyword):
            if word not in INSTRUCTIONS:
                return f"line {instruction.start_line}: unknown instruction {word}"
    return None


def _without_breaking(
    text: str, findings: list[Finding], rejected: dict[tuple[object, ...], str]
) -> PassResult:
    """The pass redone one fix at a time, leaving out each fix after which the file does not
    parse (rejected for good, with the parser's message)."""
    kept: list[Finding] = []
    result = PassResult(text, [], [], [])
    for finding in findings:
        attempt = apply_pass(text, [*kept, finding])
        if finding not in attempt.applied:
            continue  # it overlaps a fix kept: the next pass retries it
        problem = parse_problem(attempt.text)
        if problem is None:
            kept.append(finding)
            result = attempt
        else:
            rejected[_key(text, finding)] = f"it would make the file fail to parse ({problem})"
    return result


def _key(text: str, finding: Finding) -> tuple[object, ...]:
    """What identifies a fix from one pass to the next: the rule, the fix's title and each
    edit's old and new text (positions move as other fixes apply)."""
    assert finding.fix is not None
    layout = _Layout(text)
    olds = []
    for edit in finding.fix.edits:
        span = layout.span(edit)
        olds.append(text[span[0] : span[1]] if not isinstance(span, str) else span)
    news = tuple(edit.text for edit in finding.fix.edits)
    return (finding.code, finding.fix.title, news, tuple(olds))


def _say_why(text: str, finding: Finding, rejected: dict[tuple[object, ...], str]) -> Finding:
    if finding.fix is None:
        return finding
    reason = rejected.get(_key(text, finding))
    if reason is None:
        return finding
    message = f"{finding.message} (fix not applied: {reason})"
    return finding.replace(message=message)


def _overlap(one: tuple[int, int, str], other: tuple[int, int, str]) -> bool:
    (start, end, _), (other_start, other_end, _) = one, other
    if start == end == other_start == other_end:
        return True  # two insertions at one place: their order is unknown
    return start < other_end and other_start < end


class _Layout:
    """Where each line of a text starts, its line ending, BOM and final newline."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        self.widths: list[int] = []
        index = text.find("\n")
        while index >= 0:
            begin = self.starts[-1]
            self.widths.append(
                index - begin - (1 if index > begin and text[index - 1] == "\r" else 0)
            )
            self.starts.append(index + 1)
            index = text.find("\n", index + 1)
        if self.starts[-1] < len(text):
            self.widths.append(len(text) - self.starts[-1] - text.endswith("\r"))
        else:
            self.starts.pop()  # the text ends with its last line's "\n"
        first = text.find("\n")
        self.crlf = first > 0 and text[first - 1] == "\r"

    def offset(self, line: int, column: int) -> int | str:
        count = len(self.widths)
        if line == count + 1 and column == 1:
            return len(self.text)  # just past the last line
        if not 1 <= line <= count:
            return f"line {line} is outside the file (1-{count})"
        if not 1 <= column <= self.widths[line - 1] + 1:
            return f"column {column} is outside line {line}"
        return self.starts[line - 1] + column - 1

    def span(self, edit: Edit) -> tuple[int, int] | str:
        start = self.offset(edit.line, edit.column)
        end = self.offset(edit.end_line, edit.end_column)
        if isinstance(start, str):
            return start
        if isinstance(end, str):
            return end
        if end < start:
            return f"reversed span {edit.line}:{edit.column}-{edit.end_line}:{edit.end_column}"
        return start, end

    def spans(self, edits: Sequence[Edit]) -> list[tuple[int, int, str]] | str:
        """The fix's edits as offsets, in order; a message when one is invalid or two of them
        overlap."""
        out = []
        for edit in edits:
            span = self.span(edit)
            if isinstance(span, str):
                return span
            out.append((span[0], span[1], edit.text))
        out.sort(key=lambda span: (span[0], span[1]))
        for index in range(1, len(out)):
            if _overlap(out[index - 1], out[index]):
                return "its edits overlap"
        if not out:
            return "it has no edits"
        return out

    def newlines(self, inserted: str) -> str:
        if self.crlf and "\n" in inserted:
            return inserted.replace("\r\n", "\n").replace("\n", "\r\n")
        return inserted

    def restore(self, fixed: str) -> str:
        """``fixed`` with the BOM and the final newline (or its absence) of the original."""
        text = self.text
        if text.startswith(_BOM) and not fixed.startswith(_BOM):
            fixed = _BOM + fixed
        newline = "\r\n" if self.crlf else "\n"
        if text.endswith("\n") and fixed and fixed != _BOM and not fixed.endswith("\n"):
            fixed += newline
        elif text and not text.endswith("\n") and fixed.endswith("\n"):
            fixed = fixed[: -len(newline)] if fixed.endswith(newline) else fixed[:-1]
        return fixed
