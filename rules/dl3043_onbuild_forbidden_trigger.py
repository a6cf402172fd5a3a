from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step


class OnbuildForbiddenTrigger(Rule):
    """`ONBUILD` wraps `ONBUILD`, `FROM` or `MAINTAINER`, which cannot be triggers.

    ## What it does
    Flags `ONBUILD ONBUILD ...`, `ONBUILD FROM ...` and `ONBUILD MAINTAINER ...`.

    ## Why is this bad?
    Docker refuses these three as `ONBUILD` triggers: chaining `ONBUILD` is not allowed, a
    trigger cannot start a new stage, and `MAINTAINER` is deprecated. The image builds, and
    every image built `FROM` it then fails.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    ONBUILD ONBUILD RUN make
    ```

    ```dockerfile lines=2
    FROM debian:12
    ONBUILD FROM alpine:3.20
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    ONBUILD RUN make
    ```
    """

    code = "DL3043"
    name = "onbuild-forbidden-trigger"
    severity = Severity.ERROR
    category = Category.CORRECTNESS
    message = "`ONBUILD`, `FROM` or `MAINTAINER` triggered from within `ONBUILD` instruction."
    on = frozenset({"ONBUILD", "FROM", "MAINTAINER"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        sub = step.instruction.sub_cmd
        if sub is not None and sub.upper() in self.on:
            yield Problem(step, at=sub)
