"""The files a build of the dockerlens package needs, copied out of the repository so that a
test's build writes nothing (build/, egg-info) into the worktree."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_SOURCES = ("pyproject.toml", "README.md", "dockerlens", "rules")


def copy_sources(target: Path, names: tuple[str, ...] = PACKAGE_SOURCES) -> Path:
    """Copy ``names`` (files or folders of the repository root) into ``target``; returns it."""
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
            )
        else:
            shutil.copy2(source, target / name)
    return target
