"""Reporters: each turns the run's findings into one output format.

A reporter is ``render(run: LintRun, stream: TextIO, options: ReportOptions) -> None`` in
``dockerlens.lint.report.<format>``; :data:`FORMATS` maps format names to modules, imported only
when used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from dockerlens.lint.findings import Finding, docs_url
from dockerlens.lint.rule import Rule, Severity

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


@dataclass
class LintRun:
    """Everything a report may show."""

    findings: list[Finding]
    #: Every file linted, in order (files without findings included).
    files: list[str]
    #: Source lines per file, for excerpts.
    sources: dict[str, list[str]] = field(default_factory=dict)
    #: Notes for the reader (e.g. "ShellCheck not found: SC checks skipped").
    notes: list[str] = field(default_factory=list)
    #: Every rule that was enabled, with its (possibly configured) severity.
    enabled: dict[str, tuple[type[Rule], Severity]] = field(default_factory=dict)

    @property
    def rules(self) -> dict[str, tuple[str, str, str, str]]:
        """code -> (name, severity, summary, url), for formats that describe rules (SARIF).

        Computed on demand: reading every docstring is not worth it for the other formats.
        """
        from dockerlens.lint.docs import DocError, read_doc

        out = {}
        for code, (rule, severity) in self.enabled.items():
            try:
                summary = read_doc(rule).summary
            except DocError:
                summary = ""
            out[code] = (rule.name, severity.value, summary, rule.url or docs_url(code))
        return out


@dataclass(frozen=True)
class ReportOptions:
    color: bool = False
    statistics: bool = False
    tool_version: str = ""


Reporter = Callable[[LintRun, TextIO, ReportOptions], None]


def reporter(name: str) -> Reporter:
    module = importlib.import_module(f"dockerlens.lint.report.{FORMATS[name]}")
    render: Reporter = module.render
    return render
