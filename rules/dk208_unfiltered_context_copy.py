from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step, option, yarn
from dockerlens.lint.context import NO_CONTEXT
from dockerlens.lint.dockerignore import PatternMatcher, ignore_file_above
from dockerlens.lint.layers import (
    BuildContextOptions,
    build_context,
    ignore_patterns,
    matcher_of,
)

#: Sources that copy the whole build context.
WHOLE_CONTEXT = frozenset({".", "./", "*", "./*", "/"})
#: Manifests that say a directory of installed dependencies will sit next to them.
_NODE_MANIFESTS = ("package.json",)
#: Names virtualenvs are usually given (a directory holding `pyvenv.cfg` is one whatever its
#: name).
_VENV_NAMES = (".venv", "venv")


def whole_context_source(step: Step) -> str | None:
    """The source that copies the whole context (as written), if any."""
    if step.flag("from") is not None:
        return None
    for written, source in zip(step.instruction.value, step.expanded[:-1], strict=False):
        if source in WHOLE_CONTEXT:
            return written
    return None


def expected_exclusions(context: Path) -> list[str]:
    """What the context holds that an image should not: the Git directory, installed Node
    modules (or a manifest saying they will be there), virtualenvs."""
    found: list[str] = []
    if (context / ".git").exists():
        found.append(".git")
    if (context / "node_modules").exists() or (
        any((context / m).is_file() for m in _NODE_MANIFESTS) and not _plug_n_play(context)
    ):
        found.append("node_modules")
    try:
        entries = sorted(p for p in context.iterdir() if p.is_dir())
    except OSError:
        entries = []
    for entry in entries:
        if entry.name in _VENV_NAMES or (entry / "pyvenv.cfg").is_file():
            found.append(entry.name)
    return found


def _plug_n_play(context: Path) -> bool:
    """A Yarn project installing with Plug'n'Play, which makes no ``node_modules``."""
    settings = yarn.project_settings(context)
    return settings is not None and yarn.plug_n_play(settings)


#: ``git`` as a command or a package name (``apk add git``, ``git describe``, ``git=1:2.39``).
_GIT_WORD = LazyPattern(r"(?<![\w./-])git(?=$|[\s;&|)=\"'])")


def _runs_git(ctx: LintContext, step: Step) -> bool:
    """The stage installs or runs git: the build may read the Git directory (a version from
    ``git describe``), which an ignore file must then let through."""
    stage = ctx.stage_of(step)
    return stage is not None and any(
        other.keyword == "RUN" and _GIT_WORD.search(" ".join(other.instruction.value))
        for other in ctx.stage_steps(stage)
    )


#: A Node package manager named in a RUN (`npm ci`, `yarn install`, `corepack pnpm i`).
_NODE_INSTALLER = LazyPattern(r"(?<![\w./-])(?:npm|yarn|pnpm|bun)(?=$|[\s;&|)\"'])")
#: Node itself, or a package's program run from ``node_modules`` (`npx cypress install`).
_NODE_RUNNER = LazyPattern(r"(?<![\w./-])(?:node|npx)(?=$|[\s;&|)\"'])")


def _runs_copied_node_modules(ctx: LintContext) -> bool:
    """The file runs Node (a RUN, CMD or ENTRYPOINT with ``node`` or ``npx``) and no RUN runs
    a Node package manager: the image runs with the ``node_modules`` the context holds
    (installed before the build), which an ignore file must then let through."""
    texts = [
        (step.keyword, " ".join(step.instruction.value))
        for step in ctx.steps
        if step.keyword in ("RUN", "CMD", "ENTRYPOINT")
    ]
    return any(_NODE_RUNNER.search(text) for _, text in texts) and not any(
        keyword == "RUN" and _NODE_INSTALLER.search(text) for keyword, text in texts
    )


class _Ignore(NamedTuple):
    #: The ignore file's patterns; None when there is no ignore file.
    matcher: PatternMatcher | None
    #: Candidates the context holds.
    present: list[str]
    #: Which build context the finding assumes, for its message.
    assumed: str
    #: No ignore file in an assumed context, but one in a folder above it.
    uncertain: bool = False


class UnfilteredContextCopy(Rule):
    """`COPY .` copies the context with no `.dockerignore` keeping `.git` or `node_modules` out.

    ## What it does
    Flags the first `COPY .` (or `ADD .`, `COPY *`) of the whole build context when the build
    context (the Dockerfile's directory unless `lint --context DIR`, the `build-context`
    setting or the `context` option says otherwise, or a `docker-bake.hcl` target or a Compose
    service around it builds it with another `context`, or unless files the Dockerfile copies are
    missing there and all found in a folder above it, up to the repository root: then that
    folder, as for `docker build -f src/Api/Dockerfile .`; a folder holding nothing but
    Dockerfiles is taken for one built from the repository root; the message names the one
    assumed)
    has no ignore file
    (`<Dockerfile>.dockerignore` next to the Dockerfile, else `.dockerignore` at the root of
    the context), or has one that does not exclude what it holds among:

    - `.git`, when the context has one;
    - `node_modules`, when it exists or a `package.json` says it will (not in a Yarn project
      whose `.yarnrc.yml` installs with Plug'n'Play, which makes none);
    - virtualenvs: `.venv`, `venv`, or any directory holding a `pyvenv.cfg`;
    - every path listed in the `must-exclude` option, whether it exists or not.

    A context with no ignore file is reported only when it holds one of these. `.git` is left
    out when the stage installs or runs `git`: the build may read it (`git describe` for a
    version stamp), so excluding it would break the build. `node_modules` is left out when the
    file runs Node (`node`, `npx`) and no `RUN` runs a Node package manager (`npm`, `yarn`,
    `pnpm`, `bun`): the image then runs with the modules installed before the build.

    When the context is assumed (no `--context`) and has no ignore file, but a folder above it
    (up to the repository root) has a `.dockerignore`, nothing is reported: such a Dockerfile
    is most often built from that folder (`docker build -f packaging/docker/Dockerfile .`);
    give `--context` to have it judged.

    The ignore file is matched with Docker's own rules (`!` exceptions included), and a
    `COPY --exclude=` pattern counts too. Files read from standard input have no context and
    are not checked.

    ## Why is this bad?
    Everything in the context is sent to the builder and written into the `COPY` layer. The
    Git history can be larger than the code and holds every secret ever committed, even ones
    deleted since; `node_modules` and virtualenvs are built for the host (another OS, another
    libc) and overwrite or bloat what the image installs itself; all of it is stored, pushed
    and pulled with the image. And since any change to those files (a `git fetch`, an
    `npm install` on the host) changes the `COPY`, every later step loses its cache.

    ## Example
    ```dockerfile lines=3
    FROM node:22-slim
    WORKDIR /app
    COPY . .
    CMD ["node", "server.js"]
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY package.json server.js ./
    CMD ["node", "server.js"]
    ```

    (The examples assume an ignore file holding `*.md` and a context whose `.git` must be
    kept out: `must-exclude = [".git"]`.) A `.dockerignore` such as:

    ```
    .git
    node_modules
    .venv
    ```

    makes `COPY . .` fine as well.

    ## Not reported
    A copy from another stage (`COPY --from`), and `ONBUILD` instructions, whose context is
    another build's.
    """

    code = "DK208"
    reads_build_context = True
    name = "unfiltered-context-copy"
    severity = Severity.WARNING
    category = Category.BLOAT
    message = "The whole context is copied without a .dockerignore keeping .git and the like out"
    on = frozenset({"COPY", "ADD"})
    example_options: ClassVar[dict[str, Any]] = {"patterns": ["*.md"], "must_exclude": [".git"]}

    class Options(BuildContextOptions):
        must_exclude: list[str] = option(
            [],
            doc=(
                "Paths (relative to the context) the ignore file must exclude even when "
                "they do not exist at lint time, such as build output (`dist`, `target`)."
            ),
        )

    def __init__(self, options: Any = None) -> None:
        super().__init__(options)
        self._ignore: _Ignore | None = None
        self._reported = False

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        if self._reported or step.instruction.sub_cmd is not None:
            return
        source = whole_context_source(step)
        if source is None:
            return
        if self._ignore is None:
            self._ignore = self._load(ctx)
        ignore = self._ignore
        present = ignore.present
        if ".git" in present and _runs_git(ctx, step):
            present = [path for path in present if path != ".git"]  # a version from `git describe`
        if "node_modules" in present and _runs_copied_node_modules(ctx):
            present = [path for path in present if path != "node_modules"]
        wanted = [*self.options.must_exclude, *present]
        if ignore.matcher is None and not self.options.patterns:
            if ctx.path in NO_CONTEXT or ignore.uncertain or not wanted:
                return
            self._reported = True
            listed = ", ".join(dict.fromkeys(wanted))
            message = (
                f"`{step.keyword} {source}` copies the whole context ({listed} among it) and "
                f"there is no .dockerignore to keep them out ({ignore.assumed})"
            )
            yield Problem(step, message=message, at=source)
            return
        excluded = [f.split("=", 1)[1] for f in step.expanded_flags if f.startswith("--exclude=")]
        extra = PatternMatcher(excluded) if excluded else None
        kept = [
            path
            for path in dict.fromkeys(wanted)
            if not (ignore.matcher is not None and ignore.matcher.matches(path))
            and not (extra is not None and extra.matches(path))
        ]
        if kept:
            self._reported = True
            names = ", ".join(kept)
            message = (
                f"`{step.keyword} {source}` copies {names} into the image: add "
                f"{'it' if len(kept) == 1 else 'them'} to .dockerignore ({ignore.assumed})"
            )
            yield Problem(step, message=message, at=source)

    def _load(self, ctx: LintContext) -> _Ignore:
        context = build_context(ctx, self.options.context)
        present = expected_exclusions(context) if context is not None else []
        patterns = list(self.options.patterns) or ignore_patterns(ctx, context)
        # An assumed context without an ignore file, below a folder that has one: the build
        # most likely sends that folder (judged by hand on real files, docs/lint.md).
        uncertain = (
            not self.options.context
            and context is not None
            and ignore_file_above(context) is not None
        )
        return _Ignore(matcher_of(patterns), present, self._assumed(ctx, context), uncertain)

    def _assumed(self, ctx: LintContext, context: Path | None) -> str:
        if context is None:
            return "no build context at hand"
        shown = str(context.resolve())
        with contextlib.suppress(ValueError):  # another drive, on Windows
            relative = os.path.relpath(context)
            shown = shown if relative.startswith("..") else relative
        shown = shown if shown.endswith("/") else shown + "/"
        if self.options.context:
            return f"build context: {shown}"
        declared_by = ctx.facts.declared_by
        if declared_by is not None:
            with contextlib.suppress(ValueError):
                declared_by = Path(os.path.relpath(declared_by))
            return f"build context: {shown}, as {declared_by} declares; `--context` sets another"
        if context.resolve() != Path(ctx.path).parent.resolve():
            return (
                f"build context assumed: {shown}, the folder holding the files the Dockerfile "
                "copies; `--context` sets another"
            )
        return f"build context assumed: {shown}, the Dockerfile's folder; `--context` sets another"
