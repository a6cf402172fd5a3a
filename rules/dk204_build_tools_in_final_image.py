from __future__ import annotations

import contextlib
import os
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import SHELLS, has_flag
from dockerlens.lint.context import NO_CONTEXT
from dockerlens.lint.layers import context_file, workdirs
from dockerlens.lint.packages import Invocation, at_command, invocations, pick_at
from dockerlens.semantics.managers import SYSTEM_MANAGERS, by_program

_COMPILERS = frozenset(
    {
        "gcc",
        "g++",
        "gcc-c++",
        "c++",
        "clang",
        "llvm",
        "gfortran",
        "build-essential",
        "build-base",
        "alpine-sdk",
        "musl-dev",
        "linux-headers",
        "libc6-dev",
        "libc-dev",
        "glibc-devel",
        "kernel-headers",
        "golang",
        "golang-go",
        "go",
        "rustc",
        "cargo",
        "nasm",
        "yasm",
    }
)
_VERSIONED_COMPILER = LazyPattern(r"^(gcc|g\+\+|clang|llvm|gfortran|cpp)-?\d+(\.\d+)*$")
_GROUPS = frozenset({"Development Tools", "development", "devel_basis", "devel_C_C++"})
#: The system package managers, by the programs they run as.
_SYSTEM = by_program(tuple(m for m in SYSTEM_MANAGERS if m.remove_verbs))
_INSTALLERS = {program: record.install_verbs for program, record in _SYSTEM.items()}
_REMOVERS = {program: record.remove_verbs for program, record in _SYSTEM.items()}


def _value_options(invocation: Invocation) -> frozenset[str]:
    record = _SYSTEM.get(invocation.name)
    return record.value_options if record is not None else frozenset()


def package_name(word: str) -> str:
    """The package a word names, without version (``gcc=4:12.2``, ``gcc~12``), architecture
    or release (``gcc:amd64``, ``gcc/bookworm``)."""
    return re.split(r"[=~<>:/]", word, maxsplit=1)[0]


def is_build_tool(word: str) -> bool:
    name = package_name(word)
    return (
        name in _COMPILERS
        or _VERSIONED_COMPILER.match(name) is not None
        or name.endswith(("-dev", "-devel"))
        or word in _GROUPS
    )


class _Install(NamedTuple):
    invocation: Invocation
    tools: list[str]
    #: apk's ``--virtual NAME``: the group ``apk del NAME`` removes.
    virtual: str | None


def _subcommand(invocation: Invocation, table: dict[str, tuple[str, ...]]) -> str | None:
    wanted = table.get(invocation.name)
    if not wanted:
        return None
    words = [w.text for w in invocation.operands(_value_options(invocation))]
    if invocation.name in ("yum", "dnf") and words[:2] in (
        ["group", "install"],
        ["groups", "install"],
    ):
        return "groupinstall"
    return next((w for w in words if w in wanted), None)


def _install(invocation: Invocation) -> _Install | None:
    sub = _subcommand(invocation, _INSTALLERS)
    if sub is None:
        return None
    words = [w.text for w in invocation.operands(_value_options(invocation))]
    packages = words[words.index(sub) + 1 :] if sub in words else words
    tools = [w for w in packages if w not in ("install", "group", "groups") and is_build_tool(w)]
    if not tools:
        return None
    virtual = None
    args = list(invocation.args)
    for index, arg in enumerate(args):
        if arg in ("-t", "--virtual") and index + 1 < len(args):
            virtual = args[index + 1]
        elif arg.startswith("--virtual="):
            virtual = arg.split("=", 1)[1]
    return _Install(invocation, tools, virtual)


def _removed(install: _Install, later: list[Invocation]) -> set[str]:
    """The build tools of ``install`` that a later command of the RUN removes."""
    gone: set[str] = set()
    marked_auto = False
    for invocation in later:
        if invocation.name == "apt-mark" and invocation.has("auto"):
            marked_auto = True
        sub = _subcommand(invocation, _REMOVERS)
        if sub is None:
            continue
        words = {package_name(w.text) for w in invocation.operands(_value_options(invocation))}
        if install.virtual is not None and install.virtual in words:
            return set(install.tools)
        automatic = sub == "autoremove" or has_flag(invocation.command, "auto-remove")
        if marked_auto and automatic:
            # `apt-mark auto '.*'; apt-mark manual $saved; apt-get purge --auto-remove`.
            return set(install.tools)
        gone |= {tool for tool in install.tools if package_name(tool) in words}
    return gone


#: Files that say the context holds an application whose dependencies get installed.
MANIFESTS = frozenset(
    {
        "package.json",
        "package-lock.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "requirements.txt",
        "pyproject.toml",
        "poetry.lock",
        "Pipfile",
        "Pipfile.lock",
        "setup.py",
        "uv.lock",
        "Gemfile",
        "Gemfile.lock",
        "composer.json",
        "composer.lock",
        "go.mod",
        "go.sum",
        "Cargo.toml",
        "Cargo.lock",
        "pom.xml",
        "build.gradle",
        "build.gradle.kts",
        "mix.exs",
        "CMakeLists.txt",
        "Makefile",
    }
)


#: Folders whose Dockerfiles build images for development, tests or documentation, which
#: are not shipped and often compile at run time (a fuzzing server, `make installcheck`).
_DEVELOPMENT_FOLDERS = frozenset(
    {".devcontainer", "dev", "test", "tests", "testing", "e2e", "fuzz", "docs"}
)
#: ``Dockerfile.dev``, ``dev.Dockerfile``, ``Dockerfile-test``, ``Dockerfile.proptests``...
_DEVELOPMENT_NAME = LazyPattern(
    r"(?:^|[.\-_])(?:dev|devel|development|devcontainer"
    r"|(?:unit|prop|integration|smoke|e2e)?tests?|testing|e2e|fuzz|fuzzing)(?:[.\-_]|$)"
)


def _development_image(path: str) -> bool:
    """The Dockerfile's folders (inside the working directory, or its last two: the folders
    above a project, `/home/dev`, say nothing) or name mark an image not shipped."""
    shown = path
    if os.path.isabs(path):
        with contextlib.suppress(ValueError):  # another drive, on Windows
            shown = os.path.relpath(path)
        if os.path.isabs(shown) or shown.startswith(".."):
            shown = "/".join(path.replace("\\", "/").split("/")[-3:])
    *folders, name = shown.replace("\\", "/").lower().split("/")
    return bool(_DEVELOPMENT_FOLDERS.intersection(folders)) or bool(_DEVELOPMENT_NAME.search(name))


#: Suffixes of a production variant beside a Dockerfile (``Dockerfile.server.production``).
_PRODUCTION_SUFFIXES = (".production", ".prod", "-production", "-prod", "_production", "_prod")


def _has_production_variant(path: str) -> bool:
    """A production variant lies beside the Dockerfile (``Dockerfile.server`` and
    ``Dockerfile.server.production``): this one is the development image."""
    if path in NO_CONTEXT:
        return False
    here = Path(path)
    return any(here.with_name(here.name + suffix).is_file() for suffix in _PRODUCTION_SUFFIXES)


def builds_application(ctx: LintContext) -> bool:
    """The image runs an application built from the context: it sets a `CMD` or
    `ENTRYPOINT`, and copies in the whole context, a source directory or a dependency
    manifest. Toolchain, CI and base images, which copy scripts and configuration at most or
    leave the command to their users, are not."""
    runs = any(
        s.keyword in ("CMD", "ENTRYPOINT") and s.instruction.sub_cmd is None for s in ctx.steps
    )
    if not runs:
        return False
    for step in ctx.steps:
        if step.keyword not in ("COPY", "ADD") or step.instruction.sub_cmd is not None:
            continue
        if step.flag("from") is not None:
            continue
        for source in step.expanded[:-1]:
            folder, _, name = source.rstrip("/").rpartition("/")
            if name == "*" and folder not in ("", "."):
                name = folder.rsplit("/", 1)[-1]  # `scripts/build/*`: what the folder holds
            if source.startswith(("http://", "https://", "git@", "<<")):
                continue
            if name in ("", ".", "*", "src", "app", "lib", "cmd") or name in MANIFESTS:
                return True
            if name.startswith("requirements") and name.endswith(".txt"):
                return True
    return False


#: A command of a start script that builds or installs from source: the image compiles when
#: it starts (``pip install -e .``, ``make``), so it needs its build tools.
_BUILDS = LazyPattern(
    r"(?:^|[;&|]|\bthen\b|\bdo\b)\s*(?:sudo\s+)?(?:pip3?\s+install|python3?\s+-m\s+pip\s+install"
    r"|python3?\s+setup\.py\s+(?:build|develop|install)|make(?:\s|$)|cmake\s|gcc\s|g\+\+\s"
    r"|cargo\s+build|go\s+build|npm\s+(?:ci|install)|bundle\s+install"
    r"|(?:\./)?(?:mvnw?|gradlew?)\s|ant\s|sbt\s|dotnet\s+(?:build|publish))",
    re.MULTILINE,
)
_MAX_SCRIPT_BYTES = 64 * 1024


def _started_scripts(words: list[str]) -> list[str]:
    """The shell script a start command runs: the program itself (``/a/runtime.sh``,
    ``./start``), or the first operand of a shell (``bash start.sh``)."""
    if not words:
        return []
    program = words[0]
    if posixpath.basename(program) in SHELLS:
        operands = [w for w in words[1:] if not w.startswith("-")]
        return operands[:1] if operands and operands[0].endswith(".sh") else []
    name = posixpath.basename(program)
    if name.endswith(".sh") or ("/" in program and "." not in name):
        return [program]
    return []


def compiles_at_start(ctx: LintContext) -> bool:
    """The `CMD` or `ENTRYPOINT` runs a script of the build context that builds or installs
    (`pip install -e .`, `make`): the image compiles when it starts."""
    cwds = workdirs(ctx)
    for step in ctx.steps:
        if step.keyword not in ("CMD", "ENTRYPOINT") or step.instruction.sub_cmd is not None:
            continue
        for word in _started_scripts(" ".join(step.expanded).split()):
            path = posixpath.normpath(posixpath.join(cwds.get(step.index, "/"), word))
            found = context_file(ctx, step, path)
            if found is None:
                continue
            try:
                with found.open("rb") as stream:
                    text = stream.read(_MAX_SCRIPT_BYTES).decode("utf-8", "replace")
            except OSError:
                continue
            if _BUILDS.search(text):
                return True
    return False


class BuildToolsInFinalImage(Rule):
    """A single-stage image installs compilers or `-dev` packages and ships them.

    ## What it does
    In a Dockerfile with one stage, flags a `RUN` whose package manager (`apt-get`, `apk`,
    `yum`, `dnf`, `microdnf`, `zypper`) installs build tools: compilers (`gcc`, `g++`,
    `clang`, `build-essential`, `build-base`, `golang`, `rustc`...), C library headers
    (`musl-dev`, `linux-headers`, `libc6-dev`), any `-dev`/`-devel` package, or the
    "Development Tools" group, unless the same `RUN` removes them again (by name, through
    apk's `--virtual` group, or with `apt-mark auto` and `apt-get purge --auto-remove`).
    Only application images are checked: the Dockerfile sets a `CMD` or `ENTRYPOINT` and
    copies in the whole context (`COPY . .`), a source directory (`src/`, `app/`...), or a
    dependency manifest (`requirements.txt`, `package.json`, `go.mod`, `Gemfile`,
    `pom.xml`...). Toolchain, CI and base images ship their tools on purpose and are
    skipped; so are images for development, tests and documentation, which are not shipped
    and often compile at run time: Dockerfiles under a `.devcontainer`, `dev`, `test`,
    `tests`, `testing`, `e2e`, `fuzz` or `docs` folder, or named for it (`Dockerfile.dev`,
    `dev.Dockerfile`, `Dockerfile.test`, `Dockerfile.proptests`, `fuzz.Dockerfile`), or
    with a production variant beside them (`Dockerfile.server` next to
    `Dockerfile.server.production`); and images whose `CMD` or `ENTRYPOINT` runs a script of
    the build context that builds or installs at start (`pip install -e .`, `make`), which
    need their tools when they run.

    ## Why is this bad?
    A compiler and its headers are needed to build, not to run: `build-essential` alone adds
    about 250 MB to a Debian image, and every `-dev` package brings headers and static
    libraries the application never opens. They also widen what an attacker finds in a
    running container. Removing them in a later `RUN` frees nothing: layers are immutable,
    and the packages stay in the layer that installed them.

    A multi-stage build installs the tools in a build stage and copies only the result (a
    binary, a virtualenv, wheels) into a slim final stage; the final image never holds them.
    Where one stage must do it all, install, build and remove in a single `RUN`.

    ## Example
    ```dockerfile lines=3
    FROM python:3.12-slim
    RUN apt-get update \\
     && apt-get install -y --no-install-recommends gcc libpq-dev \\
     && rm -rf /var/lib/apt/lists/*
    COPY requirements.txt .
    RUN pip install --no-cache-dir -r requirements.txt
    CMD ["python", "-m", "app"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim AS build
    RUN apt-get update \\
     && apt-get install -y --no-install-recommends gcc libpq-dev \\
     && rm -rf /var/lib/apt/lists/*
    COPY requirements.txt .
    RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt

    FROM python:3.12-slim
    RUN apt-get update \\
     && apt-get install -y --no-install-recommends libpq5 \\
     && rm -rf /var/lib/apt/lists/*
    RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \\
        pip install --no-cache-dir /wheels/*
    CMD ["python", "-m", "app"]
    ```

    ```dockerfile
    FROM alpine:3.20
    RUN apk add --no-cache --virtual .build-deps gcc musl-dev \\
     && pip install --no-cache-dir psycopg2==2.9.9 \\
     && apk del .build-deps
    ```

    ## Not reported
    A Dockerfile that already has several stages: its final stage was chosen, and may need
    the tools (a CI or SDK image). This rule is a heuristic (severity info): an image whose
    purpose is to compile things, such as a toolchain or CI image, ships its compilers
    rightly; ignore the rule there.
    """

    code = "DK204"
    name = "build-tools-in-final-image"
    severity = Severity.INFO
    category = Category.BLOAT
    message = "Build tools installed in the only stage ship with the image: use a build stage"
    on = frozenset({"RUN"})
    reads_build_context = True
    run_mentions = frozenset(_INSTALLERS)

    def __init__(self, options: object = None) -> None:
        super().__init__(options)
        self._application: bool | None = None

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        if len(ctx.stages) != 1 or step.instruction.sub_cmd is not None:
            return
        if _development_image(ctx.path) or _has_production_variant(ctx.path):
            return
        if self._application is None:
            self._application = builds_application(ctx) and not compiles_at_start(ctx)
        if not self._application:
            return
        calls = invocations(step)
        for invocation in calls:
            install = _install(invocation)
            if install is None:
                continue
            later = [c for c in calls if c.position > invocation.position]
            kept = [t for t in install.tools if t not in _removed(install, later)]
            if not kept:
                continue
            shown = ", ".join(f"`{package_name(t)}`" for t in kept[:4])
            more = f" and {len(kept) - 4} more" if len(kept) > 4 else ""
            message = (
                f"{shown}{more} (build tools) ship with this single-stage image: install "
                "them in a build stage and copy only what it builds"
            )
            at = pick_at(ctx, step, kept[0]) or at_command(ctx, step, invocation)
            yield Problem(step, message=message, at=at)
            return
