"""``--format json``: a list of findings (a contract: keys are added, never renamed)."""

from __future__ import annotations

import json
from typing import TextIO

from dockerlens.lint.report import LintRun, ReportOptions


def render(run: LintRun, stream: TextIO, options: ReportOptions) -> None:
    # One write: json.dump writes each token on its own, 7x slower to a real stdout.
    stream.write(json.dumps([f.to_dict() for f in run.findings], indent=2))
    stream.write("\n")
