from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import has_flag
from dockerlens.lint.edits import subcommand_flag_fix
from dockerlens.lint.packages import at_command, find
from dockerlens.semantics.managers import YUM

_INSTALLS = YUM.install_verbs


class YumMissingYes(Rule):
    """`yum install` runs without `-y`, so it stops at the confirmation prompt.

    ## What it does
    Flags a `RUN` whose `yum install`, `yum groupinstall` or `yum localinstall` has neither
    `-y` nor `--assumeyes`.

    ## Why is this bad?
    A build has no terminal to answer yum's "Is this ok [y/N]" question: yum reads no answer,
    gives up, and the build fails.

    ## Example
    ```dockerfile lines=2
    FROM centos:7
    RUN yum install httpd-2.4.6 && yum clean all
    ```

    ## Use instead
    ```dockerfile
    FROM centos:7
    RUN yum install -y httpd-2.4.6 && yum clean all
    ```

    ## Fix safety
    `-y` is inserted after the subcommand when the `RUN` has one such install. Safe: without
    it the build stops at the confirmation question.

    ## Differences from hadolint
    `yum` is also found behind wrappers such as `sudo`, in `sh -c` scripts and by path.
    """

    code = "DL3030"
    name = "yum-missing-yes"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = "Use the -y switch to avoid manual input `yum install -y <package>`"
    on = frozenset({"RUN"})
    run_mentions = frozenset({"yum"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        found = find(step, "yum", *_INSTALLS)
        for invocation in found:
            if not has_flag(invocation.command, *YUM.assume_yes):
                fix = None
                if len(found) == 1:
                    fix = subcommand_flag_fix(ctx, step, invocation, _INSTALLS, "-y")
                yield Problem(step, at=at_command(ctx, step, invocation), fix=fix)
                return
