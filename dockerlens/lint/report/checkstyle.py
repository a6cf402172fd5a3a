"""``--format checkstyle``: Checkstyle XML, read by Jenkins (warnings-ng), reviewdog, Sonar...

``<checkstyle version="4.3"><file name=PATH><error line column severity message
source="dockerlens.CODE"/></file></checkstyle>``, every linted file listed (files without
findings have an empty ``<file>``). Checkstyle has no ``style`` severity: style -> ``info``.
"""

from __future__ import annotations

from typing import TextIO

from dockerlens.lint.findings import Finding
from dockerlens.lint.report import LintRun, ReportOptions
from dockerlens.lint.rule import Severity

SEVERITIES = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "info",
    Severity.STYLE: "info",
}

_ATTRIBUTE_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&apos;",
    # Kept as characters references: a parser normalises literal ones in attributes to spaces.
    "\n": "&#10;",
    "\r": "&#13;",
    "\t": "&#9;",
}


def render(run: LintRun, stream: TextIO, options: ReportOptions) -> None:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<checkstyle version="4.3">']
    for path, findings in by_file(run):
        if not findings:
            out.append(f"  <file {attributes(name=path)}/>")
            continue
        out.append(f"  <file {attributes(name=path)}>")
        out += [f"    <error {_error(finding)}/>" for finding in findings]
        out.append("  </file>")
    out.append("</checkstyle>")
    stream.write("\n".join(out) + "\n")


def _error(finding: Finding) -> str:
    return attributes(
        line=str(finding.line),
        column=str(finding.column),
        severity=SEVERITIES[finding.severity],
        message=finding.message,
        source=f"dockerlens.{finding.code}",
    )


def by_file(run: LintRun) -> list[tuple[str, list[Finding]]]:
    """Every linted file with its findings, in the run's order (then any other path found)."""
    grouped: dict[str, list[Finding]] = {path: [] for path in run.files}
    for finding in run.findings:
        grouped.setdefault(finding.path, []).append(finding)
    return list(grouped.items())


def attributes(**values: str) -> str:
    return " ".join(f'{key}="{escape_attribute(value)}"' for key, value in values.items())


def escape_attribute(text: str) -> str:
    return "".join(_ATTRIBUTE_ESCAPES.get(char) or _xml_char(char) for char in text)


def escape_text(text: str) -> str:
    """Character data: markup escaped, characters XML 1.0 cannot carry replaced."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A literal CR would be read back as a line feed.
    return "".join(_xml_char(char) for char in escaped).replace("\r", "&#13;")


def _xml_char(char: str) -> str:
    """``char``, or U+FFFD for what XML 1.0 forbids even as a reference (most control
    characters, lone surrogates, U+FFFE and U+FFFF)."""
    code = ord(char)
    if code >= 0x20 and not 0xD800 <= code <= 0xDFFF and code not in (0xFFFE, 0xFFFF):
        return char
    return char if char in "\t\n\r" else "\ufffd"
