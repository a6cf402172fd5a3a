"""The result cache: the same findings with and without it, what invalidates an entry, sharing
the folder between runs, and bad entries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dockerlens.cli import cli
from dockerlens.lint import cache, shellcheck_program
from dockerlens.lint.docs import read_doc
from dockerlens.lint.registry import load_registry
from tests.cli_runner import CliRunner
from tests.conftest import IN_CI

EVERYTHING = ("--select", "D,B,SC")  # every rule and engine code, and ShellCheck's


def lint(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["lint", "--no-config", "--format", "json", *args])
    return result.exit_code, result.stdout, result.stderr


def entries(folder: Path, kind: str = "files") -> set[str]:
    where = folder / f"v{cache.FORMAT}" / kind
    return {p.name for p in where.iterdir()} if where.is_dir() else set()


@pytest.fixture
def folder(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    place = tmp_path_factory.mktemp("cache") / "here"  # outside the build contexts linted
    monkeypatch.setenv(cache.ENV_VAR, str(place))
    monkeypatch.chdir(tmp_path)
    return place


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    """Every rule's documented examples, one Dockerfile each (with ShellCheck's and the
    build-context rules' cases among them)."""
    root = tmp_path / "examples"
    for rule in load_registry().classes():
        doc = read_doc(rule)
        for number, text in enumerate([*doc.examples, *doc.counter_examples]):
            path = root / rule.code / str(number) / "Dockerfile"
            path.parent.mkdir(parents=True)
            path.write_text(text, encoding="utf-8")
    (root / "sc").mkdir()
    (root / "sc" / "Dockerfile").write_text(
        "FROM debian\nRUN echo $1 && cd /tmp\nCOPY . /app\nRUN [ -z $X ] && ls *.txt\n",
        encoding="utf-8",
    )
    return root


def test_findings_are_identical_with_and_without_the_cache(folder: Path, examples: Path) -> None:
    cold = lint(*EVERYTHING, "examples")
    assert cold[0] == 1 and json.loads(cold[1])
    stored = entries(folder)
    assert len(stored) >= 100  # one per file
    warm = lint(*EVERYTHING, "examples")
    uncached = lint(*EVERYTHING, "--no-cache", "examples")
    assert warm == cold  # byte for byte
    assert uncached == cold
    assert entries(folder) == stored  # the warm run found every file in the cache


def test_many_files_with_worker_processes_same_findings(folder: Path, examples: Path) -> None:
    from dockerlens.lint.config import CommandLine
    from dockerlens.lint.runner import run_lint

    uncached = run_lint(["examples"], CommandLine(no_config=True, no_cache=True), jobs=2)
    cold = run_lint(["examples"], CommandLine(no_config=True), jobs=2)
    warm = run_lint(["examples"], CommandLine(no_config=True), jobs=2)
    assert cold.run.findings == uncached.run.findings == warm.run.findings
    assert cold.run.sources == warm.run.sources
    assert warm.failed == cold.failed


def test_a_changed_file_or_setting_is_linted_again(folder: Path, tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM debian:latest\nRUN apt-get install curl\n", encoding="utf-8")
    first = json.loads(lint("--no-shellcheck", "Dockerfile")[1])
    assert {f["code"] for f in first} >= {"DL3007", "DL3008"}
    dockerfile.write_text("FROM debian:12\nRUN apt-get install curl\n", encoding="utf-8")
    second = json.loads(lint("--no-shellcheck", "Dockerfile")[1])
    assert "DL3007" not in {f["code"] for f in second}
    ignored = json.loads(lint("--no-shellcheck", "--ignore", "DL3008", "Dockerfile")[1])
    assert "DL3008" not in {f["code"] for f in ignored}
    assert len(entries(folder)) == 3


def test_a_changed_build_context_is_linted_again(folder: Path, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM debian:12\nCOPY notes.txt /\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("x\n", encoding="utf-8")
    assert "BK009" not in lint("--no-shellcheck", "Dockerfile")[1]
    (tmp_path / ".dockerignore").write_text("*.txt\n", encoding="utf-8")
    assert "BK009" in lint("--no-shellcheck", "Dockerfile")[1]
    (tmp_path / ".dockerignore").write_text("*.md\n", encoding="utf-8")
    assert "BK009" not in lint("--no-shellcheck", "Dockerfile")[1]
    (tmp_path / ".env").write_text("TOKEN=1\n", encoding="utf-8")
    (tmp_path / "Dockerfile").write_text("FROM debian:12\nCOPY . /app\n", encoding="utf-8")
    before = lint("--no-shellcheck", "Dockerfile")[1]
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "id_rsa").write_text("key\n", encoding="utf-8")
    after = lint("--no-shellcheck", "Dockerfile")[1]
    assert "id_rsa" in after and "id_rsa" not in before


def test_corrupt_entries_are_misses(folder: Path, examples: Path) -> None:
    cold = lint(*EVERYTHING, "examples")
    for kind in ("files", "scripts"):
        for index, name in enumerate(sorted(entries(folder, kind))):
            garbage = [b"", b"{", b"[1, 2]", b'{"findings": [{"line": "x"}]}', b"\xff\xfe"]
            (folder / f"v{cache.FORMAT}" / kind / name).write_bytes(garbage[index % 5])
    assert lint(*EVERYTHING, "examples") == cold
    assert lint(*EVERYTHING, "examples") == cold  # and the entries were written again


@pytest.mark.parametrize(
    "change",
    [{"line": 99, "end_line": 99}, {"column": 0}, {"line": 2, "end_line": 1}, {"end_column": -3}],
)
def test_an_entry_whose_findings_point_outside_the_file_is_a_miss(
    folder: Path, tmp_path: Path, change: dict[str, int]
) -> None:
    (tmp_path / "Dockerfile").write_text("FROM debian:latest\nUSER 1000\n", encoding="utf-8")
    cold = lint("Dockerfile")
    (name,) = entries(folder)
    path = folder / f"v{cache.FORMAT}" / "files" / name
    entry = json.loads(path.read_bytes())
    entry["findings"][0].update(change)
    path.write_text(json.dumps(entry), encoding="utf-8")
    assert lint("Dockerfile") == cold
    assert json.loads(path.read_bytes())["findings"][0]["line"] == 1  # written again


def test_no_cache_writes_nothing_and_an_unusable_folder_is_no_error(
    folder: Path, tmp_path: Path
) -> None:
    (tmp_path / "Dockerfile").write_text("FROM debian:latest\n", encoding="utf-8")
    assert lint("--no-cache", "Dockerfile")[0] == 1
    assert not folder.exists()
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    status, out, err = lint("--cache-dir", str(blocker / "below"), "Dockerfile")
    assert status == 1 and "DL3007" in out and err == ""


@pytest.mark.parametrize("command", ["lint", "diff"])
def test_an_empty_cache_dir_is_an_error_not_the_current_folder(
    folder: Path, tmp_path: Path, command: str
) -> None:
    (tmp_path / "Dockerfile").write_text("FROM debian:latest\n", encoding="utf-8")
    arguments = ["Dockerfile"] if command == "lint" else ["docker-archive:a.tar", "b:1"]
    result = CliRunner().invoke(cli, [command, "--cache-dir", "", *arguments])
    assert result.exit_code == 2
    assert result.stderr.startswith("dockerlens: error: Invalid value for '--cache-dir'")
    assert "an empty path" in result.stderr and result.stderr.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile"]  # no v1/, no tag


def test_a_folder_the_user_keeps_files_in_is_not_tagged_for_backup_tools(
    folder: Path, tmp_path: Path
) -> None:
    """CACHEDIR.TAG takes the whole folder out of backups: `--cache-dir .` in a project must
    not take the project out of them."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "Dockerfile").write_text("FROM debian:latest\n", encoding="utf-8")
    status, out, _ = lint("--cache-dir", str(project), str(project / "Dockerfile"))
    assert status == 1 and "DL3007" in out
    assert len(entries(project)) == 1  # cached all the same
    assert not (project / "CACHEDIR.TAG").exists()
    fresh = tmp_path / "fresh"
    lint("--cache-dir", str(fresh), str(project / "Dockerfile"))
    assert (fresh / "CACHEDIR.TAG").is_file() and len(entries(fresh)) == 1


def test_cache_dir_setting_and_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(cache.ENV_VAR)
    (tmp_path / "Dockerfile").write_text("FROM debian:latest\n", encoding="utf-8")
    (tmp_path / ".dockerlens.toml").write_text('cache-dir = "build/lint-cache"\n', "utf-8")
    result = CliRunner().invoke(cli, ["lint", "--format", "json", "Dockerfile"])
    assert result.exit_code == 1
    assert len(entries(tmp_path / "build" / "lint-cache")) == 1
    assert (tmp_path / "build" / "lint-cache" / "CACHEDIR.TAG").is_file()
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "from-env"))
    CliRunner().invoke(cli, ["lint", "Dockerfile"])
    assert len(entries(tmp_path / "from-env")) == 1  # the environment wins over the setting
    (tmp_path / ".dockerlens.toml").write_text("cache-dir = 3\n", "utf-8")
    result = CliRunner().invoke(cli, ["lint", "Dockerfile"])
    assert result.exit_code == 2 and "cache-dir: expected a folder path" in result.stderr


def test_two_runs_sharing_the_folder(folder: Path, examples: Path) -> None:
    command = [sys.executable, "-m", "dockerlens", "lint", "--no-config", "--format", "json"]
    command += [*EVERYTHING, "examples"]
    env = {**os.environ, cache.ENV_VAR: str(folder)}
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        for _ in range(3)
    ]
    outputs = [run.communicate() for run in runs]
    expected = subprocess.run(
        [*command, "--no-cache"], capture_output=True, env=env, check=False
    ).stdout
    assert all(run.returncode == 1 for run in runs)
    assert all(out == expected and err == b"" for out, err in outputs)
    after = subprocess.run(command, capture_output=True, env=env, check=False)
    assert after.stdout == expected
    assert not [p for p in (folder / f"v{cache.FORMAT}" / "files").iterdir() if p.suffix != ".json"]


def _lint_a_script_shellcheck_flags(tmp_path: Path) -> None:
    """Lint a Dockerfile whose one RUN ShellCheck flags (SC2086), filling the script cache."""
    if shellcheck_program.find_shellcheck() is None:
        if IN_CI:
            pytest.fail("shellcheck is required in CI")
        pytest.skip("shellcheck is not installed")
    (tmp_path / "Dockerfile").write_text("FROM debian:12\nRUN echo $1\n", encoding="utf-8")
    first = json.loads(lint("Dockerfile")[1])
    assert [f["code"] for f in first if f["code"].startswith("SC")] == ["SC2086"]


def test_shellcheck_is_not_run_again_for_a_script_it_checked(folder: Path, tmp_path: Path) -> None:
    _lint_a_script_shellcheck_flags(tmp_path)
    (script,) = entries(folder, "scripts")
    # The entry is what a later run believes: a changed file with the same RUN reads it.
    path = folder / f"v{cache.FORMAT}" / "scripts" / script
    comments = json.loads(path.read_text("utf-8"))
    comments[0]["message"] = "remembered, not checked again"
    path.write_text(json.dumps(comments), encoding="utf-8")
    (tmp_path / "Dockerfile").write_text("FROM debian:11\nRUN echo $1\n", encoding="utf-8")
    second = json.loads(lint("Dockerfile")[1])
    assert [f["message"] for f in second if f["code"] == "SC2086"] == [
        "remembered, not checked again"
    ]


def test_a_script_entry_is_not_read_by_shellcheck_run_with_other_options(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ShellCheck's comments depend on the options it is run with (the codes excluded, which a
    # new dockerlens may change), not only on the executable and the script.
    _lint_a_script_shellcheck_flags(tmp_path)
    *others, exclude = shellcheck_program.OPTIONS
    monkeypatch.setattr(shellcheck_program, "OPTIONS", (*others, exclude + ",SC2086"))
    (tmp_path / "Dockerfile").write_text("FROM debian:11\nRUN echo $1\n", encoding="utf-8")
    second = json.loads(lint("Dockerfile")[1])
    assert [f["code"] for f in second if f["code"].startswith("SC")] == []


def test_entries_are_read_from_a_cache_that_cannot_be_written(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cache shared read-only (a CI cache mounted read-only, another user's folder): an entry
    # whose time cannot be updated is still a hit.
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM debian\nRUN apt-get install -y curl\n", encoding="utf-8")
    cold = lint("--no-shellcheck", "Dockerfile")
    (entry,) = entries(folder)
    path = folder / f"v{cache.FORMAT}" / "files" / entry
    findings = json.loads(path.read_text("utf-8"))
    findings["findings"][0]["message"] = "read from the cache"
    path.write_text(json.dumps(findings), encoding="utf-8")

    def refused(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Operation not permitted")

    monkeypatch.setattr(cache.os, "utime", refused)
    warm = lint("--no-shellcheck", "Dockerfile")
    assert warm[0] == cold[0]
    assert json.loads(warm[1])[0]["message"] == "read from the cache"


def test_prune_removes_the_least_recently_used(tmp_path: Path) -> None:
    store = cache.Store(tmp_path, "files")
    for index in range(20):
        store.put(f"k{index:02}", {"findings": [], "pad": "x" * 1000})
        os.utime(store.folder / f"k{index:02}.json", ns=(index * 10**9, index * 10**9))
    assert store.get("k00") is not None  # read: now the most recently used
    cache.prune(tmp_path, limit=10_000)
    left = sorted(p.name for p in store.folder.iterdir())
    total = sum(p.stat().st_size for p in store.folder.iterdir())
    assert total <= 7_500 and "k00.json" in left and "k01.json" not in left
    assert "k19.json" in left


def test_a_changed_plugin_rule_file_is_a_miss(folder: Path, tmp_path: Path) -> None:
    source = Path(__file__).parent.parent / "fixtures" / "plugins" / "local_rules" / "every_run.py"
    rule = tmp_path / "lint_rules" / "every_run.py"
    rule.parent.mkdir()
    rule.write_text(source.read_text("utf-8"), encoding="utf-8")
    (tmp_path / ".dockerlens.toml").write_text('plugin-paths = ["lint_rules"]\n', "utf-8")
    (tmp_path / "Dockerfile").write_text("FROM debian:12\nRUN true\nUSER 1\n", "utf-8")
    command = [sys.executable, "-m", "dockerlens", "lint", "--no-shellcheck", "Dockerfile"]

    def messages() -> list[str]:
        out = subprocess.run([*command, "--format", "json"], capture_output=True, check=False)
        return [f["message"] for f in json.loads(out.stdout) if f["code"] == "TST001"]

    assert messages() == ["RUN here"]
    rule.write_text(rule.read_text("utf-8").replace("} here", "} changed"), encoding="utf-8")
    assert messages() == ["RUN changed"]


def test_without_shellcheck_nothing_is_kept_and_the_note_stays(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        shellcheck_program, "default_search_paths", lambda: iter([str(tmp_path / "empty")])
    )
    (tmp_path / "Dockerfile").write_text("FROM debian:12\nRUN echo $1\n", encoding="utf-8")
    for _ in range(2):
        result = CliRunner().invoke(cli, ["lint", "--no-config", "Dockerfile"])
        assert "ShellCheck not found" in result.stdout
    assert entries(folder) == set()
    CliRunner().invoke(cli, ["lint", "--no-config", "--no-shellcheck", "Dockerfile"])
    assert len(entries(folder)) == 1  # its findings do not depend on ShellCheck


def test_a_changed_file_in_the_build_context_is_linted_again(folder: Path, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        'FROM debian:12\nCOPY entrypoint.sh /\nENTRYPOINT ["/entrypoint.sh"]\n', "utf-8"
    )
    script = tmp_path / "entrypoint.sh"
    script.write_text('#!/bin/sh\nexec "$@"\n', encoding="utf-8")
    assert "DK301" in lint("--no-shellcheck", "--extend-select", "DK301", "Dockerfile")[1]
    script.write_text('#!/bin/sh\nexec gosu app "$@"\n', encoding="utf-8")
    # It drops privileges now.
    assert "DK301" not in lint("--no-shellcheck", "--extend-select", "DK301", "Dockerfile")[1]


def test_a_changed_inferred_build_context_is_linted_again(folder: Path, tmp_path: Path) -> None:
    # Built from the repository root (`docker build -f src/Api/Dockerfile .`): the context is
    # inferred from what the file copies, a folder the lookup cannot know before linting.
    (tmp_path / ".git").mkdir()
    api = tmp_path / "src" / "Api"
    api.mkdir(parents=True)
    (api / "entrypoint.sh").write_text("#!/bin/sh\n", encoding="utf-8")
    dockerfile = api / "Dockerfile"
    dockerfile.write_text(
        "FROM node:22-slim\nCOPY src/Api/entrypoint.sh /\nWORKDIR /app\nCOPY . .\n", "utf-8"
    )
    (tmp_path / ".dockerignore").write_text(".git\nnode_modules\n", encoding="utf-8")

    def dk208() -> list[str]:
        report = json.loads(lint("--no-shellcheck", "src/Api/Dockerfile")[1])
        return [f["message"] for f in report if f["code"] == "DK208"]

    assert dk208() == []
    assert len(entries(folder)) == 1
    assert dk208() == []  # from the cache
    (tmp_path / ".dockerignore").unlink()  # at the inferred context's root, not beside the file
    [message] = dk208()
    assert "build context assumed: ./, the folder holding the files" in message


def test_an_ignore_file_above_the_assumed_context_is_part_of_the_key(
    folder: Path, tmp_path: Path
) -> None:
    # DK208 does not judge an assumed context without an ignore file below a folder that has
    # one: that file, outside the context, decides the finding too.
    (tmp_path / ".git").mkdir()
    api = tmp_path / "src" / "Api"
    api.mkdir(parents=True)
    (api / "Program.cs").write_text("", encoding="utf-8")
    (api / "Dockerfile").write_text("FROM alpine:3.20\nCOPY . /app\n", encoding="utf-8")
    (api / ".venv").mkdir()

    def dk208() -> int:
        report = json.loads(lint("--no-shellcheck", "src/Api/Dockerfile")[1])
        return sum(f["code"] == "DK208" for f in report)

    (tmp_path / ".dockerignore").write_text(".git\n", encoding="utf-8")
    assert dk208() == 0
    (tmp_path / ".dockerignore").unlink()
    assert dk208() == 1
    (tmp_path / ".dockerignore").write_text(".git\n", encoding="utf-8")
    assert dk208() == 0


def test_a_cache_folder_inside_the_build_context_is_not_part_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(cache.ENV_VAR, "lint-cache")
    (tmp_path / "Dockerfile").write_text("FROM debian:12\nCOPY . /app\n", encoding="utf-8")
    first = lint("--no-shellcheck", "Dockerfile")
    stored = entries(tmp_path / "lint-cache")
    assert len(stored) == 1
    assert lint("--no-shellcheck", "Dockerfile") == first
    assert entries(tmp_path / "lint-cache") == stored  # found, not linted and stored again


def test_fix_never_reads_an_entry(folder: Path, tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM debian:12\nMAINTAINER Jane\n", encoding="utf-8")
    assert lint("--no-shellcheck", "Dockerfile")[0] == 1
    (name,) = entries(folder)
    # A planted entry: a plain run believes it, --fix and --diff must lint the text themselves.
    path = folder / f"v{cache.FORMAT}" / "files" / name
    entry = json.loads(path.read_text("utf-8"))
    (maintainer,) = [f for f in entry["findings"] if f["code"] == "DL4000"]
    maintainer["fix"]["edits"][0]["text"] = "LABEL planted=1"
    path.write_text(json.dumps(entry), encoding="utf-8")
    assert "planted" in lint("--no-shellcheck", "Dockerfile")[1]
    status, diff, _ = lint("--no-shellcheck", "--diff", "Dockerfile")
    assert status == 1 and "planted" not in diff and 'LABEL maintainer="Jane"' in diff
    lint("--no-shellcheck", "--fix", "Dockerfile")
    assert dockerfile.read_text("utf-8") == 'FROM debian:12\nLABEL maintainer="Jane"\n'
    assert entries(folder) == {name}  # --fix stored nothing
    after = json.loads(lint("--no-shellcheck", "Dockerfile")[1])
    assert "DL4000" not in {f["code"] for f in after}  # the fixed text, linted and stored
    assert len(entries(folder)) == 2


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_named_pipe_is_never_opened_by_the_cache(folder: Path, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM debian:latest\n", encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.Dockerfile")  # opening it would wait for a writer for ever
    command = [sys.executable, "-m", "dockerlens", "lint", "--no-config", "--no-shellcheck"]
    command += ["--format", "json", "Dockerfile", "pipe.Dockerfile"]
    env = {**os.environ, cache.ENV_VAR: str(folder)}
    for _ in range(2):  # cold, then warm
        # The timeout only turns a hang into a failure: a run takes well under a second.
        run = subprocess.run(command, capture_output=True, env=env, timeout=300, check=False)
        assert run.returncode == 2
        found = {(f["path"], f["code"]) for f in json.loads(run.stdout)}
        assert found == {("Dockerfile", "DL3007"), ("pipe.Dockerfile", "DK900")}
    assert len(entries(folder)) == 1  # the readable file, stored once


def test_a_bake_file_naming_a_context_above_the_dockerfile_is_part_of_the_key(
    folder: Path, tmp_path: Path
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "Dockerfile").write_text("FROM php-base\n", encoding="utf-8")

    def dl3006() -> int:
        report = json.loads(lint("--no-shellcheck", "docker/Dockerfile")[1])
        return sum(f["code"] == "DL3006" for f in report)

    assert dl3006() == 1
    bake = tmp_path / "docker-bake.hcl"
    bake.write_text(
        'target "app" {\n  dockerfile = "docker/Dockerfile"\n'
        '  contexts = {\n    php-base = "docker-image://php:${PHP}-zts"\n  }\n}\n',
        encoding="utf-8",
    )
    assert dl3006() == 0
    bake.write_text('target "app" {\n  dockerfile = "docker/Dockerfile"\n}\n', encoding="utf-8")
    assert dl3006() == 1


def test_a_yarnrc_above_the_dockerfile_is_part_of_the_key(folder: Path, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "package.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "Dockerfile").write_text(
        "FROM node:20-alpine\nWORKDIR /w\nCOPY ./ ./\nRUN yarn install --immutable\n",
        encoding="utf-8",
    )

    def dl3060() -> int:
        report = json.loads(lint("--no-shellcheck", "api/Dockerfile")[1])
        return sum(f["code"] == "DL3060" for f in report)

    assert dl3060() == 1
    yarnrc = tmp_path / ".yarnrc.yml"
    yarnrc.write_text("enableGlobalCache: false\n", encoding="utf-8")
    assert dl3060() == 0
    yarnrc.write_text("enableGlobalCache: true\n", encoding="utf-8")
    assert dl3060() == 1
