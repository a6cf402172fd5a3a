"""Reporters: each turns the run's findings into one output format.

A reporter is ``render(run: LintRun, stream: TextIO, options: ReportOptions) -> None`` in
``dockerlens.lint.report.<format>``; :data:`FORMATS` maps format names to modules, imported only
when used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import NamedTuple, TextIO

from dockerlens.lint.findings import Finding, docs_url
from dockerlens.lint.rule import RuleSpec, Severity

#: format name -> module in this package.
FORMATS: dict[str, str] = {
    "text": "text",
    "json": "json_format",
    "sarif": "sarif",
    "github": "github",
    "gitlab": "gitlab",
    "checkstyle": "checkstyle",
    "junit": "junit",
}


class LintRun:
    """Everything a report may show."""

    # A plain class (and a named tuple below): a dataclass costs about a millisecond to make,
    # at every start.
    def __init__(
        self,
        findings: list[Finding],
        files: list[str],
        sources: dict[str, list[str]] | None = None,
        notes: list[str] | None = None,
        enabled: dict[str, tuple[RuleSpec, Severity]] | None = None,
        fixed: dict[str, int] | None = None,
    ) -> None:
        self.findings = findings
        #: Every file linted, in order (files without findings included).
        self.files = files
        #: Source lines per file, for excerpts.
        self.sources: dict[str, list[str]] = sources if sources is not None else {}
        #: Notes for the reader (e.g. "ShellCheck not found: SC checks skipped").
        self.notes: list[str] = notes if notes is not None else []
        #: Every rule that was enabled, with its (possibly configured) severity.
        self.enabled: dict[str, tuple[RuleSpec, Severity]] = enabled if enabled is not None else {}
        #: With ``--fix``: findings fixed per file (every file linted); None without.
        self.fixed = fixed

    def fixed_summary(self) -> str | None:
        """ "Fixed 3 problems in 2 files." after ``--fix``; None without it."""
        if self.fixed is None:
            return None
        total = sum(self.fixed.values())
        files = sum(1 for count in self.fixed.values() if count)
        problems = "problem" if total == 1 else "problems"
        return f"Fixed {total} {problems} in {files} file{'' if files == 1 else 's'}."

    @property
    def rules(self) -> dict[str, tuple[str, str, str, str]]:
        """code -> (name, severity, summary, url), for formats that describe rules (SARIF).

        Computed on demand: reading every docstring is not worth it for the other formats.
        """
        from dockerlens.lint.docs import DocError, read_doc

        out = {}
        for code, (rule, severity) in self.enabled.items():
            try:
                summary = read_doc(rule.load()).summary
            except DocError:
                summary = ""
            out[code] = (rule.name, severity.value, summary, rule.url or docs_url(code))
        return out


class ReportOptions(NamedTuple):
    color: bool = False
    statistics: bool = False
    tool_version: str = ""


Reporter = Callable[[LintRun, TextIO, ReportOptions], None]


def reporter(name: str) -> Reporter:
    module = importlib.import_module(f"dockerlens.lint.report.{FORMATS[name]}")
    render: Reporter = module.render
    return render
