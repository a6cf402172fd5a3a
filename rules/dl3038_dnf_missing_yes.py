from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import has_flag
from dockerlens.lint.edits import subcommand_flag_fix
from dockerlens.lint.packages import at_command, find
from dockerlens.semantics.managers import DNF

_INSTALLS = DNF.install_verbs


class DnfMissingYes(Rule):
    """`dnf install` runs without `-y`, so it stops at the confirmation prompt.

    ## What it does
    Flags a `RUN` whose `dnf` or `microdnf` `install`, `groupinstall` or `localinstall` has
    neither `-y` nor `--assumeyes`.

    ## Why is this bad?
    A build has no terminal to answer "Is this ok [y/N]": dnf reads no answer, cancels the
    transaction, and the build fails. Current microdnf asks as well.

    ## Example
    ```dockerfile lines=2
    FROM fedora:41
    RUN dnf install httpd-2.4.62 && dnf clean all
    ```

    ## Use instead
    ```dockerfile
    FROM fedora:41
    RUN dnf install -y httpd-2.4.62 && dnf clean all
    ```

    ## Fix safety
    `-y` is inserted after the subcommand when the `RUN` has one such install. Safe: without
    it the build stops at the confirmation question.

    ## Differences from hadolint
    `dnf` and `microdnf` are also found behind wrappers such as `sudo`, in `sh -c` scripts and
    by path.
    """

    code = "DL3038"
    name = "dnf-missing-yes"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = "Use the -y switch to avoid manual input `dnf install -y <package>`"
    on = frozenset({"RUN"})
    run_mentions = frozenset({"dnf"})  # microdnf
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        tools = ("dnf", "microdnf")
        found = find(step, tools, *_INSTALLS)
        for invocation in found:
            if not has_flag(invocation.command, *DNF.assume_yes):
                fix = None
                if len(found) == 1:
                    fix = subcommand_flag_fix(ctx, step, invocation, _INSTALLS, "-y")
                yield Problem(step, at=at_command(ctx, step, invocation), fix=fix)
                return
