from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import mounts
from dockerlens.lint.context import NO_CONTEXT
from dockerlens.lint.layers import ignore_patterns, matcher_of
from dockerlens.lint.packages import Invocation, at_command, invocations

#: Sources that copy the whole build context.
WHOLE_CONTEXT = frozenset({".", "./", "*", "./*", "/"})
_INFO_FLAGS = frozenset({"--version", "-v", "-V", "--help", "-h"})


def copies_whole_context(step: Step) -> bool:
    if step.keyword not in ("COPY", "ADD") or step.flag("from") is not None:
        return False
    return any(source in WHOLE_CONTEXT for source in step.expanded[:-1])


def _operands(invocation: Invocation) -> list[str]:
    return [word.text for word in invocation.operands()]


def _bare(invocation: Invocation) -> bool:
    return not _operands(invocation) and not any(a in _INFO_FLAGS for a in invocation.args)


def _npm(inv: Invocation) -> bool:
    if inv.name != "npm":
        return False
    words = _operands(inv)
    if not words:
        return False
    if words[0] in ("ci", "clean-install", "install-clean"):
        return True
    # `npm install` of the manifest, not of named packages.
    return words[0] in ("install", "i") and len(words) == 1


def _yarn(inv: Invocation) -> bool:
    return inv.name == "yarn" and (_bare(inv) or _operands(inv)[:1] == ["install"])


def _pnpm(inv: Invocation) -> bool:
    if inv.name != "pnpm":
        return False
    words = _operands(inv)
    return words[:1] == ["fetch"] or words == ["install"] or words == ["i"]


def _pip(inv: Invocation) -> bool:
    is_pip = inv.name.startswith("pip") and inv.name not in ("pipenv", "pipx")
    is_module = inv.name.startswith("python") and inv.has("pip")
    return (is_pip or is_module) and inv.has("install") and inv.has("-r", "--requirement")


def _uv(inv: Invocation) -> bool:
    if inv.name != "uv":
        return False
    words = _operands(inv)
    return words[:1] == ["sync"] or (words[:2] == ["pip", "install"] and inv.has("-r"))


def _go(inv: Invocation) -> bool:
    if inv.name != "go":
        return False
    words = _operands(inv)
    if words[:2] == ["mod", "download"]:
        return True
    return words[:1] in (["build"], ["install"]) and not any("@" in w for w in words[1:])


def _cargo(inv: Invocation) -> bool:
    # `cargo chef cook` (cargo-chef) builds the dependencies from a recipe of the manifests.
    return _is("cargo", "build", "b", "fetch", "install")(inv) or (
        inv.name == "cargo" and _operands(inv)[:2] == ["chef", "cook"]
    )


def _is(name: str, *subcommands: str, bare: bool = False) -> Callable[[Invocation], bool]:
    def test(inv: Invocation) -> bool:
        if inv.name != name:
            return False
        return (bare and _bare(inv)) or _operands(inv)[:1] in ([s] for s in subcommands)

    return test


class Installer(NamedTuple):
    name: str
    installs: Callable[[Invocation], bool]
    #: What to copy before installing.
    manifests: str
    #: A cache mount whose target holds one of these keeps a re-run cheap.
    cache_fragments: tuple[str, ...]
    #: Without this file in the context there is nothing to download (Go, Cargo).
    needs: str | None = None
    #: With this file in the context (and not kept out by .dockerignore) the build reads
    #: committed copies of the dependencies instead of downloading them (Go's vendor/).
    vendored: str | None = None


INSTALLERS: tuple[Installer, ...] = (
    Installer("npm", _npm, "package.json package-lock.json", (".npm",)),
    Installer("yarn", _yarn, "package.json yarn.lock", ("yarn",)),
    Installer("pnpm", _pnpm, "package.json pnpm-lock.yaml", ("pnpm",)),
    Installer("pip", _pip, "the requirements file", (".cache/pip", "/root/.cache")),
    Installer(
        "poetry", _is("poetry", "install", "sync"), "pyproject.toml poetry.lock", (".cache",)
    ),
    Installer("pipenv", _is("pipenv", "install", "sync"), "Pipfile Pipfile.lock", (".cache",)),
    Installer("uv", _uv, "pyproject.toml uv.lock", (".cache/uv", "/root/.cache")),
    Installer("bundler", _is("bundle", "install", bare=True), "Gemfile Gemfile.lock", ("bundle",)),
    Installer(
        "composer", _is("composer", "install", "i"), "composer.json composer.lock", ("composer",)
    ),
    Installer(
        "go",
        _go,
        "go.mod go.sum",
        ("go-build", "pkg/mod"),
        needs="go.sum",
        vendored="vendor/modules.txt",
    ),
    Installer(
        "cargo",
        _cargo,
        "Cargo.toml Cargo.lock",
        ("cargo", "registry", "target"),
        needs="Cargo.lock",
    ),
)


class CopyAllBeforeInstall(Rule):
    """The whole build context is copied before a dependency install, so any change re-runs it.

    ## What it does
    Flags the first dependency install of each package manager in a stage when it comes after
    a `COPY . <dest>` (or `ADD`, or `*`) of the whole build context in that stage, and no
    install of that manager ran before the copy. Recognised installs: `npm ci`/`npm install`
    (without package names), `yarn`/`yarn install`, `pnpm install`/`fetch`,
    `pip install -r`, `poetry install`, `pipenv install`/`sync`, `uv sync`,
    `uv pip install -r`, `bundle install`, `composer install`, `go mod download`,
    `go build`/`install`, `cargo build`/`fetch`/`install` (and `cargo chef cook`, which builds
    the dependencies from cargo-chef's recipe of the manifests).

    ## Why is this bad?
    BuildKit reuses a cached layer only while everything before it is unchanged, and a
    `COPY` is unchanged only when every file it copies is. Copying the whole context first
    ties the install to every source file: one edited line re-runs the install, downloads
    every dependency again and builds a new, identical dependency layer, which registries and
    nodes must store and pull once more. Copying only the manifest and lock file first keeps
    the install cached until the dependencies themselves change.

    ## Example
    ```dockerfile lines=4
    FROM node:22-slim
    WORKDIR /app
    COPY . .
    RUN npm ci --omit=dev
    CMD ["node", "server.js"]
    ```

    ```dockerfile lines=4
    FROM python:3.12-slim
    WORKDIR /app
    COPY . .
    RUN pip install --no-cache-dir -r requirements.txt
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN npm ci --omit=dev
    COPY . .
    CMD ["node", "server.js"]
    ```

    ```dockerfile
    FROM python:3.12-slim
    WORKDIR /app
    COPY requirements.txt .
    RUN pip install --no-cache-dir -r requirements.txt
    COPY . .
    ```

    ## Not reported
    - An install whose `RUN` has a BuildKit cache mount for that manager's cache: the re-run
      then finds every download in the cache and costs little.
    - Go and Cargo builds when the context (the Dockerfile's directory) is known and has no
      `go.sum` / `Cargo.lock`: without dependencies there is nothing to download.
    - `go build` / `go install` when the context has a committed `vendor/modules.txt` that
      `.dockerignore` does not keep out: Go then builds from the vendored copies and downloads
      nothing (unless `-mod=mod` or `-mod=readonly` says otherwise).
    - `ONBUILD` instructions, which run in other builds.

    This is a heuristic about build speed, hence severity info.
    """

    code = "DK205"
    reads_build_context = True
    name = "copy-all-before-install"
    severity = Severity.INFO
    category = Category.BLOAT
    message = "Dependencies are installed after the whole context is copied: copy lock files first"
    on = frozenset({"RUN"})
    # Each installer's test names its program (pip: also `python -m pip`).
    run_mentions = frozenset(
        {"npm", "yarn", "pnpm", "pip", "poetry", "uv", "bundle", "composer", "go", "cargo"}
    )

    def __init__(self, options: object = None) -> None:
        super().__init__(options)
        #: (stage, manager) pairs already reported or installed before the whole copy.
        self._done: set[tuple[int, str]] = set()
        self._whole: dict[int, Step | None] = {}

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        stage = ctx.stage_of(step)
        if stage is None or step.instruction.sub_cmd is not None:
            return
        if stage.index not in self._whole:  # the stage's first copy of the whole context
            self._whole[stage.index] = next(
                (
                    other
                    for other in ctx.stage_steps(stage)
                    if other.instruction.sub_cmd is None and copies_whole_context(other)
                ),
                None,
            )
        whole = self._whole[stage.index]
        if whole is None:
            return  # no copy of the whole context in this stage: nothing to report in it
        if whole.index >= step.index:
            whole = None
        calls = invocations(step)
        for installer in INSTALLERS:
            key = (stage.index, installer.name)
            if key in self._done:
                continue
            found = next((c for c in calls if installer.installs(c)), None)
            if found is None:
                continue
            self._done.add(key)
            if (
                whole is None
                or self._cached(step, installer)
                or self._nothing_to_download(ctx, installer, found)
            ):
                continue
            message = (
                f"`{installer.name}` installs dependencies after `{whole.keyword}` of the whole "
                f"context at line {whole.line}: any change re-runs it; copy "
                f"{installer.manifests} first, install, then copy the rest"
            )
            yield Problem(step, message=message, at=at_command(ctx, step, found))

    def _cached(self, step: Step, installer: Installer) -> bool:
        return any(
            mount.type == "cache" and any(f in mount.target for f in installer.cache_fragments)
            for mount in mounts(step)
        )

    def _nothing_to_download(
        self, ctx: LintContext, installer: Installer, found: Invocation
    ) -> bool:
        folder = context_dir(ctx)
        if folder is None:
            return False
        if installer.needs is not None and not (folder / installer.needs).exists():
            return True
        return installer.vendored is not None and _uses_vendored(ctx, folder, installer, found)


def _uses_vendored(ctx: LintContext, folder: Path, installer: Installer, found: Invocation) -> bool:
    """Go builds from a committed vendor/ by default; `go mod download` and `-mod=mod` or
    `-mod=readonly` read the module cache instead."""
    assert installer.vendored is not None
    if _operands(found)[:1] == ["mod"] or any(
        arg in ("-mod=mod", "-mod=readonly") for arg in found.args
    ):
        return False
    if not (folder / installer.vendored).is_file():
        return False
    matcher = matcher_of(ignore_patterns(ctx, folder))
    return matcher is None or not matcher.matches(installer.vendored)


def context_dir(ctx: LintContext) -> Path | None:
    """The build context, taken as the Dockerfile's directory; None without a file."""
    if ctx.path in NO_CONTEXT:
        return None
    folder = Path(ctx.path).parent
    return folder if folder.is_dir() else None
