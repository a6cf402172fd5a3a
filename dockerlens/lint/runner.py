"""A lint run: find the files, read them, lint each with its own settings, then the passes that
work across files (ShellCheck). Returns what the reporters show and the exit code."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dockerlens.lint.config import CommandLine, ConfigResolver
from dockerlens.lint.discover import discover
from dockerlens.lint.engine import FileResult, lint_file
from dockerlens.lint.findings import Finding
from dockerlens.lint.report import LintRun
from dockerlens.sources import read_source


@dataclass
class Outcome:
    run: LintRun
    failed: bool


def run_lint(
    targets: list[str], command_line: CommandLine, stdin_filename: str | None = None
) -> Outcome:
    paths = discover(targets or ["."])
    resolver = ConfigResolver(command_line)
    results: list[FileResult] = []
    run = LintRun(findings=[], files=[])
    failing: list[Finding] = []
    thresholds = {}
    for path in paths:
        shown = _display(stdin_filename if path == "-" and stdin_filename else path)
        source = read_source(path, display_name=shown)
        config_path = Path(stdin_filename or "Dockerfile") if path == "-" else Path(path)
        file_settings = resolver.for_file(config_path.absolute())
        result = lint_file(source.text, shown, file_settings.settings)
        results.append(result)
        thresholds[shown] = file_settings
        run.files.append(shown)
        run.sources[shown] = source.text.splitlines()
        for enabled in file_settings.settings.rules:
            run.enabled.setdefault(enabled.rule.code, (enabled.rule, enabled.severity))
    run.notes += _external_passes(results)
    for result in results:
        run.findings += result.findings
        settings = thresholds[result.path]
        if settings.exit_zero:
            continue
        failing += [
            f for f in result.findings if f.severity.rank >= settings.failure_threshold.rank
        ]
    return Outcome(run, failed=bool(failing))


def _external_passes(results: list[FileResult]) -> list[str]:
    """Checks that run over every file at once (ShellCheck batches scripts across files)."""
    from dockerlens.lint import shellcheck  # only when a run gets this far

    return shellcheck.check_results(results)


def _display(path: str) -> str:
    if path == "-":
        return "-"
    if os.path.isabs(path):
        try:
            relative = os.path.relpath(path)
        except ValueError:
            return path
        return path if relative.startswith("..") else relative
    return os.path.normpath(path)
