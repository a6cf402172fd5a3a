"""A lint run: find the files, read them, lint each with its own settings, then the passes that
work across files (ShellCheck). Returns what the reporters show and the exit code.

Many files are split between worker processes, one per core: each lints (and fixes) its share
and runs ShellCheck on it, so both the Python rule pass and ShellCheck use every core. The
files' order and the findings are the same as in one process.

Workers are forked on Linux when the process runs no other thread: they start with the rules
already loaded. Elsewhere (macOS, Windows), or with threads running, they are spawned: each
imports dockerlens, loads the parent's local plugin folders (``plugin-paths``), then reads its
share, rule classes included (``DOCKERLENS_START_METHOD`` forces one method).
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from dockerlens.errors import UserError
from dockerlens.lint.cache import ResultCache
from dockerlens.lint.config import CommandLine, ConfigResolver, FileSettings
from dockerlens.lint.discover import discover
from dockerlens.lint.engine import FileResult, LintSettings, lint_file, unreadable_file
from dockerlens.lint.findings import UNHIDEABLE_CODES, UNREADABLE_FILE, Finding
from dockerlens.lint.fix import MAX_PASSES, FixResult, fix_text
from dockerlens.lint.registry import load_plugin_folders, plugin_folders_of
from dockerlens.lint.report import LintRun
from dockerlens.sources import ReadError, read_source
from dockerlens.syntax.parser import source_lines
from dockerlens.termination import exit_on

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from dockerlens.lint.shellcheck import ScriptMemo

#: Below this many files a second process costs more than it saves.
PARALLEL_MIN_FILES = 16
#: Environment variable naming the workers' start method (fork, spawn, forkserver).
START_METHOD_VARIABLE = "DOCKERLENS_START_METHOD"


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
        #: The other files the run read: configuration files, and the file standard input
        #: stands for (--stdin-filename). Neither may -o replace.
        self.also_read: list[str] = []
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
        #: The file's text once read (for the result cache's lookup): not read again.
        self.text: str | None = None

    def read(self) -> str:
        """The file's text (:func:`read_source`'s checks: a pipe is never opened)."""
        if self.text is None:
            self.text = read_source(self.path, display_name=self.shown).text
        return self.text


class _Done:
    def __init__(
        self,
        findings: list[Finding],
        lines: list[str],
        fix: FixResult | None = None,
        context: Path | None = None,
    ) -> None:
        self.findings = findings
        self.lines = lines
        self.fix = fix
        #: The folder above the Dockerfile's its rules took for the build context, if any.
        self.context = context


def run_lint(
    targets: list[str],
    command_line: CommandLine,
    stdin_filename: str | None = None,
    jobs: int | None = None,
    fixing: Fixing | None = None,
    start_method: str | None = None,
) -> Outcome:
    """Lint ``targets``; with ``fixing``, apply the fixes and report what is left (the fixed
    texts come back in :attr:`Outcome.fixes`, nothing is written). ``start_method``: how
    worker processes start (default: :func:`start_method`)."""
    resolver = ConfigResolver(command_line)

    def excluded(path: Path, is_dir: bool) -> bool:
        return resolver.exclusion_for(path.parent.absolute()).excludes(path, is_dir)

    paths = discover(targets or ["."], excluded, resolver.force_excluded, stdin_filename)
    work = []
    for path in paths:
        shown = _display(stdin_filename if path == "-" and stdin_filename else path)
        config_path = Path(stdin_filename or "Dockerfile") if path == "-" else Path(path)
        work.append(_Job(path, shown, resolver.for_file(config_path.absolute())))
    done, notes = _lint_cached(work, jobs, command_line, fixing, start_method)
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
    outcome = Outcome(run, bool(failing), paths, unreadable, fixes)
    outcome.also_read = resolver.files_read()
    if stdin_filename and "-" in paths:
        outcome.also_read.append(stdin_filename)
    return outcome


def _lint_cached(
    work: list[_Job],
    jobs: int | None,
    command_line: CommandLine,
    fixing: Fixing | None,
    method: str | None,
) -> tuple[list[_Done], list[str]]:
    """The files' results from the result cache, linting those it does not have (and
    storing what they gave). ``--fix`` and ``--diff`` lint every file afresh: their passes
    need each text's findings as this run computes them, and what they leave is not what the
    file on disk holds."""
    if command_line.no_cache or fixing is not None:
        return _lint_all(work, jobs, method, fixing=fixing)
    cache = ResultCache(command_line.cache_dir)
    lookups = []
    for job in work:
        if job.path != "-":  # standard input is read once, when it is linted
            with contextlib.suppress(ReadError):  # linting it says what is wrong
                job.read()
        settings = job.settings
        lookups.append(
            cache.lookup(job.path, job.text, job.shown, settings.settings, settings.cache_dir)
        )
    missed = [job for job, found in zip(work, lookups, strict=True) if found.findings is None]
    linted, notes = _lint_all(missed, jobs, method, memo=_script_memo(cache, missed))
    fresh = iter(linted)
    done = []
    for job, found in zip(work, lookups, strict=True):
        if found.findings is not None:
            done.append(_Done(found.findings, source_lines(job.read())))
            continue
        result = next(fresh)
        if not notes or not job.settings.settings.shellcheck:
            # A note says ShellCheck could not check everything: those results are not kept.
            cache.remember(found, result.findings, result.context)
        done.append(result)
    cache.finish()
    return done, notes


def _script_memo(cache: ResultCache, work: list[_Job]) -> ScriptMemo | None:
    """ShellCheck's per-script entries, in the cache folder of the run's first such file."""
    wanting = [job for job in work if job.settings.settings.shellcheck]
    if not wanting:
        return None
    from dockerlens.lint.shellcheck_program import find_shellcheck

    return cache.scripts(wanting[0].settings.cache_dir, find_shellcheck())


def _lint_all(
    work: list[_Job],
    jobs: int | None,
    method: str | None,
    fixing: Fixing | None = None,
    memo: ScriptMemo | None = None,
) -> tuple[list[_Done], list[str]]:
    if not work:
        return [], []
    workers = min(jobs or _cores(), len(work) // (PARALLEL_MIN_FILES // 2) or 1)
    stdin_used = any(job.path == "-" for job in work)
    if workers < 2 or stdin_used or len(work) < PARALLEL_MIN_FILES:
        return _lint_share(work, shellcheck_jobs=None, fixing=fixing, memo=memo)
    import pickle  # only for worker processes: one file's start-up does without it

    # Pickled here and unpickled by the worker itself: a share a spawned worker cannot read (a
    # rule class it cannot import) comes back as its error; one no process can read, stays.
    try:
        shares = [pickle.dumps((share, fixing, memo)) for share in _shares(work, workers)]
    except (pickle.PicklingError, AttributeError, TypeError):  # a rule no other process can name
        return _lint_share(work, shellcheck_jobs=None, fixing=fixing, memo=memo)
    parts = _in_workers(shares, _plugin_folders(work), method or start_method())
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


def start_method() -> str:
    """How worker processes start: ``DOCKERLENS_START_METHOD`` if set; else fork on Linux
    while no other thread runs (a fork copies one thread of a threaded process, with whatever
    locks the others held); else spawn, as on macOS and Windows."""
    import multiprocessing
    import threading  # here, not at start-up: one file is linted without either

    available = multiprocessing.get_all_start_methods()
    chosen = os.environ.get(START_METHOD_VARIABLE, "").strip().lower()
    if chosen:
        if chosen not in available:
            raise UserError(
                f"{START_METHOD_VARIABLE}={chosen}: not a start method here "
                f"(choose from {', '.join(available)})"
            )
        return chosen
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return "fork"
    return "spawn"


#: Seconds a worker asked to stop (SIGTERM) has to clean up before it is killed.
STOP_GRACE = 10.0

_Part = tuple[list[_Done], list[str]] | str


def _plugin_folders(work: list[_Job]) -> tuple[Path, ...]:
    """The ``plugin-paths`` folders whose rules the files are linted with."""
    settings = {id(job.settings.settings): job.settings.settings for job in work}.values()
    return plugin_folders_of(
        enabled.rule for each in settings for enabled in (*each.rules, *each.experimental)
    )


def _in_workers(shares: list[bytes], plugins: tuple[Path, ...], method: str) -> list[_Part]:
    """One worker process per share, and what each returns. A run cut short (Ctrl-C, SIGTERM,
    an error here) stops every worker: SIGTERM, then after STOP_GRACE seconds SIGKILL to its
    process group, which takes its ShellCheck processes too (a worker can miss a SIGTERM
    that comes just before it blocks)."""
    import multiprocessing  # only for many files

    context = multiprocessing.get_context(method)
    workers = []
    try:
        for share in shares:
            receiver, sender = context.Pipe(duplex=False)
            worker = context.Process(  # type: ignore[attr-defined]  # every context has it
                target=_worker, args=(share, plugins, sender), daemon=True
            )
            worker.start()
            sender.close()
            workers.append((worker, receiver))
        parts: list[_Part] = []
        for worker, receiver in workers:
            try:
                parts.append(receiver.recv())
            except EOFError:
                worker.join()
                parts.append(f"a worker process ended unexpectedly (exit code {worker.exitcode})")
        return parts
    finally:
        for worker, _ in workers:
            if worker.exitcode is None:
                worker.terminate()
        for worker, _ in workers:
            worker.join(STOP_GRACE)
            if worker.exitcode is None and worker.pid is not None:
                _kill_group(worker.pid)
                worker.join()


def _kill_group(pid: int) -> None:
    killpg = getattr(os, "killpg", None)
    if killpg is None:  # Windows: terminate() was TerminateProcess already
        return
    with contextlib.suppress(OSError):
        killpg(pid, signal.SIGKILL)


def _worker(share: bytes, plugin_folders: tuple[Path, ...], results: Connection) -> None:
    """A worker process: its own process group (the parent stops it and what it started),
    SIGTERM and SIGINT unwind it (ShellCheck's processes killed, folders removed), and a
    spawned worker loads the local plugins its share's rule classes come from."""
    import pickle

    if hasattr(os, "setpgrp"):
        os.setpgrp()
    exit_on(signal.SIGINT, signal.SIGTERM)
    try:
        load_plugin_folders(plugin_folders)
        work: list[_Job]
        fixing: Fixing | None
        memo: ScriptMemo | None
        work, fixing, memo = pickle.loads(share)
    except UserError as err:
        results.send(err.format_message())
        return
    except Exception as err:  # a rule class this process cannot import
        results.send(f"a worker process could not load the rules: {type(err).__name__}: {err}")
        return
    results.send(_lint_share_safely(work, fixing, memo))


def _inferred_context(result: FileResult) -> Path | None:
    return result.context.facts.inferred_context if result.context is not None else None


def _lint_share_safely(
    work: list[_Job], fixing: Fixing | None = None, memo: ScriptMemo | None = None
) -> tuple[list[_Done], list[str]] | str:
    """A worker's share; a bad file comes back as its message (raised in the parent)."""
    try:
        return _lint_share(work, shellcheck_jobs=1, fixing=fixing, memo=memo)
    except UserError as err:
        return err.format_message()


def _lint_share(
    work: list[_Job],
    shellcheck_jobs: int | None,
    fixing: Fixing | None = None,
    memo: ScriptMemo | None = None,
) -> tuple[list[_Done], list[str]]:
    wanted = [job.settings.settings for job in work if job.settings.settings.shellcheck]
    results: list[FileResult] = []
    texts: list[str | None] = []  # None: the file could not be read
    with contextlib.ExitStack() as cleanup:
        pipeline = None
        if wanted:
            from dockerlens.lint.shellcheck import Pipeline, timeout_for  # only when wanted

            pipeline = Pipeline(jobs=shellcheck_jobs, timeout=timeout_for(wanted), memo=memo)
            # Its processes killed and its folder removed on every way out of the share.
            cleanup.enter_context(pipeline)
        for job in work:
            settings = job.settings.settings
            try:
                text = job.read()
            except ReadError as err:  # that file's result: the others are still linted
                results.append(unreadable_file(job.shown, err.reason, err.line, settings))
                texts.append(None)
                continue
            hand_over = None
            if pipeline is not None:
                hand_over = functools.partial(pipeline.add, wanted=settings.shellcheck)
            results.append(lint_file(text, job.shown, settings, hand_over))
            texts.append(text)
        notes = pipeline.finish(results) if pipeline is not None else []
    if fixing is None:
        return [_Done(r.findings, r.lines, context=_inferred_context(r)) for r in results], notes
    done = []
    for job, read, result in zip(work, texts, results, strict=True):
        if read is None:
            done.append(_Done(result.findings, result.lines))
            continue
        fix = _fix(job, read, result, fixing, shellcheck_jobs)
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

    with Pipeline(
        jobs=shellcheck_jobs, timeout=settings.shellcheck_timeout, memo=shellcheck_memo
    ) as pipeline:
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
