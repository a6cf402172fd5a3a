from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, Fix, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import has_flag
from dockerlens.lint.edits import replace_match
from dockerlens.lint.packages import at_command, find
from dockerlens.semantics.managers import ZYPPER

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

    ## Fix safety
    `--non-interactive` is inserted after `zypper` when the `RUN` has one such command. Safe:
    without it the build stops at the first question zypper asks.

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
        found = find(step, "zypper", *_CHANGES)
        for invocation in found:
            if not has_flag(invocation.command, *ZYPPER.assume_yes):
                fix = _fix(ctx, step) if len(found) == 1 else None
                yield Problem(step, at=at_command(ctx, step, invocation), fix=fix)
                return


#: ``zypper [options] <change>``, with the place right after ``zypper`` as group ``at``.
_ZYPPER = LazyPattern(
    r"(?<![\w.$-])zypper(?P<at>)(?:[ \t]+-\S*)*[ \t]+(?:" + "|".join(_CHANGES) + r")(?![\w.=-])"
)


def _fix(ctx: LintContext, step: Step) -> Fix | None:
    edit = replace_match(ctx, step, _ZYPPER, " --non-interactive", group="at")
    return Fix("Add --non-interactive to zypper", (edit,)) if edit else None
