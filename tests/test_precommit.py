"""The pre-commit hook, run by pre-commit itself: ``pre-commit try-repo <this checkout> dockerlens``
in a scratch git repository.

try-repo builds the hook's virtualenv from this checkout (``pip install`` of it, dependencies from
PyPI), so each run takes a while. It uses the checkout's HEAD, plus the uncommitted changes to
tracked files (it commits them into a temporary clone, "Creating temporary repo with uncommitted
changes..."); untracked files are left out. try-repo keeps its environments in a temporary store of
its own, not under PRE_COMMIT_HOME, so each run installs afresh whatever PRE_COMMIT_HOME says: the
module still points PRE_COMMIT_HOME at one temporary folder so that nothing lands in the user's
cache. These tests are never skipped: pre-commit is in the ``test`` extra.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: One try-repo run installs the checkout and its dependencies: minutes on a slow machine.
TIMEOUT = 1200
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "dockerlens tests",
    "GIT_AUTHOR_EMAIL": "tests@dockerlens.invalid",
    "GIT_COMMITTER_NAME": "dockerlens tests",
    "GIT_COMMITTER_EMAIL": "tests@dockerlens.invalid",
}


def _tracked(path: str) -> bool:
    listed = subprocess.run(
        ["git", "ls-files", "--", path], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return bool(listed.stdout.strip())


# The hook runs `dockerlens lint` with its default text report. Until that reporter is committed
# (try-repo ignores untracked files) the command crashes before printing: the tests are expected
# to fail then (strict: an unexpected pass is an error). Once it is committed the condition is
# false and they are plain tests; drop this mark then.
pytestmark = pytest.mark.xfail(
    not _tracked("dockerlens/lint/report/text.py"),
    reason="the text reporter (dockerlens/lint/report/text.py) is not committed yet",
    strict=True,
)


@pytest.fixture(scope="module")
def precommit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_IDENTITY)
    env["PRE_COMMIT_HOME"] = str(home)
    env["PRE_COMMIT_COLOR"] = "never"
    env["NO_COLOR"] = "1"
    return env


def _scratch_repo(path: Path, files: dict[str, str], env: dict[str, str]) -> Path:
    path.mkdir()
    for name, text in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for command in (
        ["git", "init", "-q"],
        ["git", "add", "--", *files],
        ["git", "commit", "-q", "--no-gpg-sign", "-m", "scratch"],
    ):
        subprocess.run(command, cwd=path, env=env, check=True, capture_output=True)
    return path


def _try_repo(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "dockerlens", "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
    )


def _show(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def test_hook_fails_on_a_problem_and_names_the_rule(precommit_home: Path, tmp_path: Path) -> None:
    env = _env(precommit_home)
    repo = _scratch_repo(
        tmp_path / "repo",
        {
            # Every name pattern the hook covers, each with the same problem.
            "Dockerfile": "FROM debian:latest\n",
            "build/Dockerfile.dev": "FROM debian:latest\n",
            "api.Dockerfile": "FROM debian:latest\n",
            "worker.dockerfile": "FROM debian:latest\n",
            "Containerfile": "FROM debian:latest\n",
            # Not Dockerfiles: left alone.
            "Dockerfile.dockerignore": "FROM debian:latest\n",
            "notes.txt": "FROM debian:latest\n",
        },
        env,
    )
    result = _try_repo(repo, env)
    output = result.stdout + result.stderr
    assert result.returncode == 1, _show(result)
    assert "Failed" in output and "- hook id: dockerlens" in output, _show(result)
    assert "DL3007" in output, _show(result)
    for name in ("build/Dockerfile.dev", "api.Dockerfile", "worker.dockerfile", "Containerfile"):
        assert name in output, f"{name} not linted\n{_show(result)}"
    assert "Dockerfile.dockerignore" not in output, _show(result)
    assert "notes.txt" not in output, _show(result)


def test_hook_passes_on_a_clean_dockerfile(precommit_home: Path, tmp_path: Path) -> None:
    env = _env(precommit_home)
    repo = _scratch_repo(
        tmp_path / "repo",
        {"Dockerfile": "FROM debian:12.5\nRUN echo hello\n", "README.md": "scratch\n"},
        env,
    )
    result = _try_repo(repo, env)
    assert result.returncode == 0, _show(result)
    assert "Passed" in result.stdout, _show(result)
