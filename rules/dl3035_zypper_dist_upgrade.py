from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.packages import at_command, find


class ZypperDistUpgrade(Rule):
    """`zypper dist-upgrade` upgrades the whole distribution inside a build.

    ## What it does
    Flags a `RUN` that runs `zypper dist-upgrade` (or `zypper dup`).

    ## Why is this bad?
    A distribution upgrade replaces whatever the base image shipped with whatever the
    repositories hold that day, possibly across releases: the result depends on the build
    date, can be large, and undoes the point of choosing a base image version. Upgrade by
    moving to a newer base image instead.

    ## Example
    ```dockerfile lines=2
    FROM opensuse/leap:15.6
    RUN zypper --non-interactive dist-upgrade
    ```

    ## Use instead
    ```dockerfile
    FROM opensuse/leap:15.6
    RUN zypper --non-interactive patch --category security && zypper clean
    ```

    ## Differences from hadolint
    `zypper` is also found behind wrappers such as `sudo`, in `sh -c` scripts and by path.
    """

    code = "DL3035"
    name = "zypper-dist-upgrade"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = "Do not use `zypper dist-upgrade`."
    on = frozenset({"RUN"})
    run_mentions = frozenset({"zypper"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        for invocation in find(step, "zypper", "dist-upgrade", "dup"):
            yield Problem(step, at=at_command(ctx, step, invocation))
            return
