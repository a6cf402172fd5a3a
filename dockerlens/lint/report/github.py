"""``--format github``: GitHub Actions workflow commands, which become annotations on the diff.

``::error file=PATH,line=L,col=C,endLine=L2,endColumn=C2,title=CODE name::message``, one line
per finding: ``error`` for errors, ``warning`` for warnings, ``notice`` for info and style.
Columns are given only for a span on one line (GitHub ignores them otherwise); ``endColumn``
is exclusive. Escaping follows the Actions toolkit: ``%``, CR and LF in the message; those and
``:`` and ``,`` in properties. The run's notes become ``::notice`` lines.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import TextIO

from dockerlens.lint.findings import Finding
from dockerlens.lint.report import LintRun, ReportOptions
from dockerlens.lint.rule import Severity

COMMANDS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
    Severity.STYLE: "notice",
}


def render(run: LintRun, stream: TextIO, options: ReportOptions) -> None:
    for finding in run.findings:
        stream.write(command(finding) + "\n")
    for note in run.notes:
        stream.write(f"::notice title=dockerlens::{escape_data(note)}\n")


def command(finding: Finding) -> str:
    properties = [("file", PurePath(finding.path).as_posix()), ("line", str(max(1, finding.line)))]
    one_line = finding.end_line <= finding.line
    if one_line:
        properties.append(("col", str(max(1, finding.column))))
    if finding.end_line > finding.line:
        properties.append(("endLine", str(finding.end_line)))
    elif finding.end_column > finding.column:
        properties += [("endLine", str(finding.line)), ("endColumn", str(finding.end_column))]
    properties.append(("title", f"{finding.code} {finding.name}"))
    listed = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{COMMANDS[finding.severity]} {listed}::{escape_data(finding.message)}"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
