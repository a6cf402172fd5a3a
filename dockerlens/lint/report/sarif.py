"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning (``github/codeql-action/upload-sarif``).

One run. ``tool.driver.rules`` describes every enabled rule (from ``LintRun.rules``) and every
other code a finding carries (engine codes, ShellCheck); each result points at its rule by
``ruleId`` and ``ruleIndex``. Levels: error -> ``error``, warning -> ``warning``, info and
style -> ``note``. Locations are relative URIs against ``%SRCROOT%`` (the directory the
linter ran in); columns count Unicode code points (``columnKind``), end columns are exclusive
as SARIF's are. A finding's fix becomes a SARIF ``fix`` (deleted regions and inserted text).
The run's notes become tool notifications of its invocation.
"""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any, TextIO
from urllib.parse import quote

from dockerlens.lint.findings import Finding, docs_url
from dockerlens.lint.report import LintRun, ReportOptions
from dockerlens.lint.report.gitlab import fingerprints
from dockerlens.lint.rule import Edit, Severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/dockerlens/dockerlens"
SRCROOT = "%SRCROOT%"
#: The key of the fingerprint in ``partialFingerprints`` (versioned, as SARIF recommends).
FINGERPRINT_KEY = "dockerlens/v1"

LEVELS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.STYLE: "note",
}

Json = dict[str, Any]


def render(run: LintRun, stream: TextIO, options: ReportOptions) -> None:
    stream.write(json.dumps(build(run, options), indent=2, ensure_ascii=False))
    stream.write("\n")


def build(run: LintRun, options: ReportOptions) -> Json:
    """The SARIF log as a JSON-ready dict."""
    rules, index = _rules(run)
    results = [
        _result(finding, index[finding.code], fingerprint)
        for finding, fingerprint in zip(run.findings, fingerprints(run), strict=True)
    ]
    driver: Json = {
        "name": "dockerlens",
        "version": options.tool_version or _version(),
        "informationUri": INFORMATION_URI,
        "rules": rules,
    }
    invocation: Json = {"executionSuccessful": True}
    if run.notes:
        invocation["toolExecutionNotifications"] = [
            {"level": "warning", "message": {"text": note}} for note in run.notes
        ]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "invocations": [invocation],
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def _version() -> str:
    from dockerlens import __version__

    return __version__


def _rules(run: LintRun) -> tuple[list[Json], dict[str, int]]:
    described: dict[str, tuple[str, str, str, str]] = dict(run.rules)
    for finding in run.findings:  # codes reported without an enabled rule behind them
        if finding.code not in described:
            described[finding.code] = (finding.name, finding.severity.value, "", finding.url)
    rules: list[Json] = []
    index = {}
    for code, (name, severity, summary, url) in described.items():
        index[code] = len(rules)
        url = url or docs_url(code)
        text = summary or name
        rules.append(
            {
                "id": code,
                "name": name,
                "shortDescription": {"text": text},
                "helpUri": url,
                "help": {
                    "text": f"{text}\n\nSee {url}",
                    "markdown": f"{text}\n\n[{code} {name}]({url})",
                },
                "defaultConfiguration": {"level": LEVELS[Severity.parse(severity)]},
            }
        )
    return rules, index


def _result(finding: Finding, rule_index: int, fingerprint: str) -> Json:
    result: Json = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message or finding.name},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact_location(finding.path),
                    "region": _finding_region(finding),
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if finding.measured_bytes is not None:
        result["properties"] = {"measured_bytes": finding.measured_bytes}
    if finding.fix is not None:
        fix: Json = {
            "description": {"text": finding.fix.title},
            "artifactChanges": [
                {
                    "artifactLocation": artifact_location(finding.path),
                    "replacements": [_replacement(edit) for edit in finding.fix.edits],
                }
            ],
        }
        if not finding.fix.safe:
            fix["properties"] = {"safe": False}
        result["fixes"] = [fix]
    return result


def artifact_location(path: str) -> Json:
    """A relative path as a URI reference against ``%SRCROOT%``; an absolute one as a file URI."""
    pure = PurePath(path)
    if pure.is_absolute():
        return {"uri": pure.as_uri()}
    # quote() leaves only unreserved characters and "/" bare: a colon in the first segment
    # would otherwise read as a URI scheme.
    # A file name that is not UTF-8 (surrogate-escaped bytes) is quoted byte for byte.
    raw = pure.as_posix().encode("utf-8", "surrogateescape")
    return {"uri": quote(raw, safe="/"), "uriBaseId": SRCROOT}


def _finding_region(finding: Finding) -> Json:
    line, column = max(1, finding.line), max(1, finding.column)
    region: Json = {"startLine": line, "startColumn": column}
    if (finding.end_line, finding.end_column) > (line, column):
        region["endLine"] = finding.end_line
        region["endColumn"] = max(1, finding.end_column)
    else:
        # No extent (an engine finding about a line or a file): SARIF then takes the region
        # to the end of the line.
        region["endLine"] = max(line, finding.end_line)
    return region


def _replacement(edit: Edit) -> Json:
    return {
        # Exact, even when empty (an insertion point): endColumn is never left out here.
        "deletedRegion": {
            "startLine": edit.line,
            "startColumn": edit.column,
            "endLine": edit.end_line,
            "endColumn": edit.end_column,
        },
        "insertedContent": {"text": edit.text},
    }
