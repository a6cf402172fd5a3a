from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, Fix, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.edits import append_command
from dockerlens.lint.packages import (
    Invocation,
    at_command,
    cache_mounted,
    cleaned_after,
    invocations,
    removes,
)
from dockerlens.semantics.managers import ZYPPER

CACHE = ZYPPER.caches[0].paths[0]


def _cleans(invocation: Invocation) -> bool:
    return invocation.is_("zypper", "clean", "cc") or removes(invocation, CACHE)


class ZypperCleanMissing(Rule):
    """`zypper install` leaves zypper's cache in the image: no `zypper clean` after it.

    ## What it does
    Flags a `RUN` whose `zypper install` (or `zypper in`) is not followed, in the same `RUN`,
    by `zypper clean` (`zypper cc`) or a removal of `/var/cache/zypp`. A BuildKit cache or
    tmpfs mount over `/var/cache/zypp` keeps the cache out of the layer and is fine too.

    ## Why is this bad?
    zypper keeps repository metadata and downloaded packages under `/var/cache/zypp`, which
    nothing needs at run time. Cleaning in a later `RUN` does not help; the files stay in the
    earlier layer.

    ## Example
    ```dockerfile lines=2
    FROM opensuse/leap:15.6
    RUN zypper --non-interactive install curl=8.6.0
    ```

    ## Use instead
    ```dockerfile
    FROM opensuse/leap:15.6
    RUN zypper --non-interactive install curl=8.6.0 && zypper clean --all
    ```

    ## Fix safety
    `&& zypper clean --all` is appended to the `RUN` (shell form, without heredocs, not ending
    in a comment). Safe: a later install downloads what it needs again.

    ## Differences from hadolint
    - The clean must come after the *last* install; hadolint compares it with the first.
    - An `rm` of `/var/cache/zypp` counts as a clean.
    - `zypper` is found behind wrappers such as `sudo`, in `sh -c` scripts and by path.
    """

    code = "DL3036"
    name = "zypper-clean-missing"
    severity = Severity.WARNING
    category = Category.BLOAT
    message = "`zypper clean` missing after zypper use."
    on = frozenset({"RUN"})
    run_mentions = frozenset({"zypper"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        found = invocations(step)
        installs = [inv for inv in found if inv.is_("zypper", "install", "in")]
        if not installs or cleaned_after(found, installs, _cleans):
            return
        if cache_mounted(step, CACHE):
            return
        yield Problem(step, at=at_command(ctx, step, installs[-1]), fix=_fix(ctx, step))


def _fix(ctx: LintContext, step: Step) -> Fix | None:
    command = ZYPPER.clean_command or ""
    edit = append_command(ctx, step, command)
    return Fix(f"Append `{command}`", (edit,)) if edit else None
