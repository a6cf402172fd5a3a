from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.packages import at_command, find


class AptInsteadOfAptGet(Rule):
    """`apt` is used in a build; it is meant for people at a terminal.

    ## What it does
    Flags a `RUN` that runs the `apt` command.

    ## Why is this bad?
    `apt` is the interactive front end: its output and behaviour may change between releases
    and it warns that it "does not have a stable CLI interface". `apt-get` and `apt-cache` do
    the same work with an interface meant for scripts.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    RUN apt update && apt install -y curl
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    RUN apt-get update && apt-get install -y curl
    ```

    ## Differences from hadolint
    `apt` is also found behind wrappers such as `sudo`, in `sh -c` scripts and by path
    (`/usr/bin/apt`).
    """

    code = "DL3027"
    name = "apt-instead-of-apt-get"
    severity = Severity.WARNING
    category = Category.MAINTAINABILITY
    message = (
        "Do not use apt as it is meant to be an end-user tool, use apt-get or apt-cache instead"
    )
    on = frozenset({"RUN"})
    run_mentions = frozenset({"apt"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        for invocation in find(step, "apt"):
            first = invocation.args[0] if invocation.args else ""
            yield Problem(step, at=at_command(ctx, step, invocation, first))
            return
