"""Which files ``dockerlens lint DIR`` lints.

Named files are always linted. Directories are walked for regular files (or links to one)
named ``Dockerfile``, ``Dockerfile.*``, ``*.Dockerfile``, ``*.dockerfile``, ``Containerfile``
and ``Containerfile.*`` (not ``*.dockerignore``, BuildKit's per-Dockerfile ignore files),
skipping ``.git``,
``node_modules`` and whatever the ``.gitignore`` files on the way (and the repository's
``.git/info/exclude``) ignore, with git's own matching rules.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import Any

from dockerlens.errors import UserError

PATTERNS = (
    "Dockerfile",
    "Dockerfile.*",
    "*.Dockerfile",
    "*.dockerfile",
    "Containerfile",
    "Containerfile.*",
)
ALWAYS_SKIPPED = frozenset({".git", "node_modules"})


def is_dockerfile_name(name: str) -> bool:
    # Dockerfile.dockerignore is BuildKit's per-Dockerfile ignore file, not a Dockerfile.
    if name.endswith(".dockerignore"):
        return False
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in PATTERNS)


def discover(targets: list[str]) -> list[str]:
    """Files to lint, in a stable order, without duplicates. ``-`` stays as it is."""
    found: list[str] = []
    seen: set[str] = set()
    for target in targets:
        if target == "-":
            files = ["-"]
        elif os.path.isdir(target):
            files = sorted(_walk(Path(target)), key=lambda p: p.split(os.sep))
        elif os.path.lexists(target):
            files = [target]
        else:
            raise UserError(f"{target}: no such file or directory")
        for path in files:
            key = path if path == "-" else os.path.normpath(os.path.abspath(path))
            if key not in seen:
                seen.add(key)
                found.append(path)
    return found


def _walk(root: Path) -> list[str]:
    ignore = _IgnoreRules(root)
    out = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        ignore.load(here)
        dirs[:] = sorted(
            d for d in dirs if d not in ALWAYS_SKIPPED and not ignore.ignored(here / d, True)
        )
        for name in sorted(files):
            path = here / name
            # Only regular files (or links to one): a FIFO would block the run, and a dangling
            # link is no Dockerfile.
            if is_dockerfile_name(name) and path.is_file() and not ignore.ignored(path, False):
                out.append(os.path.normpath(str(path)))
    return out


class _IgnoreRules:
    """The .gitignore files from the repository root (or the walk's root) down."""

    def __init__(self, root: Path) -> None:
        self.specs: list[tuple[Path, Any]] = []
        resolved = root.resolve()
        top = next((p for p in (resolved, *resolved.parents) if (p / ".git").exists()), None)
        if top is not None:
            self._add(top, top / ".git" / "info" / "exclude")
            # Outer files first: a deeper .gitignore overrides them.
            for folder in reversed(resolved.relative_to(top).parents):
                self._add(top / folder, top / folder / ".gitignore")

    def _add(self, base: Path, path: Path) -> None:
        if not path.is_file():
            return
        import pathspec

        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return
        self.specs.append((base, pathspec.GitIgnoreSpec.from_lines(lines)))

    def load(self, folder: Path) -> None:
        self._add(folder.resolve(), folder / ".gitignore")

    def ignored(self, path: Path, is_dir: bool) -> bool:
        resolved = path.resolve()
        result = False
        for base, spec in self.specs:
            try:
                relative = resolved.relative_to(base).as_posix()
            except ValueError:
                continue
            outcome = spec.check_file(relative + ("/" if is_dir else ""))
            if outcome.include is not None:
                result = outcome.include
        return result
