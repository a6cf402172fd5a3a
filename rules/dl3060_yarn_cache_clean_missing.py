from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, Fix, LintContext, Problem, Rule, Severity, Step, yarn
from dockerlens.lint.commands import has_flag
from dockerlens.lint.edits import append_command
from dockerlens.lint.layers import build_context
from dockerlens.lint.packages import (
    Invocation,
    at_command,
    cache_mounted,
    invocations,
    known_value,
    removes,
)
from dockerlens.semantics.managers import manager

#: Where Yarn 1 and Yarn 2+ keep their global cache (as fragments of a path).
_CACHE_FRAGMENTS = (".cache/yarn", ".yarn/berry/cache")


def _installs(invocation: Invocation) -> bool:
    if invocation.name != "yarn":
        return False
    if invocation.has("install"):
        return True
    # A bare `yarn` installs too; `yarn --version` does not.
    return not invocation.operands() and not has_flag(
        invocation.command, "v", "version", "h", "help"
    )


def _cache_folder(step: Step, invocation: Invocation) -> str | None:
    args = invocation.args
    for index, arg in enumerate(args):
        if arg == "--cache-folder" and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--cache-folder="):
            return arg.partition("=")[2]
    return known_value(step, "YARN_CACHE_FOLDER")


def _cleans(invocation: Invocation, folder: str | None) -> bool:
    if invocation.is_("yarn", "cache"):
        words = [w.text for w in invocation.operands()]
        return "clean" in words[words.index("cache") :] if "cache" in words else False
    if invocation.name != "rm":
        return False
    if folder and removes(invocation, folder):
        return True
    # The cache where Yarn keeps it by default, or a folder above it (`rm -rf ~/.cache`).
    if any(removes(invocation, path, homes=True) for path in manager("yarn").caches[0].paths):
        return True
    return any(
        fragment in word.text for word in invocation.operands() for fragment in _CACHE_FRAGMENTS
    )


def _loads_from_project_cache(ctx: LintContext) -> bool:
    context = build_context(ctx)
    settings = yarn.project_settings(context) if context is not None else None
    return settings is not None and yarn.plug_n_play(settings) and yarn.cache_in_project(settings)


class YarnCacheCleanMissing(Rule):
    """`yarn install` leaves Yarn's cache in the image: no `yarn cache clean` after it.

    ## What it does
    Flags a `RUN` that installs with Yarn (`yarn install`, or a bare `yarn`) and does not run
    `yarn cache clean` (or remove the cache directory) after the last install in the same
    `RUN`. A BuildKit cache or tmpfs mount over the cache (`~/.cache/yarn`, or the folder
    named by `--cache-folder` or `YARN_CACHE_FOLDER`) keeps it out of the layer and is fine
    too. Only stages whose layers end up in an image are checked: the final stage and stages
    other stages are built `FROM` (and every `ONBUILD RUN`).

    ## Why is this bad?
    Yarn keeps a copy of every package it downloads in its global cache, often as big as
    `node_modules` itself, and nothing uses it once the image is built.

    ## Example
    ```dockerfile lines=3
    FROM node:22-slim
    COPY package.json yarn.lock ./
    RUN yarn install --frozen-lockfile
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim
    COPY package.json yarn.lock ./
    RUN yarn install --frozen-lockfile && yarn cache clean
    ```

    ```dockerfile
    FROM node:22-slim
    COPY package.json yarn.lock ./
    RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install --frozen-lockfile
    ```

    ## Fix safety
    `&& yarn cache clean` is appended to the `RUN` (shell form, without heredocs, not ending in
    a comment). Safe: the installed `node_modules` stay; only the download cache goes.

    ## Differences from hadolint
    - A bare `yarn` (which installs) is checked; hadolint only knows `yarn install`.
    - The clean must be `yarn cache clean` after the last install; hadolint accepts any
      `yarn` command with `cache` or `clean` among its words (`yarn cache dir`).
    - Removing the cache directory counts, and so does a mount over a cache folder set with
      `--cache-folder` or `YARN_CACHE_FOLDER`, or over Yarn 2's `~/.yarn/berry/cache`.
    - `yarn` is found behind wrappers such as `sudo`, in `sh -c`/`su -c` scripts and by path.
    - Not reported in a Yarn project whose `.yarnrc.yml` (the nearest at or above the build
      context) installs with Plug'n'Play and keeps the cache in the project
      (`enableGlobalCache: false`): `.yarn/cache` then holds the packages the application
      loads at run time, and `yarn cache clean` would break it.
    """

    code = "DL3060"
    name = "yarn-cache-clean-missing"
    severity = Severity.INFO
    category = Category.BLOAT
    reads_build_context = True  # whether the Yarn project keeps its packages in .yarn/cache
    message = "`yarn cache clean` missing after `yarn install` was run."
    on = frozenset({"RUN"})
    run_mentions = frozenset({"yarn"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        if not ctx.layer_kept(step):
            return
        found = invocations(step)
        installs = [inv for inv in found if _installs(inv)]
        if not installs:
            return
        last = installs[-1]
        folder = _cache_folder(step, last)
        if any(inv.position > last.position and _cleans(inv, folder) for inv in found):
            return
        if any(cache_mounted(step, "/root/.cache/yarn", f) for f in _CACHE_FRAGMENTS):
            return
        if folder and cache_mounted(step, folder):
            return
        if _loads_from_project_cache(ctx):
            return
        yield Problem(step, at=at_command(ctx, step, last, "install"), fix=_fix(ctx, step))


def _fix(ctx: LintContext, step: Step) -> Fix | None:
    edit = append_command(ctx, step, "yarn cache clean")
    return Fix("Append `yarn cache clean`", (edit,)) if edit else None
