from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import has_flag
from dockerlens.lint.packages import at_command, find


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
        for invocation in find(step, "yum", "install", "groupinstall", "localinstall"):
            if not has_flag(invocation.command, "y", "assumeyes"):
                yield Problem(step, at=at_command(ctx, step, invocation))
                return
