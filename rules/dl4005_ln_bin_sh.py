from __future__ import annotations

import posixpath
from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import commands


class LnBinSh(Rule):
    """A RUN replaces `/bin/sh` with a link to another shell instead of using `SHELL`.

    ## What it does
    Flags a `RUN` (or `ONBUILD RUN`) that runs `ln` with `/bin/sh` among its arguments.

    ## Why is this bad?
    Relinking `/bin/sh` changes the shell of every script in the image, system scripts and
    package maintainer scripts included, not just of the Dockerfile's `RUN`s. `SHELL` changes
    only what the Dockerfile runs, and says so where a reader looks.

    ## Example
    ```dockerfile
    FROM debian:12
    RUN ln -sf /bin/bash /bin/sh
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    SHELL ["/bin/bash", "-o", "pipefail", "-c"]
    ```
    """

    code = "DL4005"
    name = "ln-bin-sh"
    severity = Severity.WARNING
    category = Category.MAINTAINABILITY
    message = "Use SHELL to change the default shell"
    on = frozenset({"RUN"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        for command in commands(step):
            if posixpath.basename(command.name) == "ln" and "/bin/sh" in command.args:
                yield Problem(step)
                return
