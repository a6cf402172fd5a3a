from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, Fix, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import has_flag
from dockerlens.lint.edits import only_match
from dockerlens.lint.packages import (
    UNKNOWN_PLACE,
    at_command,
    cache_mounted,
    cache_places,
    cache_setting,
    invocations,
    pip_call,
    removes,
)
from dockerlens.lint.rule import Edit
from dockerlens.semantics.invocations import Invocation
from dockerlens.semantics.managers import PIP
from dockerlens.semantics.scope import ScriptScope


class PipCacheNotDisabled(Rule):
    """`pip install` keeps its download cache in the image.

    ## What it does
    Flags a `RUN` whose `pip install` (also `pip3` and `python -m pip`) has no `--no-cache-dir`
    (nor an abbreviation pip takes for it, `--no-cache`), unless the cache is turned off
    otherwise: `PIP_NO_CACHE_DIR` set to a boolean by an `ENV` or `ARG` the `RUN` sees or in
    the `RUN` itself (pip turns the cache off for any boolean, false ones such as `off` or `0`
    too), or a BuildKit cache or tmpfs mount over pip's
    cache (`/root/.cache/pip`, or the folder `--cache-dir` or `PIP_CACHE_DIR` moves it to;
    `/dev/null` counts too), or a later command of the same `RUN` that deletes that cache (`rm
    -rf /root/.cache/pip`, `rm -rf ~/.cache`, the `--cache-dir` folder) or empties it (`pip
    cache purge`). `pipx` and `pipenv` manage their own environments and are left alone.

    ## Why is this bad?
    pip keeps every wheel it downloads or builds under `~/.cache/pip`. In an image that cache
    is never used again, and it can weigh as much as the installed packages themselves.

    ## Example
    ```dockerfile lines=2
    FROM python:3.12-slim
    RUN pip install flask==3.0.3
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    RUN pip install --no-cache-dir flask==3.0.3
    ```

    ```dockerfile
    FROM python:3.12-slim
    ENV PIP_NO_CACHE_DIR=1
    RUN pip install flask==3.0.3
    ```

    ```dockerfile
    FROM python:3.12-slim
    RUN --mount=type=cache,target=/root/.cache/pip pip install flask==3.0.3
    ```

    ## Fix safety
    `--no-cache-dir` is inserted after `install` when the `RUN` has one `pip install`
    (`pip`, `pip3`, `python -m pip`). Safe: the same packages are installed; only the cache is
    not written.

    ## Differences from hadolint
    - `PIP_NO_CACHE_DIR` is read from the variables the `RUN` sees: an `ARG` counts too (build
      arguments are in the environment of `RUN`), the value is read case-insensitively, and an
      `ENV` set before an `ONBUILD RUN` counts (hadolint only sees an `ONBUILD ENV` there).
    - A false `PIP_NO_CACHE_DIR` (`off`, `0`, `false`, `no`) counts as pip reads it: any boolean
      turns the cache off, a quirk pip keeps for compatibility. hadolint wants a true value.
    - A cache mount over `/root/.cache` or `/root` counts, as well as any target containing
      `.cache/pip` (hadolint's test).
    - `python -m pip` is found whatever comes between `pip` and `install`; pip is found by
      path, behind wrappers such as `sudo` and in `sh -c` scripts.
    - A `RUN` that deletes pip's cache after the install (`rm -rf /root/.cache/pip`, `rm -rf
      ~/.cache`) or empties it (`pip cache purge`) is not reported: nothing is left in its
      layer.
    - pip takes any unambiguous prefix of a long option, so `--no-cache` (down to `--no-ca`)
      turns the cache off as `--no-cache-dir` does; hadolint wants the full name.
    """

    code = "DL3042"
    name = "pip-cache-not-disabled"
    severity = Severity.WARNING
    category = Category.BLOAT
    message = "Avoid use of cache directory with pip. Use `pip install --no-cache-dir <package>`"
    on = frozenset({"RUN"})
    run_mentions = frozenset({"pip"})  # pip3, pipx, python -m pip
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        scope = ScriptScope(step)
        calls = invocations(step)
        for invocation in calls:
            call = pip_call(invocation)
            if call is None or "install" not in call.args:
                continue
            if call.name.startswith("pipx") or has_flag(call.command, *PIP.no_cache_flags):
                continue
            environment = scope.environment(invocation.command)
            values = [cache_setting(environment, name) for name in PIP.no_cache_env]
            if any(PIP.no_cache_value(value) for value in values):
                continue
            places = [p for cache in PIP.caches for p in cache_places(scope, cache, PIP, [call])]
            if UNKNOWN_PLACE in places:
                continue  # somewhere only the script knows (`$(mktemp -d)`): not judged
            if "/dev/null" in places or any(
                cache_mounted(step, place, ".cache/pip", homes=True) for place in places
            ):
                continue
            later = [c for c in calls if c.position > invocation.position]
            if any(removes(c, place, homes=True) for c in later for place in places):
                continue
            if any(_purges(c) for c in later):
                continue
            yield Problem(
                step, at=at_command(ctx, step, invocation, "install"), fix=_fix(ctx, step)
            )
            return


def _purges(invocation: Invocation) -> bool:
    """``pip cache purge`` (also ``python -m pip cache purge``): pip empties its cache."""
    call = pip_call(invocation)
    return call is not None and any(cache.cleaned_by(call) for cache in PIP.caches)


_PIP_INSTALL = LazyPattern(
    r"(?<![\w.$/-])(?:\S*/)?(?:pip[\d.]*|python[\d.]*[ \t]+-m[ \t]*pip[\d.]*)"
    r"(?:[ \t]+-[^\s;&|)]*)*[ \t]+install(?![\w.=-])"
)


def _fix(ctx: LintContext, step: Step) -> Fix | None:
    installs = [
        inv for inv in invocations(step) if (call := pip_call(inv)) and "install" in call.args
    ]
    found = only_match(ctx, step, _PIP_INSTALL) if len(installs) == 1 else None
    if found is None:
        return None
    line, match = found
    edit = Edit(line, match.end() + 1, line, match.end() + 1, " --no-cache-dir")
    return Fix("Add --no-cache-dir to pip install", (edit,))
