from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import effective_commands, program


class LnBinSh(Rule):
    """A RUN replaces `/bin/sh` with a link to another shell instead of using `SHELL`.

    ## What it does
    Flags a `RUN` (or `ONBUILD RUN`) that runs `ln` with `/bin/sh` among its arguments,
    unless a `SHELL` instruction earlier in the stage (or in the stage it is built `FROM`)
    already chose the shell: the link is then for programs that call `/bin/sh` at run time
    (`SHELL ["/busybox/sh", "-c"]` then `RUN ln -s /busybox/sh /bin/sh` in a distroless
    debug image), not a way to change the shell of the `RUN`s. Nor is a `RUN` in exec form
    (`RUN ["/busybox/ln", "-s", "/busybox/sh", "/bin/sh"]`) reported: it runs without a shell,
    as in a stage built on an image that has none, where the link gives programs a `/bin/sh`
    rather than replacing one.

    ## Why is this bad?
    Relinking `/bin/sh` changes the shell of every script in the image, system scripts and
    package maintainer scripts included, not just of the Dockerfile's `RUN`s. `SHELL` changes
    only what the Dockerfile runs, and says so where a reader looks.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    RUN ln -sf /bin/bash /bin/sh
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    SHELL ["/bin/bash", "-o", "pipefail", "-c"]
    ```

    ## Differences from hadolint
    The command is matched by its base name (`/bin/ln`), and an `ln` run through a wrapper
    (`sudo ln -sf /bin/bash /bin/sh`) or in a nested `sh -c '...'` script is reported too;
    hadolint sees only a command written `ln`.
    """

    code = "DL4005"
    name = "ln-bin-sh"
    severity = Severity.WARNING
    category = Category.MAINTAINABILITY
    message = "Use SHELL to change the default shell"
    on = frozenset({"RUN"})
    run_mentions = frozenset({"ln"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        if step.instruction.json:
            return
        for command in effective_commands(step):
            if program(command) == "ln" and "/bin/sh" in command.args:
                if ctx.ran_before(step, "SHELL"):
                    return
                yield Problem(step)
                return
