from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import has_flag
from dockerlens.lint.packages import at_command, find

_CHANGES = ("install", "in", "remove", "rm", "source-install", "si", "patch")


class ZypperMissingNonInteractive(Rule):
    """A `zypper` command that changes packages runs without its non-interactive switch.

    ## What it does
    Flags a `RUN` whose `zypper install`, `remove`, `source-install` or `patch` (or their
    short forms `in`, `rm`, `si`) has none of `-n`/`--non-interactive`, `-y`/`--no-confirm`.

    ## Why is this bad?
    zypper asks for confirmation before changing packages. A build has no terminal to answer,
    so the command aborts and the build fails.

    ## Example
    ```dockerfile lines=2
    FROM opensuse/leap:15.6
    RUN zypper install curl=8.6.0 && zypper clean
    ```

    ## Use instead
    ```dockerfile
    FROM opensuse/leap:15.6
    RUN zypper --non-interactive install curl=8.6.0 && zypper clean
    ```

    ## Differences from hadolint
    `zypper` is also found behind wrappers such as `sudo`, in `sh -c` scripts and by path.
    """

    code = "DL3034"
    name = "zypper-missing-non-interactive"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = "Non-interactive switch missing from `zypper` command: `zypper install -y`"
    on = frozenset({"RUN"})
    run_mentions = frozenset({"zypper"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        for invocation in find(step, "zypper", *_CHANGES):
            if not has_flag(invocation.command, "non-interactive", "n", "no-confirm", "y"):
                yield Problem(step, at=at_command(ctx, step, invocation))
                return
