"""ShellCheck over RUN scripts (SCxxxx findings), batched across every file of a run.

What is checked follows hadolint: every shell-form ``RUN`` (``ONBUILD RUN`` and heredoc bodies
included; exec form never), as a script made of a shebang for the shell the RUN runs in, one
``export NAME=1`` line per ARG/ENV visible to it (and the proxy variables; and, as BuildKit
carries them into the build state, the ARGs of every stage it may be built FROM, ``FROM
base-${TARGETARCH}`` included), then the text the shell runs. SC1090, SC1091 and SC2187 are
excluded. Unlike hadolint:

* SC2016 (no expansion in single quotes) is opt-in (``OPT_IN_SHELLCHECK_CODES``): reported only
  when a selector names it (``--extend-select SC2016``, ``SC20``, ``SC``);
* RUNs for a shell ShellCheck does not know (PowerShell, cmd, zsh...) are skipped, whatever
  ARG or ENV follows the ``SHELL`` instruction; so are heredocs whose shebang names another
  interpreter (``#!/usr/bin/env python3``);
* a finding is reported where it is in the Dockerfile: the script's lines and columns are
  mapped back through line continuations, skipped comment lines and heredoc bodies. Its
  ``instruction_line`` stays the RUN's first line, so ``# hadolint ignore=SC2086`` above the
  RUN still applies;
* ShellCheck's suggested fixes are kept (as unsafe fixes) when they map back exactly;
* when selected, SC2016 is not reported on the text ``echo`` or ``printf``
  writes to a file, itself or through a ``{ ...; } > file`` group
  (``echo 'eval "$(pyenv init -)"' >> ~/.bashrc``): that text is for a
  shell that reads it later, and keeping ``$`` is the point; nor SC2154 (referenced but not
  assigned) after an ``eval`` or a sourced file (``.``, ``source``), which may assign it;
  nor SC2291 (repeated spaces) made by joining a continuation line's indentation; nor SC2164
  (``cd`` without ``|| exit``) on a ``cd`` that ends the script outside any loop, whose failure
  is the RUN's own; nor SC2046 on ``$(nproc)``, ``$(uname -m)`` and other commands that
  print one word; nor SC2086 in a package manager's words (``apt-get install $buildDeps``,
  ``apt-mark manual $savedAptMark``: splitting the list is the point); nor SC1010 on
  ``mix do ...`` (a subcommand, not the keyword); nor SC1075
  (``else if``) where the ``else`` branch runs more than the nested ``if``; nor SC2071 where
  ``<``/``>`` compares with text (``[[ "$PG_VERSION" < "v17" ]]``: the ``NAME=1`` declaration
  made ShellCheck take the variable for a number); and template
  placeholders such as Maven's ``${pkg.name}``, which no shell expands, are read as plain words;
* the scripts of the whole run (every file) are deduplicated and checked by as few ShellCheck
  processes as there are cores, each given a share of similar size.

SC findings are filtered like rules' findings (``add_external``): ignore lists, severity
overrides, and ignore pragmas by their RUN's first line. Their ``name`` is ``shellcheck``.

A ShellCheck process that runs longer than the timeout (``shellcheck-timeout``) is killed, and
each RUN it was checking gets a DK901 finding instead of SC findings. Its processes are killed
and its temporary folder removed however the run ends (:meth:`Pipeline.close`).
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import re
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import shellcheck_program
from dockerlens.lint.commands import prints_one_word, program
from dockerlens.lint.context import LintContext
from dockerlens.lint.engine import (
    DEFAULT_SHELLCHECK_TIMEOUT,
    FileResult,
    LintSettings,
    add_engine_finding,
    add_external,
)
from dockerlens.lint.findings import SHELLCHECK_TIMEOUT, Finding
from dockerlens.lint.rule import Edit, Fix, Severity
from dockerlens.lint.shellcheck_program import EXCLUDED as EXCLUDED
from dockerlens.lint.stages import inherited_names
from dockerlens.model import Step
from dockerlens.shell import Command, parse_shell

if TYPE_CHECKING:
    import subprocess

    import tree_sitter


class ScriptMemo(Protocol):
    """ShellCheck's comments per script text, kept by the caller between runs (the language
    server's recent scripts, a result cache): a script it knows is not checked again."""

    def get(self, text: str) -> list[dict[str, Any]] | None: ...

    def put(self, text: str, comments: list[dict[str, Any]]) -> None: ...


class RecentScripts:
    """A :class:`ScriptMemo` in memory for the scripts checked last, at most ``size`` of them
    (the language server's: an edit re-checks only the RUNs it changed)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.comments: dict[str, list[dict[str, Any]]] = {}

    def get(self, text: str) -> list[dict[str, Any]] | None:
        found = self.comments.pop(text, None)
        if found is not None:
            self.comments[text] = found  # now the most recent
        return found

    def put(self, text: str, comments: list[dict[str, Any]]) -> None:
        self.comments.pop(text, None)
        self.comments[text] = comments
        while len(self.comments) > self.size:
            del self.comments[next(iter(self.comments))]


NAME = "shellcheck"
URL = "https://www.shellcheck.net/wiki/{code}"
NOT_FOUND_NOTE = (
    "ShellCheck not found: SC checks skipped "
    "(pip install 'dockerlens[shellcheck]' or install shellcheck)"
)
#: hadolint declares these in every script.
PROXY_VARIABLES = (
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
)
#: Shell program (basename) -> the shebang ShellCheck understands for it. Others are skipped.
SHEBANGS = {
    "sh": "#!/bin/sh",
    "bash": "#!/bin/bash",
    "dash": "#!/bin/dash",
    "ash": "#!/bin/ash",
    "ksh": "#!/bin/ksh",
    "ksh88": "#!/bin/ksh",
    "ksh93": "#!/bin/ksh",
    "mksh": "#!/bin/ksh",
    "oksh": "#!/bin/ksh",
    "busybox": "#!/bin/busybox sh",
}
LEVELS = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "info": Severity.INFO,
    "style": Severity.STYLE,
}
#: Scripts per ShellCheck process at most (keeps the command line far below ARG_MAX).
MAX_PER_PROCESS = 2000

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WORD = _NAME
_HEREDOC_ONLY = LazyPattern(r"^\s*(\d*<<-?\s*\S+)\s*$")
#: ``${pkg.name}``: no shell expands a dotted name; it is a template placeholder (Maven
#: resource filtering, Gradle) that is replaced before the build.
_TEMPLATE_PLACEHOLDER = LazyPattern(r"\$\{[A-Za-z_][\w-]*(?:\.[\w-]+)+\}")


# A named tuple and a plain class, not dataclasses: a dataclass costs about a millisecond to
# make, at every start.
class Segment(NamedTuple):
    """A run of characters of a script line copied from one Dockerfile line (0-based columns)."""

    column: int
    line: int
    source_column: int
    length: int


class Script:
    """One RUN as the file ShellCheck reads, and the way back to the Dockerfile."""

    def __init__(
        self, step: Step, text: str, header: int, lines: list[list[Segment]] | None
    ) -> None:
        self.step = step
        self.text = text
        #: Lines before the RUN's own text (shebang and exports).
        self.header = header
        #: Per line of the RUN's text: where it comes from. None: positions are not known
        #: exactly (every finding goes to the RUN's first line, as hadolint reports it).
        self.lines = lines


# --- the pass -----------------------------------------------------------------------------


def check_results(
    results: Sequence[FileResult],
    *,
    executable: str | None = None,
    jobs: int | None = None,
    per_process: int = MAX_PER_PROCESS,
    declare_all: bool = False,
) -> list[str]:
    """Run ShellCheck over every RUN of ``results`` and add its findings to them.

    Returns notes for the reader (ShellCheck missing or failing). ``per_process`` caps the
    scripts one ShellCheck process reads (1: one process per script). ``declare_all``
    declares every ARG/ENV name in every script, as hadolint does (slower, same findings).
    """
    with Pipeline(
        executable=executable,
        jobs=jobs,
        per_process=per_process,
        declare_all=declare_all,
        eager=False,
        timeout=timeout_for(result.settings for result in results),
    ) as pipeline:
        for result in results:
            if result.context is not None:
                pipeline.add(result.context, result.settings.shellcheck)
        return pipeline.finish(results)


def timeout_for(settings: Iterable[LintSettings]) -> float:
    """The run's ShellCheck timeout: the longest of the files that want ShellCheck."""
    return max(
        (each.shellcheck_timeout for each in settings if each.shellcheck),
        default=DEFAULT_SHELLCHECK_TIMEOUT,
    )


class _Finished(NamedTuple):
    batch: list[int]
    returncode: int
    out: Path
    err: Path


class _Running(NamedTuple):
    batch: list[int]
    process: subprocess.Popen[bytes]
    out: Path
    err: Path
    #: ``time.monotonic()`` by which it must have finished.
    deadline: float

    def done(self) -> _Finished:
        return _Finished(self.batch, self.process.returncode, self.out, self.err)


def _private_folder(prefix: str) -> str:
    """A new folder only this user may enter, as :func:`tempfile.mkdtemp` makes, without
    importing tempfile on POSIX: with shutil and random it costs 5 ms of every start. Where
    ``$TMPDIR`` (else ``/tmp``) is not usable, tempfile looks for another place."""
    if os.name != "nt":
        base = os.environ.get("TMPDIR") or "/tmp"
        for _ in range(100):
            folder = os.path.join(base, prefix + os.urandom(8).hex())
            try:
                os.mkdir(folder, 0o700)
            except FileExistsError:
                continue
            except OSError:
                break
            return os.path.abspath(folder)
    import tempfile

    return tempfile.mkdtemp(prefix=prefix)


def _remove_folder(folder: str) -> None:
    """Remove the scripts' folder, which holds files only; errors are ignored, as
    ``shutil.rmtree(ignore_errors=True)`` ignores them."""
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                os.unlink(entry.path)
        os.rmdir(folder)
    except OSError:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


class Pipeline:
    """ShellCheck alongside the rule pass.

    Each file's scripts are handed over as soon as its model is built (:meth:`add`); with
    ``eager``, a ShellCheck process starts whenever a core is free, on every script waiting by
    then, so ShellCheck runs while Python lints the next files (or, for one file, while the
    rules run). :meth:`finish` sends the rest in shares of similar size, waits, and adds the
    findings to each file's result. Identical scripts are checked once per run. A process
    still running ``timeout`` seconds after it started is killed: its RUNs get DK901.

    Use it as a context manager: leaving the block kills what still runs and removes the
    scripts' folder, whatever happened in it.
    """

    def __init__(
        self,
        *,
        executable: str | None = None,
        jobs: int | None = None,
        per_process: int = MAX_PER_PROCESS,
        declare_all: bool = False,
        eager: bool = True,
        timeout: float = DEFAULT_SHELLCHECK_TIMEOUT,
        memo: ScriptMemo | None = None,
    ) -> None:
        self.program = executable or shellcheck_program.find_shellcheck()
        #: Comments already known per script text (the result cache, the language server's
        #: recent scripts): those are not checked.
        self.memo = memo
        self.known: dict[int, list[dict[str, Any]]] = {}
        self.jobs = max(1, jobs or available_cores())
        self.per_process = max(1, per_process)
        self.declare_all = declare_all
        self.eager = eager
        self.timeout = timeout
        self.unique: dict[str, int] = {}
        self.pending: list[int] = []
        self.files: list[tuple[LintContext, list[Script]]] = []
        self.running: list[_Running] = []
        self.finished: list[_Finished] = []
        #: Scripts whose process was killed at its deadline.
        self.timed_out: set[int] = set()
        self.missing = False
        #: Why ShellCheck could not be started, once it could not.
        self.start_error: str | None = None
        self._folder: str | None = None
        self._env = {k: v for k, v in os.environ.items() if k != "SHELLCHECK_OPTS"}

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def folder(self) -> str:
        if self._folder is None:
            self._folder = _private_folder("dockerlens-sc-")
        return self._folder

    def close(self) -> None:
        """Kill the ShellCheck processes still running and remove the scripts' folder."""
        running, self.running = self.running, []
        for entry in running:
            _stop(entry.process)
        if self._folder is not None:
            _remove_folder(self._folder)
            self._folder = None

    def add(self, context: LintContext, wanted: bool = True) -> None:
        if not wanted:
            return
        scripts = _scripts(context, self.declare_all)
        if not scripts:
            return
        if self.program is None:
            self.missing = True
            return
        self.files.append((context, scripts))
        for script in scripts:
            if script.text not in self.unique:
                index = self.unique[script.text] = len(self.unique)
                remembered = self.memo.get(script.text) if self.memo is not None else None
                if remembered is not None:
                    self.known[index] = remembered
                    continue
                Path(self.folder, f"{index}.sh").write_text(
                    script.text, encoding="utf-8", errors="replace"
                )
                self.pending.append(index)
        if self.eager:
            self._reap()
            if len(self.running) < self.jobs and self.pending:
                self._start(self.pending[: self.per_process])
                del self.pending[: self.per_process]

    def finish(self, results: Sequence[FileResult]) -> list[str]:
        """Wait for ShellCheck and add its findings to the results (matched by context)."""
        try:
            if self.missing and not self.files:
                return [NOT_FOUND_NOTE]
            if self.pending:
                free = max(1, self.jobs - len(self.running)) if self.eager else self.jobs
                sizes = [len(self.texts[i]) for i in self.pending]
                for batch in _batches(sizes, min(free, len(sizes)), self.per_process):
                    self._start([self.pending[i] for i in batch])
                self.pending = []
            self._wait()
            comments, notes = self._comments()
            if self.timed_out:
                notes.append(
                    f"ShellCheck did not finish within {self.timeout:g} s (shellcheck-timeout) "
                    f"and was stopped: SC checks skipped for {len(self.timed_out)} RUN "
                    f"script(s), reported as {SHELLCHECK_TIMEOUT.code}"
                )
            if self.start_error is not None:
                notes.append(f"ShellCheck could not run ({self.start_error}): SC checks skipped")
            by_context = {id(r.context): r for r in results if r.context is not None}
            for context, scripts in self.files:
                result = by_context.get(id(context))
                if result is None:
                    continue
                findings = [
                    finding
                    for script in scripts
                    for comment in comments[self.unique[script.text]]
                    if (finding := to_finding(result, script, comment)) is not None
                ]
                add_external(result, findings)
                for script in scripts:
                    if self.unique[script.text] in self.timed_out:
                        add_engine_finding(
                            result,
                            SHELLCHECK_TIMEOUT,
                            script.step,
                            f"ShellCheck did not finish within {self.timeout:g} s: "
                            "this RUN was not checked",
                        )
            return notes
        finally:
            self.close()

    @property
    def texts(self) -> list[str]:
        return list(self.unique)

    def _start(self, batch: list[int]) -> None:
        import subprocess

        assert self.program is not None
        number = len(self.running) + len(self.finished)
        out = Path(self.folder, f"out-{number}.json")
        err = Path(self.folder, f"err-{number}.txt")
        if self.start_error is not None:
            return  # it could not be started before: its scripts go unchecked
        # Files, not pipes: a full pipe would stall ShellCheck until finish() reads it.
        with out.open("wb") as stdout, err.open("wb") as stderr:
            try:
                process = subprocess.Popen(
                    [
                        self.program,
                        *shellcheck_program.OPTIONS,
                        *(f"{index}.sh" for index in sorted(batch)),
                    ],
                    cwd=self.folder,
                    env=self._env,
                    stdout=stdout,
                    stderr=stderr,
                )
            except OSError as error:  # found, but not runnable (a bad interpreter, a bad binary)
                self.start_error = f"{self.program}: {error.strerror or error}"
                return
        deadline = time.monotonic() + self.timeout
        self.running.append(_Running(sorted(batch), process, out, err, deadline))

    def _wait(self) -> None:
        """Wait for every process, each until its deadline; one still running then is killed."""
        import subprocess

        while self.running:
            entry = self.running[0]
            try:
                entry.process.wait(timeout=max(0.0, entry.deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _stop(entry.process)
                self.timed_out.update(entry.batch)
            else:
                self.finished.append(entry.done())
            del self.running[0]

    def _reap(self) -> None:
        still = []
        for entry in self.running:
            if entry.process.poll() is None:
                still.append(entry)
            else:
                self.finished.append(entry.done())
        self.running = still

    def _comments(self) -> tuple[list[list[dict[str, Any]]], list[str]]:
        comments: list[list[dict[str, Any]]] = [[] for _ in self.unique]
        notes: list[str] = []
        for batch, returncode, out, err in self.finished:
            try:
                found = json.loads(out.read_bytes().decode("utf-8", "replace"))["comments"]
            except (OSError, ValueError, KeyError, TypeError):
                found = None
            if found is None or returncode not in (0, 1):
                reason = err.read_text(encoding="utf-8", errors="replace").strip().splitlines()
                detail = f": {reason[0]}" if reason else ""
                notes.append(
                    f"ShellCheck failed (exit {returncode}){detail}: "
                    f"SC checks may be missing for {len(batch)} RUN script(s)"
                )
            for comment in found or []:
                stem = str(comment.get("file", "")).removesuffix(".sh")
                if stem.isdigit() and int(stem) < len(comments):
                    comments[int(stem)].append(comment)
            if self.memo is not None and found is not None and returncode in (0, 1):
                texts = self.texts
                for index in batch:
                    self.memo.put(texts[index], comments[index])
        for index, remembered in self.known.items():
            comments[index] = remembered
        return comments, notes


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Kill a ShellCheck process (if it still runs) and reap it."""
    process.kill()
    process.wait()


def scripts_of(result: FileResult, *, declare_all: bool = False) -> list[Script]:
    return _scripts(result.context, declare_all) if result.context is not None else []


def _scripts(context: LintContext, declare_all: bool) -> list[Script]:
    inherited: dict[int, frozenset[str]] = {}
    scripts = []
    for step in context.steps:
        stage = context.stage_of(step)
        names: frozenset[str] = frozenset()
        if stage is not None and step.instruction.effective_keyword == "RUN":
            if stage.index not in inherited:
                inherited[stage.index] = frozenset(inherited_names(context, stage))
            names = inherited[stage.index]
        script = build_script(step, context.lines, declare_all=declare_all, inherited=names)
        if script is not None:
            scripts.append(script)
    return scripts


# --- building the scripts -----------------------------------------------------------------


def shebang_for(shell: Sequence[str]) -> str | None:
    """The shebang for a SHELL (``["/bin/bash", "-o", "pipefail", "-c"]``), None if ShellCheck
    cannot check scripts for it (PowerShell, cmd, zsh, python...)."""
    words = list(shell)
    if not words:
        return None
    program = _basename(words[0])
    if program == "env":
        rest = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
        if not rest:
            return None
        program = _basename(rest[0])
    return SHEBANGS.get(program)


def _errexit(shell: Sequence[str]) -> bool:
    """The SHELL's options turn on ``errexit`` (``["/bin/bash", "-exo", "pipefail", "-c"]``)."""
    words = list(shell[1:])
    for index, word in enumerate(words):
        if word == "-o" and index + 1 < len(words) and words[index + 1] == "errexit":
            return True
        if word.startswith("-") and not word.startswith("--") and "e" in word[1:]:
            return True
    return False


def _basename(word: str) -> str:
    return word.replace("\\", "/").rsplit("/", 1)[-1].lower().removesuffix(".exe")


def _shebang_line_shell(line: str) -> str | None:
    """The shebang to use for a heredoc starting with ``line`` (``#!...``), None if it names a
    program ShellCheck does not check."""
    return shebang_for(line[2:].split())


def declarations(
    step: Step, body: str, *, every: bool = False, inherited: frozenset[str] = frozenset()
) -> list[str]:
    """``export NAME=1`` for the ARG/ENV names the RUN sees and the proxy variables.

    ShellCheck's time grows quickly with each line (a dozen exports cost more than a short
    script), so unless ``every``, only the names that can change its output are declared:
    those written in the script, and those close enough to a word of it to be offered as
    "did you mean" (SC2153, SC2154: edit distance 2 or less, ignoring case, names of more
    than 3 characters).
    """
    names = set(PROXY_VARIABLES)
    names.update(name for name in (*step.variables, *inherited) if _NAME.fullmatch(name))
    if not every:
        index = _index(frozenset(names))
        kept = set()
        for word in set(_WORD.findall(body)):
            if word in names:
                kept.add(word)
            kept.update(index.near(word))
        names = kept
    return [f"export {name}=1" for name in sorted(names)]


class _NameIndex:
    """The names (of more than 3 characters) a word may be within edit distance 2 of."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = [name for name in names if len(name) > 3]
        self.keys = frozenset().union(*(_near(name) for name in self.names))
        lengths = [len(name) for name in self.names] or [0]
        self.lengths = range(min(lengths) - 2, max(lengths) + 3)
        self.cache: dict[str, frozenset[str]] = {}

    def near(self, word: str) -> frozenset[str]:
        found = self.cache.get(word)
        if found is None:
            found = frozenset()
            if len(word) in self.lengths:
                keys = _near(word)
                if not self.keys.isdisjoint(keys):
                    found = frozenset(n for n in self.names if not _near(n).isdisjoint(keys))
            if len(self.cache) < 1 << 16:
                self.cache[word] = found
        return found


@functools.lru_cache(maxsize=256)
def _index(names: frozenset[str]) -> _NameIndex:
    return _NameIndex(names)


@functools.lru_cache(maxsize=1 << 16)
def _near(word: str) -> frozenset[str]:
    """``word`` in lower case with up to two characters deleted: two words within edit
    distance 2 of each other always share one of these."""
    lowered = word.lower()
    out = {lowered}
    for i in range(len(lowered)):
        once = lowered[:i] + lowered[i + 1 :]
        out.add(once)
        for j in range(i, len(once)):
            out.add(once[:j] + once[j + 1 :])
    return frozenset(out)


def build_script(
    step: Step,
    lines: list[str],
    *,
    declare_all: bool = False,
    inherited: frozenset[str] = frozenset(),
) -> Script | None:
    """The script ShellCheck reads for a shell-form RUN, or None when it is not checked.
    ``inherited``: names the stages it may be built FROM define (``FROM base-${TARGETARCH}``,
    which the model's own variables do not follow)."""
    instruction = step.instruction
    if instruction.effective_keyword != "RUN" or instruction.json or not instruction.value:
        return None
    command = instruction.value[0]
    docs = instruction.heredocs
    # Heredoc bodies (and their terminators) are the instruction's last source lines.
    body_start = instruction.end_line + 1 - sum(_count_lines(d.content) + 1 for d in docs)
    shebang = shebang_for(step.shell)
    if docs and _HEREDOC_ONLY.match(command):
        # BuildKit runs a heredoc that starts with a shebang as a script of its own.
        body = _split(docs[0].body())
        if body and body[0].startswith("#!"):
            shebang = _shebang_line_shell(body[0])
        if shebang is None:
            return None
        mapping: list[list[Segment]] | None = _body_segments(lines, body_start, body)
        if body and body[0].startswith("#!"):
            body = body[1:]
            mapping = mapping[1:] if mapping is not None else None
    else:
        if shebang is None:
            return None
        body = [command]
        first = _command_segments(
            lines, instruction.start_line, body_start - 1, command, step.escape
        )
        mapping = [first] if first is not None else None
        if docs:
            tail: list[str] = []
            for doc in docs:
                tail += [*_split(doc.content), doc.name]
            body += tail
            rest = _body_segments(lines, body_start, tail)
            mapping = mapping + rest if mapping is not None and rest is not None else None
    script = "".join(line + "\n" for line in body)
    if "${" in script:
        # A word of the same length keeps every column where the source has it.
        script = _TEMPLATE_PLACEHOLDER.sub(lambda m: "_" * len(m[0]), script)
    header = [shebang, *declarations(step, script, every=declare_all, inherited=inherited)]
    if shebang == shebang_for(step.shell) and _errexit(step.shell):
        header.insert(1, "set -e")  # as the SHELL runs it: ShellCheck then knows a failure stops
    text = "\n".join(header) + "\n" + script
    return Script(step, text, len(header), mapping)


def _split(text: str) -> list[str]:
    parts = text.split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    return parts


def _count_lines(content: str) -> int:
    return len(_split(content))


def _body_segments(lines: list[str], start: int, body: list[str]) -> list[list[Segment]] | None:
    """Heredoc lines copied from consecutive source lines from ``start`` (``<<-`` bodies lose
    their leading tabs)."""
    out = []
    for offset, text in enumerate(body):
        number = start + offset
        if not 1 <= number <= len(lines):
            return None
        source = lines[number - 1]
        removed = len(source) - len(text)
        if removed < 0 or not source.endswith(text) or source[:removed].strip("\t"):
            return None
        out.append([Segment(0, number, removed, len(text))])
    return out


def _command_segments(
    lines: list[str], first: int, last: int, value: str, escape: str
) -> list[Segment] | None:
    """Where each character of the command BuildKit joined from lines ``first..last`` (keyword,
    flags, continuations, comment lines) comes from. None if the lines do not add up."""
    if not 1 <= first <= last <= len(lines):
        return None
    remaining = len(value)
    segments: list[Segment] = []
    for number in range(last, first - 1, -1):
        if remaining == 0:
            break
        source = lines[number - 1]
        # A continuation is the escape character, then only blanks (BuildKit's rule).
        trimmed = source.rstrip(" \t")
        if number == last:
            candidates = [source.rstrip()]
            if trimmed.endswith(escape):
                candidates.append(trimmed[:-1].rstrip())
        else:
            stripped = trimmed.strip()
            if not stripped or stripped.startswith("#"):
                continue  # BuildKit drops blank and comment lines inside a continuation
            if not trimmed.endswith(escape):
                return None
            candidates = [trimmed[:-1]]
        for piece in candidates:
            if len(piece) <= remaining:
                found = value.endswith(piece, 0, remaining)
            else:  # the line the command starts on, after the keyword and flags
                found = piece.endswith(value[:remaining])
            if found:
                take = min(len(piece), remaining)
                segments.append(Segment(remaining - take, number, len(piece) - take, take))
                remaining -= take
                break
        else:
            return None
    if remaining:
        return None
    segments.reverse()
    if not segments:
        segments.append(Segment(0, first, len(lines[first - 1]), 0))
    return segments


# --- running ShellCheck -------------------------------------------------------------------


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _batches(sizes: Sequence[int], jobs: int, per_process: int) -> list[list[int]]:
    shares: list[list[int]] = [[] for _ in range(jobs)]
    loads = [0] * jobs
    for index in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        lightest = loads.index(min(loads))
        shares[lightest].append(index)
        loads[lightest] += sizes[index] + 200  # each script also costs a little on its own
    out = []
    for share in shares:
        share.sort()
        out += [share[i : i + per_process] for i in range(0, len(share), per_process)]
    return [batch for batch in out if batch]


# --- back to the Dockerfile ---------------------------------------------------------------


def to_finding(result: FileResult, script: Script, comment: dict[str, Any]) -> Finding | None:
    try:
        code = f"SC{int(comment['code'])}"
        severity = LEVELS.get(str(comment.get("level", "")), Severity.WARNING)
        where = (
            int(comment["line"]),
            int(comment["column"]),
            int(comment.get("endLine", comment["line"])),
            int(comment.get("endColumn", comment["column"])),
        )
    except (KeyError, TypeError, ValueError):
        return None
    if code in EXCLUDED:
        return None
    if code == "SC2016" and _written_for_a_later_shell(script, where[0], where[1]):
        return None
    if code == "SC2154" and _after_eval_or_source(script, where[0], where[1]):
        return None
    if code == "SC2291" and _spaces_from_continuations(script, where):
        return None
    if code == "SC2164" and _cd_ends_the_script(script, where[0], where[1]):
        return None
    if code == "SC2046" and _substitutes_one_word(script, where):
        return None
    if code == "SC2086" and _package_list(script, where):
        return None
    if code == "SC1010" and _do_is_a_subcommand(script, where[0], where[1]):
        return None
    if code == "SC1075" and _else_holds_more_than_the_if(script, where[0], where[1]):
        return None
    if code == "SC2071" and _compares_with_text(script, where[0], where[1]):
        return None
    if code in ("SC2097", "SC2098") and _seen_by_later_assignments(script, where[0], where[1]):
        return None
    if code == "SC2021" and _strips_a_list_repr(script, where):
        return None
    step = script.step
    line, column, end_line, end_column = _map_range(script, where, _lines(result))
    return Finding(
        path=result.path,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        code=code,
        name=NAME,
        severity=severity,
        message=str(comment.get("message", "")),
        url=URL.format(code=code),
        fix=_map_fix(script, comment.get("fix")),
        instruction_line=step.line,
    )


#: Commands that write their arguments out as text.
_WRITERS = frozenset({"echo", "printf"})
_FILE_REDIRECTS = frozenset({">", ">>", ">|"})


#: Commands that may assign any variable: what they run cannot be seen.
_ASSIGN_UNSEEN = frozenset({"eval", "source", "."})


def _offset(script: Script, line: int, column: int) -> int | None:
    """The byte offset in the script of ShellCheck's (1-based) line and column."""
    lines = script.text.split("\n")
    if not 1 <= line <= len(lines):
        return None
    offset = len("".join(text + "\n" for text in lines[: line - 1]).encode())
    return offset + len(lines[line - 1][: column - 1].encode())


@functools.lru_cache(maxsize=32)
def _commands(text: str) -> tuple[Command, ...]:
    return tuple(parse_shell(text).commands)


def _after_eval_or_source(script: Script, line: int, column: int) -> bool:
    """SC2154 (referenced but not assigned) after an ``eval`` or a sourced file, either of which
    may assign it (``eval "$NODE_META"; echo "$node_full"``)."""
    offset = _offset(script, line, column)
    return offset is not None and any(
        command.name in _ASSIGN_UNSEEN and command.start_byte < offset
        for command in _commands(script.text)
    )


#: Syntax that runs its body again: a ``cd`` that fails there is followed by the next round.
_LOOPS = frozenset({"for_statement", "c_style_for_statement", "while_statement"})


def _cd_ends_the_script(script: Script, line: int, column: int) -> bool:
    """SC2164 (``cd`` without ``|| exit``) on a ``cd`` that is the script's last command, in no
    loop (``... && bundle install && cd /tools``): nothing runs after it in the wrong folder,
    and its failure is the RUN's exit status, so the build stops as ``|| exit`` would make it."""
    offset = _offset(script, line, column)
    if offset is None:
        return False
    commands = _commands(script.text)
    holding = [c for c in commands if c.start_byte <= offset < c.end_byte and c.name == "cd"]
    if not holding:
        return False
    cd = holding[-1]
    if any(c.start_byte >= cd.end_byte for c in commands):
        return False
    rest = script.text.encode()[cd.end_byte :].decode(errors="replace")
    if "&" in rest.replace("&&", "") or "|" in rest:
        return False  # run in the background, or its status piped on
    node = parse_shell(script.text).tree.root_node.descendant_for_byte_range(
        cd.start_byte, cd.end_byte
    )
    while node is not None:
        if node.type in _LOOPS:
            return False
        node = node.parent
    return True


#: Package tools outside the catalogue whose operands are package lists too.
_PACKAGE_LIST_TOOLS = frozenset({"apt-mark", "dpkg", "rpm", "docker-php-ext-install", "pecl"})


def _package_list(script: Script, where: tuple[int, int, int, int]) -> bool:
    """SC2086 (unquoted expansion) on a whole word of a package manager's command: ``apt-get
    install $buildDeps``, ``apt-mark manual $savedAptMark``, ``apk add $PHPIZE_DEPS``, a list
    whose splitting into words is the point. An expansion inside a word (``kafka=$VERSION``)
    is still reported."""
    from dockerlens.semantics.managers import by_program

    start = _offset(script, where[0], where[1])
    end = _offset(script, where[2], where[3])
    if start is None or end is None:
        return False
    data = script.text.encode()
    before = data[start - 1 : start]
    after = data[end : end + 1]
    if before not in (b"", b" ", b"\t", b"\n") or after not in _WORD_ENDS:
        return False
    managers = by_program()
    return any(
        command.start_byte <= start < command.end_byte
        and ((tool := program(command)) in managers or tool in _PACKAGE_LIST_TOOLS)
        for command in _commands(script.text)
    )


def _substitutes_one_word(script: Script, where: tuple[int, int, int, int]) -> bool:
    """SC2046 (unquoted command substitution) on ``$(nproc)``, ``$(uname -m)``: one command
    that prints a single word, which cannot split."""
    start = _offset(script, where[0], where[1])
    end = _offset(script, where[2], where[3])
    if start is None or end is None:
        return False
    inside = [c for c in _commands(script.text) if start < c.start_byte < end]
    return len(inside) == 1 and prints_one_word(inside[0])


_WORD_ENDS = frozenset({b"", b" ", b"\t", b"\n", b";", b"&", b"|", b")"})


#: Programs with a subcommand named ``do``: ``mix do deps.get, compile`` (Elixir).
_DO_SUBCOMMAND = frozenset({"mix"})


def _do_is_a_subcommand(script: Script, line: int, column: int) -> bool:
    """SC1010 (``do`` needs a ``;`` before it) on the ``do`` of ``mix do a, b``: an argument,
    where a separator would break the command."""
    offset = _offset(script, line, column)
    return offset is not None and any(
        command.start_byte <= offset < command.end_byte
        and program(command) in _DO_SUBCOMMAND
        and command.args[:1] == ("do",)
        for command in _commands(script.text)
    )


def _enclosing(script: Script, line: int, column: int, kind: str) -> tree_sitter.Node | None:
    """The innermost syntax node of type ``kind`` around ShellCheck's line and column."""
    offset = _offset(script, line, column)
    if offset is None:
        return None
    root = parse_shell(script.text).tree.root_node
    node: tree_sitter.Node | None = root.descendant_for_byte_range(offset, offset)
    while node is not None and node.type != kind:
        node = node.parent
    return node


def _compares_with_text(script: Script, line: int, column: int) -> bool:
    """SC2071 (``<`` is for strings, use ``-lt``) where the other side is text, not a number
    (``[[ "$PG_VERSION" < "v17" ]]``): a string comparison is meant. ShellCheck took the
    variable for a number only because the script declares each ARG as ``NAME=1``."""
    node = _enclosing(script, line, column, "binary_expression")
    if node is None:
        return False
    for operand in node.named_children:
        if operand.type not in ("word", "string", "raw_string"):
            continue
        if any(child.is_named and child.type != "string_content" for child in operand.children):
            continue  # holds an expansion: its value is not written here
        text = (operand.text or b"").decode("utf-8", "replace").strip("\"'")
        if text and not text.lstrip("-").isdigit():
            return True
    return False


#: The characters, besides its brackets, of a printed list (``['/usr/lib', "a"]``).
_LIST_REPR_PUNCTUATION = frozenset("'\", ")


def _strips_a_list_repr(script: Script, where: tuple[int, int, int, int]) -> bool:
    """SC2021 (brackets around a ``tr`` set are literal) on a ``tr -d`` set of only brackets,
    quotes, commas and spaces (``print(ui.__path__) | tr -d "[']"``): the literal brackets
    are what it deletes, the brackets and quotes of a printed list."""
    start, end = _offset(script, where[0], where[1]), _offset(script, where[2], where[3])
    command = _enclosing(script, where[0], where[1], "command")
    if start is None or end is None or command is None:
        return False
    deletes = any(
        arg.type == "word" and (arg.text or b"").startswith(b"-") and b"d" in (arg.text or b"")
        for arg in command.children_by_field_name("argument")
    )
    if not deletes:
        return False  # translated, the brackets become other characters: worth the warning
    word = script.text.encode()[start:end].decode("utf-8", "replace")
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "'\"":
        word = word[1:-1]
    inside = word[1:-1]
    return (
        word.startswith("[")
        and word.endswith("]")
        and bool(inside)
        and set(inside) <= _LIST_REPR_PUNCTUATION
    )


def _seen_by_later_assignments(script: Script, line: int, column: int) -> bool:
    """SC2097 (an assignment only the command sees) and SC2098 (an expansion that does not
    see it) where the expansion is in a later assignment of the same command
    (``DATE=$(date) LDFLAGS="-X main.date=$DATE" make``): sh, dash, bash and busybox assign
    from left to right, and each assignment sees the ones before it."""
    node = _enclosing(script, line, column, "variable_assignment")
    command = node.parent if node is not None else None
    if node is None or command is None or command.type != "command":
        return False
    if _offset(script, line, column) == node.start_byte:  # SC2097: on the assignment itself
        name = node.child_by_field_name("name")
        if name is None or name.text is None:
            return False
        pattern = re.compile(rb"\$\{?" + re.escape(name.text) + rb"(?![A-Za-z0-9_])")
        return not any(
            child.type != "variable_assignment" and pattern.search(child.text or b"")
            for child in command.named_children
        )
    return True  # SC2098: the expansion is in an assignment, which sees the earlier ones


def _else_holds_more_than_the_if(script: Script, line: int, column: int) -> bool:
    """SC1075 (``else if`` should be ``elif``) where the ``else`` branch runs more than the
    nested ``if`` (``else if ...; fi && make; fi``): the nesting is meant, and ``elif`` would
    change what runs."""
    node = _enclosing(script, line, column, "else_clause")
    if node is None:
        return False
    body = [child for child in node.children if child.is_named and child.type != "comment"]
    return len(body) != 1 or body[0].type != "if_statement"


_REPEATED_SPACES = LazyPattern(r"[ \t]{2,}")


def _spaces_from_continuations(script: Script, where: tuple[int, int, int, int]) -> bool:
    """Every run of repeated spaces between the arguments in SC2291's range is where the RUN's
    lines were joined: the indentation of a continuation line (``echo "a" \\`` then
    ``    "b"``), which the shell never sees as repeated spaces between words."""
    line, column, end_line, end_column = where
    body_line = line - script.header - 1
    if line != end_line or script.lines is None or not 0 <= body_line < len(script.lines):
        return False
    seams = [segment.column for segment in script.lines[body_line][1:]]
    text = script.text.split("\n")[line - 1][column - 1 : end_column - 1]
    runs = [(column - 1 + m.start(), column - 1 + m.end()) for m in _REPEATED_SPACES.finditer(text)]
    # ShellCheck compares the arguments' positions only: spaces between `echo` and its first
    # argument (`echo  " a" \`) collapse into nothing anyone sees.
    name = re.match(r"\S+", text)
    if name is not None:
        runs = [(a, b) for a, b in runs if a != column - 1 + name.end()]
    # Spaces inside quotes are kept as written: ShellCheck does not mean them.
    quoted = _quoted_ranges(script.text)
    whole_line = script.text.split("\n")[line - 1]
    line_start = _offset(script, line, 1) or 0

    def byte(index: int) -> int:
        return line_start + len(whole_line[:index].encode())

    runs = [
        (a, b)
        for a, b in runs
        if not any(start <= byte(a) and byte(b) <= end for start, end in quoted)
    ]
    return bool(runs) and all(any(a < seam < b for seam in seams) for a, b in runs)


def _quoted_ranges(text: str) -> list[tuple[int, int]]:
    """Byte ranges of the script's quoted strings (``"..."``, ``'...'``)."""
    found = []
    stack = [parse_shell(text).tree.root_node]
    while stack:
        node = stack.pop()
        if node.type in ("string", "raw_string", "ansi_c_string"):
            found.append((node.start_byte, node.end_byte))
            continue
        stack.extend(node.children)
    return found


def _written_for_a_later_shell(script: Script, line: int, column: int) -> bool:
    """The single-quoted text SC2016 points at is an argument of ``echo`` or ``printf`` whose
    output goes to a file (``echo 'eval "$(pyenv init -)"' >> ~/.bashrc``, or ``| tee``): it is
    written for a shell that reads it later, and the quotes that keep ``$`` are the point."""
    offset = _offset(script, line, column)
    if offset is None:
        return False
    commands = _commands(script.text)
    holding = [i for i, c in enumerate(commands) if c.start_byte <= offset < c.end_byte]
    if not holding:
        return False
    # The innermost command: a command substitution's own commands come inside its command.
    index = min(holding, key=lambda i: commands[i].end_byte - commands[i].start_byte)
    command = commands[index]
    if command.name not in _WRITERS:
        return False
    if any(redirect.operator in _FILE_REDIRECTS for redirect in command.redirects):
        return True
    following = commands[index + 1] if index + 1 < len(commands) else None
    if following is not None and following.joined_by == "|" and following.name == "tee":
        return True
    rest = script.text.encode("utf-8", "surrogateescape")[command.end_byte :]
    return _group_sent_to_a_file(rest.decode("utf-8", "surrogateescape"))


#: After a group's closing brace or parenthesis: its output goes to a file or to tee.
_TO_FILE = LazyPattern(r"\s*(?:>>?(?!&)|>\||\|\s*tee\b)")


def _group_sent_to_a_file(rest: str) -> bool:
    """The ``{ ...; }`` or ``( ... )`` group holding the text before ``rest`` sends its output
    to a file (``{ echo 'a=${A}'; echo 'b'; } > /etc/php/conf.d/x.ini``)."""
    depth = 0
    quote = ""
    previous = " "
    for index, char in enumerate(rest):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "{(" and previous in " \t\n;&|(":
            depth += 1
        elif char in "})" and (char == ")" or previous in " \t\n;&"):
            if depth == 0:
                return _TO_FILE.match(rest, index + 1) is not None
            depth -= 1
        previous = char
    return False


def _lines(result: FileResult) -> list[str]:
    return result.context.lines if result.context is not None else []


def _map_range(
    script: Script, where: tuple[int, int, int, int], lines: list[str]
) -> tuple[int, int, int, int]:
    line, column, end_line, end_column = where
    start = _position(script, line, column - 1, end=False)
    if (end_line, end_column) <= (line, column):
        end = start
    else:
        end = _position(script, end_line, end_column - 1, end=True)
    if start is None or end is None or end < start:
        first = script.step.line
        width = len(lines[first - 1]) if first <= len(lines) else 0
        return first, 1, first, width + 1
    return start[0], start[1] + 1, end[0], end[1] + 1


def _position(script: Script, line: int, column: int, *, end: bool) -> tuple[int, int] | None:
    """(source line, 0-based column) of a position between characters of the script file
    (``column`` 0-based). ``end``: the position closes a range, so it follows the character
    before it (at a seam between two source lines it stays on the first)."""
    body_line = line - script.header - 1
    mapping = script.lines
    if mapping is None or body_line < 0 or not mapping:
        return None
    if body_line >= len(mapping):  # past the end (an unterminated construct)
        last = mapping[-1][-1]
        return last.line, last.source_column + last.length
    segments = mapping[body_line]
    if end and column > 0:
        before = _char(segments, column - 1)
        if before is not None:
            return before[0], before[1] + 1
    found = _char(segments, max(column, 0))
    if found is None:
        last = segments[-1]
        return last.line, last.source_column + last.length
    return found


def _char(segments: list[Segment], column: int) -> tuple[int, int] | None:
    for segment in segments:
        if segment.column <= column < segment.column + segment.length:
            return segment.line, segment.source_column + column - segment.column
    return None


def _map_fix(script: Script, fix: object) -> Fix | None:
    """ShellCheck's fix as edits of the Dockerfile, when each replacement stays inside one
    source line's copied text (never across a line continuation)."""
    if not isinstance(fix, dict) or script.lines is None:
        return None
    edits: list[Edit] = []
    for replacement in fix.get("replacements") or []:
        try:
            line, column = int(replacement["line"]), int(replacement["column"])
            end_line, end_column = int(replacement["endLine"]), int(replacement["endColumn"])
            text = str(replacement["replacement"])
            before = replacement.get("insertionPoint") == "beforeStart"
        except (AttributeError, KeyError, TypeError, ValueError):
            return None
        if end_line != line or end_column < column:
            return None
        held = _segment_holding(script, line, column - 1, end_column - 1, prefer_next=before)
        if held is None:
            return None
        number, offset = held
        edits.append(Edit(number, offset + 1, number, offset + 1 + end_column - column, text))
    if not edits:
        return None
    edits.sort(key=lambda e: (e.line, e.column, e.end_column))
    for first, second in itertools.pairwise(edits):
        start = (second.line, second.column)
        if start < (first.end_line, first.end_column) or start == (first.line, first.column):
            return None  # overlapping, or two edits at one place (their order is unknown)
    return Fix("Apply ShellCheck's suggestion", tuple(edits), safe=False)


def _segment_holding(
    script: Script, line: int, start: int, stop: int, *, prefer_next: bool
) -> tuple[int, int] | None:
    """(source line, 0-based column) of ``start`` when ``start..stop`` lies in one segment. An
    insertion at a seam goes to the following segment when ``prefer_next``."""
    body_line = line - script.header - 1
    if script.lines is None or not 0 <= body_line < len(script.lines):
        return None
    found = None
    for segment in script.lines[body_line]:
        if segment.column <= start and stop <= segment.column + segment.length:
            found = segment.line, segment.source_column + start - segment.column
            if not prefer_next:
                break
    return found
