"""``--format text``: for people at a terminal.

One block per finding: ``path:line:col: CODE severity message``, then the source lines at
fault behind a gutter of line numbers, with ``^^^`` under the span when it lies on one line,
the fix's title (``= help:``) and the rule's documentation (``= docs: URL``, as in JSON).
A summary line follows; with ``--statistics`` a count per code replaces the blocks (as
``ruff --statistics`` does). The run's notes come last. ANSI colour only when asked for.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import TextIO

from dockerlens.display import TAB_WIDTH, visible, visible_keeping_newlines, visible_source_line
from dockerlens.lint.findings import Finding
from dockerlens.lint.report import LintRun, ReportOptions
from dockerlens.lint.rule import Severity

#: A span longer than this shows its first lines and its last one.
MAX_EXCERPT_LINES = 5

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_SEVERITY_COLORS = {
    Severity.ERROR: "\x1b[1;31m",
    Severity.WARNING: "\x1b[33m",
    Severity.INFO: "\x1b[36m",
    Severity.STYLE: "\x1b[35m",
}
_GUTTER_COLOR = "\x1b[34m"
_PASS_COLOR = "\x1b[32m"
_NOTE_COLOR = "\x1b[33m"
_SEVERITY_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO, Severity.STYLE)


class _Painter:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if self.enabled and text else text


def render(run: LintRun, stream: TextIO, options: ReportOptions) -> None:
    paint = _Painter(options.color)
    out: list[str] = []
    if options.statistics:
        out += _statistics(run.findings, paint)
    else:
        for finding in run.findings:
            out += _block(finding, run.sources.get(finding.path), paint)
            out.append("")
    if out and out[-1] != "":
        out.append("")
    fixed = run.fixed_summary()
    if fixed is not None:
        out.append(paint(fixed, _PASS_COLOR))
    out.append(_summary(run, paint))
    fixable = _fixable(run.findings)
    if fixable:
        out.append(fixable)
    out += [f"{paint('note:', _NOTE_COLOR)} {visible_keeping_newlines(note)}" for note in run.notes]
    stream.write("\n".join(out) + "\n")


def _block(finding: Finding, lines: list[str] | None, paint: _Painter) -> list[str]:
    severity = finding.severity
    message, *more = visible_keeping_newlines(finding.message).split("\n")
    header = (
        f"{paint(visible_keeping_newlines(finding.path), _BOLD)}:{finding.line}:{finding.column}: "
        f"{paint(finding.code, _BOLD)} {paint(severity.value, _SEVERITY_COLORS[severity])} "
        f"{message}"
    )
    out = [header, *(f"    {line}" for line in more)]
    out += _excerpt(finding, lines or [], paint)
    if finding.fix is not None:
        unsafe = "" if finding.fix.safe else " (unsafe fix)"
        out.append(f"  = help: {visible_keeping_newlines(finding.fix.title)}{unsafe}")
    if finding.url:
        out.append(f"  = docs: {visible(finding.url)}")
    return out


def _excerpt(finding: Finding, lines: list[str], paint: _Painter) -> list[str]:
    first = finding.line
    last = max(finding.end_line, first)
    if last > first and finding.end_column <= 1:
        last -= 1  # the span ends before the first character of its last line
    last = min(last, len(lines))
    if first < 1 or first > last:
        return []
    numbers = list(range(first, last + 1))
    if len(numbers) > MAX_EXCERPT_LINES:
        numbers = [*numbers[: MAX_EXCERPT_LINES - 2], 0, numbers[-1]]  # 0: the elision
    width = len(str(numbers[-1]))
    blank = paint(" " * width + " |", _GUTTER_COLOR)
    out = []
    for number in numbers:
        if number == 0:
            out.append(paint("." * width + " |", _GUTTER_COLOR) + " ...")
            continue
        text = visible_source_line(lines[number - 1])
        gutter = paint(f"{number:>{width}} |", _GUTTER_COLOR)
        out.append(f"{gutter} {text}".rstrip())
    single = finding.end_line == first and finding.end_column > finding.column
    if single:
        line = lines[first - 1]
        start = _width(line[: finding.column - 1])
        length = max(1, _width(line[finding.column - 1 : finding.end_column - 1]))
        marker = paint("^" * length, _SEVERITY_COLORS[finding.severity])
        out.append(f"{blank} {' ' * start}{marker}")
    return out


def _statistics(findings: list[Finding], paint: _Painter) -> list[str]:
    counts = Counter(f.code for f in findings)
    names = {f.code: f.name for f in findings}
    if not counts:
        return []
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    count_width = len(str(rows[0][1]))
    code_width = max(len(code) for code in counts)
    return [
        f"{count:>{count_width}}  {paint(code, _BOLD)}{' ' * (code_width - len(code))}  "
        f"{names[code]}"
        for code, count in rows
    ]


def _summary(run: LintRun, paint: _Painter) -> str:
    files = len(run.files)
    if not run.findings:
        return paint("All checks passed", _PASS_COLOR) + f": {_plural(files, 'file')}."
    by_severity = Counter(f.severity for f in run.findings)
    parts = []
    for severity in _SEVERITY_ORDER:
        count = by_severity.get(severity, 0)
        if not count:
            continue
        # "info" and "style" are uncountable: 2 errors, 2 warnings, 2 info, 2 style.
        text = _plural(count, severity.value) if severity.rank >= 2 else f"{count} {severity.value}"
        parts.append(paint(text, _SEVERITY_COLORS[severity]))
    with_findings = len({f.path for f in run.findings})
    total = max(files, with_findings)
    where = _plural(total, "file")
    if with_findings < total:
        where = f"{with_findings} of {where}"
    return f"Found {_plural(len(run.findings), 'problem')} ({', '.join(parts)}) in {where}."


def _fixable(findings: list[Finding]) -> str:
    """How many findings ``--fix`` (and ``--unsafe-fixes``) would fix."""
    safe = sum(1 for f in findings if f.fix is not None and f.fix.safe)
    unsafe = sum(1 for f in findings if f.fix is not None and not f.fix.safe)
    if not safe and not unsafe:
        return ""
    if not safe:
        return f"{unsafe} fixable with --fix --unsafe-fixes."
    more = f" ({unsafe} more with --unsafe-fixes)" if unsafe else ""
    return f"{safe} fixable with --fix{more}."


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _width(text: str) -> int:
    """Terminal cells ``text`` takes once displayed (tabs expanded, wide characters count 2)."""
    if text.isascii():
        return len(text) + text.count("\t") * (TAB_WIDTH - 1)
    total = 0
    for char in text:
        if char == "\t":
            total += TAB_WIDTH
        elif unicodedata.combining(char) or unicodedata.category(char) == "Cf":
            continue  # combining marks and invisible format characters (a BOM, U+200B...)
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            total += 2
        else:
            total += 1
    return total
