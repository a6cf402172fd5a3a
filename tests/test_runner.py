"""The parallel runner: worker processes started with fork, spawn or forkserver find (and fix)
what one process finds, in the same order, rules from ``plugin-paths`` and files that cannot be
read included; a worker that cannot read its share is an error, never a stalled run."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import subprocess
import sys
import threading
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from dockerlens.errors import UserError
from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.config import CommandLine, ConfigResolver, FileSettings
from dockerlens.lint.engine import EnabledRule
from dockerlens.lint.findings import Finding
from dockerlens.lint.registry import load_registry
from dockerlens.lint.runner import PARALLEL_MIN_FILES, Fixing, Outcome, run_lint, start_method
from tests.conftest import FIXTURES
from tests.test_lint_cli import project as empty_project

__all__ = ["empty_project"]  # the fixture: an empty project folder as the current directory

METHODS = [
    m for m in ("fork", "spawn", "forkserver") if m in multiprocessing.get_all_start_methods()
]

#: A local rule that says which process imported its module and which one ran it.
WHERE_RULE = '''
import os

from dockerlens.lint import Category, Problem, Rule, Severity

IMPORTED_IN = os.getpid()


class WhereAmI(Rule):
    """Reports the process that imported it and the one that checks."""

    code = "TST002"
    name = "where-am-i"
    severity = Severity.INFO
    category = Category.STYLE
    on = frozenset({"FROM"})

    def check(self, step, ctx):
        yield Problem(step, message=f"imported in {IMPORTED_IN}, checked in {os.getpid()}")
'''

RUN = "FROM debian:12\nRUN echo $x && cd /tmp\nUSER 10001\n"
LATEST = "FROM debian:latest\nUSER 10001\n"


@pytest.fixture
def project(empty_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Files enough for worker processes, linted with rules from two plugin folders."""
    monkeypatch.delenv("DOCKERLENS_START_METHOD", raising=False)
    root = empty_project
    (root / "where").mkdir()
    (root / "where" / "where_am_i.py").write_text(WHERE_RULE)
    local_rules = FIXTURES / "plugins" / "local_rules"
    (root / ".dockerlens.toml").write_text(
        f'plugin-paths = ["where", {json.dumps(str(local_rules))}]\n'
        '[rules.every-run]\nword = "a RUN"\n'
    )
    for index in range(PARALLEL_MIN_FILES * 2):
        path = root / f"s{index:02}" / "Dockerfile"
        path.parent.mkdir()
        path.write_text(RUN if index % 2 else LATEST)
    # A folder with its own configuration (no plugins, DL3007 off), in the middle of the run.
    (root / "s10" / ".dockerlens.toml").write_text('ignore = ["DL3007"]\n')
    return root


def where(message: str) -> tuple[int, int]:
    match = re.fullmatch(r"imported in (\d+), checked in (\d+)", message)
    assert match is not None, message
    return int(match[1]), int(match[2])


def comparable(findings: list[Finding]) -> list[object]:
    """Findings as two runs agree on them: TST002's messages hold process ids."""
    return [(f.path, f.line, f.code) if f.code == "TST002" else f for f in findings]


@pytest.mark.parametrize("method", METHODS)
def test_workers_find_what_one_process_finds(project: Path, method: str) -> None:
    alone = run_lint(["."], CommandLine(no_cache=True), jobs=1)
    shared = run_lint(["."], CommandLine(), jobs=2, start_method=method)

    assert comparable(shared.run.findings) == comparable(alone.run.findings)
    assert shared.run.files == alone.run.files and shared.failed == alone.failed
    assert shared.run.notes == alone.run.notes
    assert shared.run.sources == alone.run.sources

    tst001 = [f.path for f in shared.run.findings if f.code == "TST001"]
    runs = [f"s{i:02}/Dockerfile" for i in range(1, PARALLEL_MIN_FILES * 2, 2) if i != 10]
    assert tst001 == runs  # a plugin-paths rule, with its option, in every file but s10's
    assert {f.message for f in shared.run.findings if f.code == "TST001"} == {"a RUN here"}
    assert "s10/Dockerfile" not in [f.path for f in shared.run.findings]

    places = [where(f.message) for f in shared.run.findings if f.code == "TST002"]
    assert len(places) == PARALLEL_MIN_FILES * 2 - 1
    workers = {checked for _, checked in places}
    assert len(workers) == 2 and os.getpid() not in workers
    if method == "fork":  # the worker has the parent's modules
        assert {imported for imported, _ in places} == {os.getpid()}
    else:  # the worker loaded the plugin folder itself
        assert all(imported == checked for imported, checked in places)

    # What the workers found was stored in the result cache: a second run reads it back (the
    # workers' process ids in TST002's messages included) and starts no worker.
    warm = run_lint(["."], CommandLine(), jobs=2, start_method=method)
    assert warm.run.findings == shared.run.findings
    assert warm.run.notes == shared.run.notes


def with_extra_rule(monkeypatch: pytest.MonkeyPatch, rule: type[Rule]) -> None:
    """Every file's settings get ``rule`` too."""
    original = ConfigResolver.for_file

    def for_file(self: ConfigResolver, path: Path) -> FileSettings:
        found = original(self, path)
        rules = (*found.settings.rules, EnabledRule.of(rule, None, Severity.INFO))
        return found._replace(settings=found.settings.replace(rules=rules))

    monkeypatch.setattr(ConfigResolver, "for_file", for_file)


class Nowhere(Rule):
    """Defined in a module only the test process has."""

    code = "TST003"
    name = "nowhere"
    severity = Severity.INFO
    category = Category.STYLE


def test_a_worker_that_cannot_read_its_share_is_an_error(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = types.ModuleType("dockerlens_test_only_here")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(Nowhere, "__module__", module.__name__)
    module.Nowhere = Nowhere  # type: ignore[attr-defined]
    with_extra_rule(monkeypatch, Nowhere)
    with pytest.raises(UserError, match="a worker process could not load the rules: ModuleNot"):
        run_lint(["."], CommandLine(), jobs=2, start_method="spawn")


def test_a_rule_no_other_process_can_name_is_run_in_this_one(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Local(Rule):
        """A class inside a function: pickle cannot name it."""

        code = "TST004"
        name = "local"
        severity = Severity.INFO
        category = Category.STYLE
        on = frozenset({"USER"})

        def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
            yield Problem(step, message=f"checked in {os.getpid()}")

    with_extra_rule(monkeypatch, Local)
    alone = run_lint(["."], CommandLine(no_cache=True), jobs=1)
    shared = run_lint(["."], CommandLine(), jobs=2, start_method="spawn")
    assert shared.run.findings == alone.run.findings
    local = {f.message for f in shared.run.findings if f.code == "TST004"}
    assert local == {f"checked in {os.getpid()}"}


def test_a_plugin_that_fails_to_load_in_a_worker_is_an_error(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "where" / "picky.py").write_text(
        "import os\n"
        "if os.getpid() != int(os.environ['DOCKERLENS_TEST_PARENT']):\n"
        "    raise RuntimeError('not in this process')\n"
    )
    monkeypatch.setenv("DOCKERLENS_TEST_PARENT", str(os.getpid()))
    with pytest.raises(UserError, match=r"picky.py: local rule plugin failed to load: Runtime"):
        run_lint(["."], CommandLine(), jobs=2, start_method="spawn")


def test_workers_load_only_the_plugin_folders_of_the_run(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A folder an earlier run in this process loaded (an editor server, say), which a worker
    # could not load: no file of this run is linted with its rules.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "picky.py").write_text(
        "import os\n"
        "if os.getpid() != int(os.environ['DOCKERLENS_TEST_PARENT']):\n"
        "    raise RuntimeError('not in this process')\n"
    )
    monkeypatch.setenv("DOCKERLENS_TEST_PARENT", str(os.getpid()))
    load_registry([elsewhere])
    shared = run_lint(["."], CommandLine(), jobs=2, start_method="spawn")
    assert "TST001" in {f.code for f in shared.run.findings}


def test_the_start_method(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCKERLENS_START_METHOD", raising=False)
    if sys.platform.startswith("linux"):
        assert start_method() == "fork"
        stop = threading.Event()
        thread = threading.Thread(target=stop.wait)
        thread.start()
        try:  # a fork would copy one thread of a threaded process
            assert start_method() == "spawn"
        finally:
            stop.set()
            thread.join()
    else:
        assert start_method() == "spawn"
    monkeypatch.setenv("DOCKERLENS_START_METHOD", "Spawn")
    assert start_method() == "spawn"
    monkeypatch.setenv("DOCKERLENS_START_METHOD", "thread")
    with pytest.raises(UserError, match=r"DOCKERLENS_START_METHOD=thread: not a start method"):
        start_method()


def test_the_lint_command_under_spawn(project: Path) -> None:
    def lint(method: str) -> tuple[int, list[dict[str, object]]]:
        env = {**os.environ, "DOCKERLENS_START_METHOD": method}
        done = subprocess.run(
            [sys.executable, "-m", "dockerlens", "lint", "--format", "json", "."],
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.stderr == ""
        findings = json.loads(done.stdout)
        return done.returncode, [f for f in findings if f["code"] != "TST002"]

    status, spawned = lint("spawn")
    assert (status, spawned) == lint("fork")
    assert status == 1 and "TST001" in {f["code"] for f in spawned}


def test_a_warm_run_under_spawn_prints_what_the_workers_found(
    program: str, project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The cold run's spawned workers store their results; the warm run reads them back: the
    same JSON byte for byte, TST002's process ids of the cold run's workers included."""
    env = {
        **os.environ,
        "DOCKERLENS_START_METHOD": "spawn",
        "DOCKERLENS_CACHE_DIR": str(tmp_path_factory.mktemp("spawn-cache")),
    }

    def lint(*options: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "dockerlens", "lint", "--format", "json", *options, "."]
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        assert done.stderr == "" and done.returncode == 1
        return done

    cold = lint()
    checked_in = {where(f["message"])[1] for f in json.loads(cold.stdout) if f["code"] == "TST002"}
    assert len(checked_in) == 2  # two spawned workers linted the files
    assert lint().stdout == cold.stdout
    # Linted again (new workers), the messages differ: the equality above is the cache's.
    assert lint("--no-cache").stdout != cold.stdout


#: Safe fixes (DL4000, DL3020) and ShellCheck's unsafe one (SC2086's quotes).
FIXABLE = "FROM debian:12.7\nMAINTAINER Jane\nADD app.py /app/\nRUN echo $HOME\nUSER 10001\n"
SAFELY_FIXED = (
    'FROM debian:12.7\nLABEL maintainer="Jane"\nCOPY app.py /app/\nRUN echo $HOME\nUSER 10001\n'
)
UNSAFELY_FIXED = SAFELY_FIXED.replace("echo $HOME", 'echo "$HOME"')


def fixable_project(project: Path) -> list[Path]:
    """Every file of ``project`` fixable; s05's file cannot be read (not UTF-8)."""
    paths = sorted(project.glob("s*/Dockerfile"))
    for path in paths:
        path.write_text(FIXABLE)
    (project / "s05" / "Dockerfile").write_bytes(b"FROM debian:12.7\nMAINTAINER \xff\n")
    return paths


def fixes(outcome: Outcome) -> list[tuple[str, str, str, str, int]]:
    return [(f.path, f.shown, f.original, f.text, f.fixed) for f in outcome.fixes]


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("method", METHODS)
def test_workers_fix_what_one_process_fixes(
    program: str, project: Path, method: str, unsafe: bool
) -> None:
    paths = fixable_project(project)
    alone = run_lint(["."], CommandLine(), jobs=1, fixing=Fixing(unsafe))
    shared = run_lint(["."], CommandLine(), jobs=2, fixing=Fixing(unsafe), start_method=method)
    assert fixes(shared) == fixes(alone)
    assert shared.run.fixed == alone.run.fixed
    assert comparable(shared.run.findings) == comparable(alone.run.findings)
    assert shared.run.notes == alone.run.notes
    assert shared.exit_code == alone.exit_code == 2  # s05's file: DK900

    # Each pass is linted again inside the worker, ShellCheck included (its fix is unsafe).
    expected = UNSAFELY_FIXED if unsafe else SAFELY_FIXED
    assert {f.text for f in shared.fixes} == {expected}
    assert len(shared.fixes) == len(paths) - 1
    assert os.path.join("s05", "Dockerfile") not in [f.path for f in shared.fixes]
    unreadable = [(f.path, f.code) for f in shared.unreadable]
    assert unreadable == [(os.path.join("s05", "Dockerfile"), "DK900")]
    assert all(path.read_text() == FIXABLE for path in paths if path.parent.name != "s05")


def test_the_lint_command_fixes_under_spawn(program: str, project: Path) -> None:
    paths = fixable_project(project)
    env = {**os.environ, "DOCKERLENS_START_METHOD": "spawn"}

    def lint(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "dockerlens", "lint", "--unsafe-fixes", *args, "."]
        return subprocess.run(command, env=env, capture_output=True, text=True)

    diff = lint("--diff")
    assert diff.returncode == 2  # s05's file cannot be read
    assert diff.stdout.count('+LABEL maintainer="Jane"') == len(paths) - 1
    assert all(path.read_text() == FIXABLE for path in paths if path.parent.name != "s05")

    fixed = lint("--fix")
    assert fixed.returncode == 2, fixed.stderr
    assert (
        fixed.stderr
        == "dockerlens: error: s05/Dockerfile:2: not valid UTF-8 (byte 0xff at offset 28)\n"
    )
    assert f"Fixed {3 * (len(paths) - 1)} problems in {len(paths) - 1} files." in fixed.stdout
    assert all(path.read_text() == UNSAFELY_FIXED for path in paths if path.parent.name != "s05")

    again = lint("--fix")
    assert "Fixed 0 problems in 0 files." in again.stdout
