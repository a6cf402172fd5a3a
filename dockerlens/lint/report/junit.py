"""``--format junit``: JUnit XML, for CI test-report views (GitLab ``reports:junit``, Jenkins,
Azure DevOps...).

One ``<testsuite name="dockerlens">``. A linted file without findings is one passing
``<testcase>``; a file with findings has one failing ``<testcase>`` per finding (classname: the
path, name: code, rule name and position), with ``<failure type=SEVERITY message=MESSAGE>``
and the full finding as text. One failure per test case rather than several under one file's
case, because Jenkins and GitLab read only one failure per test case and would hide the rest.
``tests`` counts the test cases, ``failures`` the findings.
"""

from __future__ import annotations

from typing import TextIO

from dockerlens.lint.findings import Finding
from dockerlens.lint.report import LintRun, ReportOptions
from dockerlens.lint.report.checkstyle import attributes, by_file, escape_text


def render(run: LintRun, stream: TextIO, options: ReportOptions) -> None:
    cases: list[str] = []
    for path, findings in by_file(run):
        if not findings:
            cases.append(f"    <testcase {attributes(name=path, classname=path)}/>")
        cases += [_failing_case(finding) for finding in findings]
    counts = attributes(
        tests=str(len(cases)), failures=str(len(run.findings)), errors="0", skipped="0"
    )
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name="dockerlens" {counts}>',
        f'  <testsuite name="dockerlens" {counts}>',
        *cases,
        "  </testsuite>",
        "</testsuites>",
    ]
    stream.write("\n".join(out) + "\n")


def _failing_case(finding: Finding) -> str:
    name = f"{finding.code} {finding.name} ({finding.line}:{finding.column})"
    failure = attributes(type=finding.severity.value, message=finding.message)
    text = (
        f"{finding.path}:{finding.line}:{finding.column}: {finding.code} "
        f"{finding.severity.value} {finding.message}\n{finding.url}"
    )
    return (
        f"    <testcase {attributes(name=name, classname=finding.path)}>"
        f"<failure {failure}>{escape_text(text)}</failure></testcase>"
    )
