"""The pre-commit hook, run by pre-commit itself, as a user's ``.pre-commit-config.yaml`` would:
``repo:`` this checkout, ``rev:`` a commit, ``hooks: [{id: dockerlens}]``, in a scratch git
repository.

pre-commit builds the hook's virtualenv from the repository (``pip install`` of it, dependencies
from PyPI), which takes a while; it keeps it in its store (PRE_COMMIT_HOME). The tests share one
store for the session, so the environment is built once and every later run reuses it.
(``pre-commit try-repo`` cannot share: it makes a temporary store of its own on each run, which
is why the suite used to install the hook twice.)

The repository handed to pre-commit is a snapshot of the working tree as the suite sees it: a
temporary repository of every tracked and untracked, not ignored file, committed. A
half-committed tree (a tracked module importing a new, untracked one) is therefore tested as the
editable install the rest of the suite runs; on a clean clone (CI) it is exactly HEAD. These
tests are never skipped: pre-commit is in the ``test`` extra.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dockerlens.lint.discover import NOT_DOCKERFILE_SUFFIXES, is_dockerfile_name

ROOT = Path(__file__).resolve().parent.parent
#: The first run installs the checkout and its dependencies: minutes on a slow machine.
TIMEOUT = 1200
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "dockerlens tests",
    "GIT_AUTHOR_EMAIL": "tests@dockerlens.invalid",
    "GIT_COMMITTER_NAME": "dockerlens tests",
    "GIT_COMMITTER_EMAIL": "tests@dockerlens.invalid",
}


@pytest.fixture(scope="session")
def precommit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, precommit_home: Path) -> Path:
    """The working tree (tracked and untracked files, less ignored ones) as a committed repo."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    target = tmp_path_factory.mktemp("hook-repo")
    for name in sorted(set(listed.stdout.decode().split("\0")) - {""}):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is left out
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    env = _env(precommit_home)
    for command in (
        ["git", "init", "-q"],
        ["git", "add", "-A"],
        ["git", "commit", "-q", "--no-gpg-sign", "-m", "working tree snapshot"],
    ):
        subprocess.run(command, cwd=target, env=env, check=True, capture_output=True)
    return target


@pytest.fixture(scope="session")
def hook_config(hook_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's .pre-commit-config.yaml naming the hook at the snapshot's commit."""
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=hook_repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    config = tmp_path_factory.mktemp("pre-commit-config") / ".pre-commit-config.yaml"
    config.write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {commit}\n    hooks:\n      - id: dockerlens\n",
        encoding="utf-8",
    )
    return config


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


def _run_hook(config: Path, repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--config", str(config), "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
    )


def _show(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def test_hook_fails_on_a_problem_and_names_the_rule(
    hook_config: Path, precommit_home: Path, tmp_path: Path
) -> None:
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
            "man/Dockerfile.5.md": "FROM debian:latest\n",
        },
        env,
    )
    result = _run_hook(hook_config, repo, env)
    output = result.stdout + result.stderr
    assert result.returncode == 1, _show(result)
    assert "Failed" in output and "- hook id: dockerlens" in output, _show(result)
    assert "DL3007" in output, _show(result)
    for name in ("build/Dockerfile.dev", "api.Dockerfile", "worker.dockerfile", "Containerfile"):
        assert name in output, f"{name} not linted\n{_show(result)}"
    assert "Dockerfile.dockerignore" not in output, _show(result)
    assert "notes.txt" not in output, _show(result)
    assert "Dockerfile.5.md" not in output, _show(result)


def test_the_hook_leaves_out_the_suffixes_folder_walks_leave_out() -> None:
    hook = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))[0]
    exclude = re.compile(hook["exclude"])
    for suffix in NOT_DOCKERFILE_SUFFIXES:
        assert exclude.search(f"docs/Dockerfile.{suffix}"), suffix
        assert not is_dockerfile_name(f"Dockerfile.{suffix}"), suffix
    assert not exclude.search("Dockerfile.dev") and is_dockerfile_name("Dockerfile.dev")


def test_hook_passes_on_a_clean_dockerfile(
    hook_config: Path, precommit_home: Path, tmp_path: Path
) -> None:
    env = _env(precommit_home)
    repo = _scratch_repo(
        tmp_path / "repo",
        {
            "Dockerfile": "FROM debian:12.5-slim\nUSER 65534\n",
            "README.md": "scratch\n",
            # The file passes hadolint; dockerlens's own rule families keep growing, so they are
            # left out here (which also checks that the hook reads the project's config).
            ".dockerlens.toml": 'ignore = ["BK", "DK"]\n',
        },
        env,
    )
    result = _run_hook(hook_config, repo, env)
    assert result.returncode == 0, _show(result)
    assert "Passed" in result.stdout, _show(result)
