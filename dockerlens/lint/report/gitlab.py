"""``--format gitlab``: a GitLab Code Quality report (``artifacts:reports:codequality``).

A JSON array of issues with the fields GitLab reads: ``description`` (the code, then the
message), ``check_name``, ``fingerprint``, ``severity``, ``location.path`` and
``location.lines.begin``; plus Code Climate's ``location.lines.end``, which GitLab ignores.

Severities keep dockerlens's order on GitLab's five-step scale, leaving ``blocker`` unused
(nothing a linter says makes a merge impossible by itself): error -> ``critical``,
warning -> ``major``, info -> ``minor``, style -> ``info``.

The fingerprint identifies an issue across commits so GitLab can tell new issues from fixed
ones: a hash of the path, the code, the text of the line at fault (stripped) and of the span
on it, and which occurrence of that combination it is. It does not use the line number, so
an issue keeps its fingerprint when lines are added above it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePath
from typing import TextIO

from dockerlens.lint.findings import Finding
from dockerlens.lint.report import LintRun, ReportOptions
from dockerlens.lint.rule import Severity

SEVERITIES = {
    Severity.ERROR: "critical",
    Severity.WARNING: "major",
    Severity.INFO: "minor",
    Severity.STYLE: "info",
}


def render(run: LintRun, stream: TextIO, options: ReportOptions) -> None:
    issues = [
        {
            "description": f"{finding.code} {finding.message}",
            "check_name": finding.code,
            "fingerprint": fingerprint,
            "severity": SEVERITIES[finding.severity],
            "location": {
                "path": posix_path(finding.path),
                "lines": {
                    "begin": max(1, finding.line),
                    "end": max(1, finding.line, finding.end_line),
                },
            },
        }
        for finding, fingerprint in zip(run.findings, fingerprints(run), strict=True)
    ]
    stream.write(json.dumps(issues, indent=2, ensure_ascii=False))
    stream.write("\n")


def posix_path(path: str) -> str:
    """The path with forward slashes (as a repository-relative path is written)."""
    return PurePath(path).as_posix()


def fingerprints(run: LintRun) -> list[str]:
    """A stable fingerprint for each of ``run.findings``, in order, distinct within the run."""
    seen: dict[tuple[str, ...], int] = {}
    out = []
    for finding in run.findings:
        key = (posix_path(finding.path), finding.code, *_anchor(finding, run.sources))
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        text = "\0".join((*key, str(occurrence)))
        out.append(hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())
    return out


def _anchor(finding: Finding, sources: dict[str, list[str]]) -> tuple[str, str]:
    """The line's text and the marked text on it; the line number only without the source."""
    lines = sources.get(finding.path)
    if not lines or not 1 <= finding.line <= len(lines):
        return (f"line {finding.line}", "")
    line = lines[finding.line - 1]
    span = ""
    if finding.end_line == finding.line and finding.end_column > finding.column:
        span = line[finding.column - 1 : finding.end_column - 1]
    return (line.strip(), span)
