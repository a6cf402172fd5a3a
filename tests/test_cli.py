from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dockerlens.cli import cli
from tests.cli_runner import CliRunner

from .conftest import FIXTURES

EXAMPLE = str(FIXTURES / "examples" / "Dockerfile")


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_parse_json_contract() -> None:
    code, out, _ = run("parse", "--format", "json", EXAMPLE)
    assert code == 0
    (entry,) = json.loads(out)
    assert entry["path"] == EXAMPLE and entry["error"] is None
    first = entry["instructions"][0]
    assert set(first) >= {
        "cmd",
        "sub_cmd",
        "json",
        "flags",
        "value",
        "start_line",
        "end_line",
        "heredocs",
        "original",
    }
    heredoc_run = next(i for i in entry["instructions"] if i["heredocs"])
    assert heredoc_run["heredocs"][0]["name"] == "EOF"


def test_parse_reports_parse_errors_with_exit_1() -> None:
    code, out, _ = run(
        "parse", "--format", "json", str(FIXTURES / "parser" / "error_json_not_strings.Dockerfile")
    )
    assert code == 1
    assert json.loads(out)[0]["error"]["line"] == 2


def test_parse_reads_stdin() -> None:
    code, out, _ = run("parse", "-", stdin="FROM alpine\nRUN true\n")
    assert code == 0 and "<stdin>:2-2: RUN" in out


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing", "no such file"),
        (lambda p: p, "is a directory"),
        (lambda p: _write(p / "bin", b"FROM a\n\0\x01"), "binary file"),
        (lambda p: _write(p / "latin1", b"FROM a\nLABEL x=\xe9\n"), ":2: not valid UTF-8"),
        (lambda p: _write(p / "big", b"# x\n" * (2 * 1024 * 1024)), "larger than 4 MiB"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, make, message) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    for command in ("parse", "graph"):
        code, out, err = run(command, str(path))
        assert code == 2, (command, out, err)
        assert err.startswith("dockerlens: error: ") and message in err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_graph_formats_and_target() -> None:
    code, out, _ = run("graph", "--format", "json", "--target", "build", EXAMPLE)
    assert code == 0
    data = json.loads(out)
    assert data["files"][0]["needed_stages"] == [0]
    assert data["files"][0]["unused_stages"] == [1]
    assert run("graph", EXAMPLE)[1].startswith("digraph")
    assert run("graph", "--format", "mermaid", EXAMPLE)[1].startswith("flowchart")
    code, _, err = run("graph", "--target", "nope", EXAMPLE)
    assert code == 2 and "no stage named 'nope'" in err


def test_graph_build_order(tmp_path: Path) -> None:
    (tmp_path / "base").write_text("FROM debian:12\n")
    (tmp_path / "app").write_text("FROM acme/base\n")
    code, out, _ = run(
        "graph",
        "--format",
        "json",
        "--image",
        f"{tmp_path / 'base'}=acme/base",
        str(tmp_path / "app"),
        str(tmp_path / "base"),
    )
    assert code == 0
    assert json.loads(out)["build_order"] == [str(tmp_path / "base"), str(tmp_path / "app")]
    code, _, err = run("graph", "--image", "nonsense", str(tmp_path / "app"))
    assert code == 2 and "NAME=VALUE" in err


def test_help_explains() -> None:
    code, out, _ = run("--help")
    assert code == 0 and "parse" in out and "graph" in out and "Exit codes" in out
    code, out, _ = run("parse", "--help")
    assert code == 0 and "--format" in out and "--dialect" in out


def test_console_script_runs_without_importing_networkx() -> None:
    probe = (
        "import sys; from dockerlens.cli import cli\n"
        f"try:\n    cli(['parse', {EXAMPLE!r}])\nexcept SystemExit:\n    pass\n"
        "assert 'networkx' not in sys.modules, 'parse imported networkx'\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _main(*setup: str) -> subprocess.CompletedProcess[str]:
    """``dockerlens.cli.main`` in a process of its own, after ``setup`` lines of Python."""
    probe = "\n".join(["import sys", "from dockerlens import cli", *setup, "cli.main()"])
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)


def test_the_console_script_exits_with_the_commands_status_and_all_its_output(
    tmp_path: Path,
) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM debian\n" + "MAINTAINER someone\n" * 2000, encoding="utf-8")
    args = ["dockerlens", "lint", "--no-config", "--no-cache", "--format", "json", str(dockerfile)]
    done = _main(
        "import atexit",
        "atexit.register(lambda: print('exit handler ran', file=sys.stderr))",
        f"sys.argv = {args!r}",
    )
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)  # more than a pipe holds: flushed whole before the exit
    assert len(findings) > 2000
    assert done.stderr.endswith("exit handler ran\n")
    done = _main(f"sys.argv = ['dockerlens', 'lint', {str(tmp_path / 'missing')!r}]")
    assert done.returncode == 2 and "no such file" in done.stderr
    done = _main("cli.cli = lambda args: sys.exit('it broke')")
    assert done.returncode == 1 and done.stderr == "it broke\n"
    done = _main("sys.argv = ['dockerlens', '--version']")
    assert done.returncode == 0 and done.stdout.startswith("dockerlens, version")


def test_a_profiled_run_ends_the_ordinary_way_so_the_profile_is_written(tmp_path: Path) -> None:
    profile = tmp_path / "run.prof"
    done = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "dockerlens", "--version"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert profile.stat().st_size > 0


def test_graph_build_order_from_project_config(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "Dockerfile").write_text("FROM debian:12\n")
    (tmp_path / "app.Dockerfile").write_text("FROM registry.local/base:1\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dockerlens.images]\n"base/Dockerfile" = "registry.local/base:1"\n'
    )
    monkeypatch.chdir(tmp_path)
    code, out, err = run("graph", "--format", "json", "app.Dockerfile", "base/Dockerfile")
    assert code == 0, err
    assert json.loads(out)["build_order"] == ["base/Dockerfile", "app.Dockerfile"]
    (tmp_path / "pyproject.toml").write_text("[tool.dockerlens]\nimages = 3\n")
    code, _, err = run("graph", "app.Dockerfile")
    assert code == 2 and "tool.dockerlens.images must be a table" in err


def test_options_may_follow_the_paths_and_a_double_dash_ends_them(tmp_path: Path) -> None:
    dockerfile = tmp_path / "-odd.Dockerfile"
    dockerfile.write_text("FROM debian:12\nUSER 1000\n", encoding="utf-8")
    code, out, err = run("parse", EXAMPLE, "--format", "json")
    assert code == 0 and json.loads(out)[0]["path"] == EXAMPLE, err
    code, out, err = run("parse", "--format", "json", "--", str(dockerfile))
    assert code == 0 and json.loads(out)[0]["path"] == str(dockerfile), err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["parse", "--format"], "Option '--format' requires an argument"),
        (["lint", "--fix=yes", "x"], "Option '--fix' does not take a value"),
        (["lint", "--formt", "json"], "No such option '--formt'. Did you mean --format?"),
        (["lint", "--shellcheck-timeout", "soon"], "'soon' is not a valid float"),
        (["lint", "--failure-threshold", "loud"], "'loud' is not one of 'error', 'warning'"),
        (["lint", "--context", "/nonexistent/dir"], "Directory '/nonexistent/dir' does not"),
        (["analyze", "--jobs", "0", "x"], "'-j' / '--jobs': 0 is not in the range 1<=x<=64"),
        (["analyze", "--tls-verify=maybe", "x"], "'maybe' is not a valid boolean"),
        (["diff", "a"], "Missing argument 'TO' (see 'dockerlens diff --help')"),
        (["diff", "a", "b", "c", "d"], "Got unexpected extra arguments (c d)"),
        (["lsp", "extra"], "Got unexpected extra argument (extra) (see 'dockerlens lsp --help')"),
    ],
)
def test_usage_errors_say_what_is_wrong_in_one_line(args: list[str], message: str) -> None:
    code, out, err = run(*args)
    assert code == 2 and out == "", (out, err)
    assert err.startswith("dockerlens: error: ") and err.count("\n") == 1, err
    assert message in err, err


def test_choices_given_in_another_case_where_the_option_allows_it(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM debian:12\nUSER 1000\n", encoding="utf-8")
    code, _, err = run("lint", "--no-config", "--failure-threshold", "ERROR", str(tmp_path))
    assert code == 0, err
    code, _, err = run("lint", "--format", "JSON", str(tmp_path))
    assert code == 2 and "'JSON' is not one of" in err


def test_the_version_and_each_commands_help() -> None:
    code, out, _ = run("-V")
    assert code == 0 and out.startswith("dockerlens, version ")
    code, out, _ = run("lint", "-h")
    assert code == 0 and out.startswith("Usage: dockerlens lint [OPTIONS] [PATH|DIR|-]...")
    words = " ".join(out.split())  # as wrapped to the terminal's width
    assert "--shellcheck / --no-shellcheck" in words and "[env var: DOCKERLENS_CACHE_DIR]" in words
    assert "[default: text]" in words and "Show this message and exit." in words
    code, out, _ = run("analyze", "--help")  # help before the missing IMAGE is noticed
    assert code == 0 and "Usage: dockerlens analyze [OPTIONS] IMAGE..." in out
    assert "[default: 8; 1<=x<=64]" in " ".join(out.split())
    code, out, _ = run("--help")
    assert code == 0 and "Commands:\n  analyze " in out and "  lint     Lint Dockerfiles." in out


def test_the_cache_folder_from_the_environment_unless_empty(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM debian:12\nUSER 1000\n", encoding="utf-8")
    folder = tmp_path / "cache"
    result = CliRunner().invoke(
        cli,
        ["lint", "--no-config", "--no-shellcheck", str(tmp_path / "Dockerfile")],
        env={"DOCKERLENS_CACHE_DIR": str(folder)},
    )
    assert result.exit_code == 0 and folder.is_dir(), result.output
    result = CliRunner().invoke(
        cli, ["lint", "--no-config", str(tmp_path / "Dockerfile")], env={"DOCKERLENS_CACHE_DIR": ""}
    )
    assert result.exit_code == 0, result.output


def test_a_thread_still_working_at_the_end_is_let_finish(tmp_path: Path) -> None:
    done_file = tmp_path / "done"
    done = _main(
        "import threading, time",
        f"late = lambda: (time.sleep(0.3), open({str(done_file)!r}, 'w'))",
        "threading.Thread(target=late).start()",
        "sys.argv = ['dockerlens', '--version']",
    )
    assert done.returncode == 0, done.stderr
    assert done_file.exists()
