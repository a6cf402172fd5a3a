"""A lint run: find the files, read them, lint each with its own settings, then the passes that
work across files (ShellCheck). Returns what the reporters show and the exit code.

Many files are split between worker processes, one per core: each lints its share and runs
ShellCheck on it, so both the Python rule pass and ShellCheck use every core. Workers are
forked after configuration and rules are loaded, so they start in no time and agree with the
parent on every rule class.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from dockerlens.errors import UserError
from dockerlens.lint.config import CommandLine, ConfigResolver, FileSettings
from dockerlens.lint.discover import discover
from dockerlens.lint.engine import FileResult, LintSettings, lint_file, unreadable_file
from dockerlens.lint.findings import UNHIDEABLE_CODES, UNREADABLE_FILE, Finding
from dockerlens.lint.fix import MAX_PASSES, FixResult, fix_text
from dockerlens.lint.report import LintRun
from dockerlens.sources import ReadError, read_source
from dockerlens.syntax.parser import source_lines

if TYPE_CHECKING:
    from dockerlens.lint.shellcheck import ScriptMemo

#: Below this many files a second process costs more than it saves.
PARALLEL_MIN_FILES = 16


# Plain classes, not dataclasses: a dataclass costs about a millisecond to make, at every start.
class Outcome:
    def __init__(
        self,
        run: LintRun,
        failed: bool,
        inputs: list[str] | None = None,
        unreadable: list[Finding] | None = None,
        fixes: list[FileFix] | None = None,
    ) -> None:
        self.run = run
        self.failed = failed
        #: The paths linted, as found ("-" for standard input).
        self.inputs: list[str] = inputs if inputs is not None else []
        #: The files that could not be read (DK900): the run exits 2.
        self.unreadable: list[Finding] = unreadable if unreadable is not None else []
        #: With ``fixing``: each file the fixes changed (and standard input), in order.
        self.fixes: list[FileFix] = fixes if fixes is not None else []

    @property
    def exit_code(self) -> int:
        return 2 if self.unreadable else 1 if self.failed else 0


class Fixing:
    """``--fix`` / ``--diff``: which fixes to apply (what to do with the text is the caller's)."""

    def __init__(self, unsafe: bool = False) -> None:
        self.unsafe = unsafe


class FileFix:
    """A file the fixes changed: where it was read, its text before and after."""

    def __init__(self, path: str, shown: str, original: str, text: str, fixed: int) -> None:
        self.path = path
        self.shown = shown
        self.original = original
        self.text = text
        #: Findings whose fix was applied.
        self.fixed = fixed


class _Job:
    def __init__(self, path: str, shown: str, settings: FileSettings) -> None:
        self.path = path
        self.shown = shown
        self.settings = settings


class _Done:
    def __init__(
        self, findings: list[Finding], lines: list[str], fix: FixResult | None = None
    ) -> None:
        self.findings = findings
        self.lines = lines
        self.fix = fix


def run_lint(
    targets: list[str],
    command_line: CommandLine,
    stdin_filename: str | None = None,
    jobs: int | None = None,
    fixing: Fixing | None = None,
) -> Outcome:
    """Lint ``targets``; with ``fixing``, apply the fixes and report what is left (the fixed
    texts come back in :attr:`Outcome.fixes`, nothing is written)."""
    resolver = ConfigResolver(command_line)

    def excluded(path: Path, is_dir: bool) -> bool:
        return resolver.exclusion_for(path.parent.absolute()).excludes(path, is_dir)

    paths = discover(targets or ["."], excluded, resolver.force_excluded, stdin_filename)
    work = []
    for path in paths:
        shown = _display(stdin_filename if path == "-" and stdin_filename else path)
        config_path = Path(stdin_filename or "Dockerfile") if path == "-" else Path(path)
        work.append(_Job(path, shown, resolver.for_file(config_path.absolute())))
    done, notes = _lint_all(work, jobs, fixing)
    run = LintRun(findings=[], files=[], notes=notes)
    failing: list[Finding] = []
    fixes: list[FileFix] = []
    if fixing is not None:
        run.fixed = {}
    for job, result in zip(work, done, strict=True):
        if result.fix is not None and run.fixed is not None:
            fix = result.fix
            run.fixed[job.shown] = len(fix.fixed)
            if fix.changed or job.path == "-":  # standard input is printed, changed or not
                fixes.append(FileFix(job.path, job.shown, fix.original, fix.text, len(fix.fixed)))
        run.files.append(job.shown)
        run.sources[job.shown] = result.lines
        run.findings += result.findings
        for enabled in job.settings.settings.rules:
            run.enabled.setdefault(enabled.rule.code, (enabled.rule, enabled.severity))
        if not job.settings.exit_zero:
            threshold = job.settings.failure_threshold.rank
            failing += [
                f
                for f in result.findings
                if f.severity.rank >= threshold or f.code in UNHIDEABLE_CODES
            ]
    unreadable = [f for f in run.findings if f.code == UNREADABLE_FILE.code]
    return Outcome(run, bool(failing), paths, unreadable, fixes)


def _lint_all(
    work: list[_Job], jobs: int | None, fixing: Fixing | None = None
) -> tuple[list[_Done], list[str]]:
    workers = min(jobs or _cores(), len(work) // (PARALLEL_MIN_FILES // 2) or 1)
    stdin_used = any(job.path == "-" for job in work)
    if workers < 2 or stdin_used or sys.platform == "win32" or len(work) < PARALLEL_MIN_FILES:
        return _lint_share(work, shellcheck_jobs=None, fixing=fixing)
    shares = _shares(work, workers)
    import multiprocessing  # only for many files

    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        task = functools.partial(_lint_share_safely, fixing=fixing)
        parts = pool.map(task, shares, chunksize=1)
    done: list[_Done] = []
    notes: list[str] = []
    for part in parts:
        if isinstance(part, str):
            raise UserError(part)
        results, share_notes = part
        done += results
        notes += [n for n in share_notes if n not in notes]
    return done, notes


def _shares(work: list[_Job], workers: int) -> list[list[_Job]]:
    """Runs of neighbouring files of about the same size in bytes. Neighbours (the variants
    of one image in sibling folders) share most of their RUN scripts, which each worker
    checks once: 400 corpus files make 704 distinct scripts in two runs of neighbours, 806 in
    two interleaved shares."""
    weights = []
    for job in work:
        try:
            size = os.stat(job.path).st_size
        except OSError:
            size = 0  # reading it will say what is wrong
        weights.append(size + 1)  # an empty file costs something too
    total = sum(weights)
    shares: list[list[_Job]] = [[] for _ in range(workers)]
    reached = 0
    for job, weight in zip(work, weights, strict=True):
        # By the file's middle: a big file after many small ones gets a share of its own.
        shares[min(workers - 1, (reached + weight // 2) * workers // total)].append(job)
        reached += weight
    return [share for share in shares if share]


def _lint_share_safely(
    work: list[_Job], fixing: Fixing | None = None
) -> tuple[list[_Done], list[str]] | str:
    """A worker's share; a bad file comes back as its message (raised in the parent)."""
    try:
        return _lint_share(work, shellcheck_jobs=1, fixing=fixing)
    except UserError as err:
        return err.format_message()


def _lint_share(
    work: list[_Job], shellcheck_jobs: int | None, fixing: Fixing | None = None
) -> tuple[list[_Done], list[str]]:
    pipeline = None
    if any(job.settings.settings.shellcheck for job in work):
        from dockerlens.lint.shellcheck import Pipeline  # only when a run wants it

        pipeline = Pipeline(jobs=shellcheck_jobs)
    results: list[FileResult] = []
    texts: list[str | None] = []  # None: the file could not be read
    for job in work:
        settings = job.settings.settings
        try:
            source = read_source(job.path, display_name=job.shown)
        except ReadError as err:  # that file's result: the others are still linted
            results.append(unreadable_file(job.shown, err.reason, err.line, settings))
            texts.append(None)
            continue
        hand_over = None
        if pipeline is not None:
            hand_over = functools.partial(pipeline.add, wanted=settings.shellcheck)
        results.append(lint_file(source.text, job.shown, settings, hand_over))
        texts.append(source.text)
    notes = pipeline.finish(results) if pipeline is not None else []
    if fixing is None:
        return [_Done(r.findings, r.lines) for r in results], notes
    done = []
    for job, text, result in zip(work, texts, results, strict=True):
        if text is None:
            done.append(_Done(result.findings, result.lines))
            continue
        fix = _fix(job, text, result, fixing, shellcheck_jobs)
        done.append(_Done(fix.remaining, source_lines(fix.text), fix))
        if not fix.settled:
            notes.append(
                f"{job.shown}: the fixes still changed the file after {MAX_PASSES} passes; "
                "the text after the last one is kept (a dockerlens bug: please report it)"
            )
    return done, notes


def _fix(
    job: _Job, text: str, result: FileResult, fixing: Fixing, shellcheck_jobs: int | None
) -> FixResult:
    """The file's fixes applied pass after pass, each pass linted again (ShellCheck too)."""

    def lint(current: str) -> list[Finding]:
        return lint_one(current, job.shown, job.settings.settings, shellcheck_jobs)

    return fix_text(text, lint, unsafe=fixing.unsafe, findings=result.findings)


def lint_one(
    text: str,
    path: str,
    settings: LintSettings,
    shellcheck_jobs: int | None = None,
    notes: list[str] | None = None,
    shellcheck_memo: ScriptMemo | None = None,
) -> list[Finding]:
    """The findings of one text as a run gives them, ShellCheck's included (what an editor
    server lints a document with). ``notes``: where to add the notes for the reader
    (ShellCheck missing or failing); ``shellcheck_memo``: see
    :class:`~dockerlens.lint.shellcheck.Pipeline`."""
    if not settings.shellcheck:
        return lint_file(text, path, settings).findings
    from dockerlens.lint.shellcheck import Pipeline

    pipeline = Pipeline(jobs=shellcheck_jobs, memo=shellcheck_memo)
    result = lint_file(text, path, settings, pipeline.add)
    said = pipeline.finish([result])
    if notes is not None:
        notes += said
    return result.findings


def _external_passes(results: list[FileResult], jobs: int | None = None) -> list[str]:
    """ShellCheck over already linted files, batched across them (what the run does while
    linting, done afterwards)."""
    if not any(r.settings.shellcheck and r.context is not None for r in results):
        return []
    from dockerlens.lint import shellcheck

    return shellcheck.check_results(results, jobs=jobs)


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


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
