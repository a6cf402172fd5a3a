from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity


class InstructionBeforeFrom(Rule):
    """An instruction other than `ARG` comes before the first `FROM`.

    ## What it does
    Reports every instruction before the first `FROM` that is not an `ARG`. Comments and
    parser directives (`# syntax=`, `# escape=`) may come first too.

    ## Why is this bad?
    Only `ARG` may precede `FROM`: it declares build arguments for the `FROM` lines. Docker
    refuses to build anything else there (`no build stage in current context`).

    ## Example
    ```dockerfile lines=1
    ENV LANG=C.UTF-8
    FROM debian:12
    ```

    ```dockerfile lines=1
    LABEL maintainer="ops@example.com"
    ```

    ## Use instead
    ```dockerfile
    # syntax=docker/dockerfile:1
    ARG DEBIAN_VERSION=12
    FROM debian:${DEBIAN_VERSION}
    ENV LANG=C.UTF-8
    ```
    """

    code = "DL3061"
    name = "instruction-before-from"
    severity = Severity.ERROR
    category = Category.CORRECTNESS
    message = "Invalid instruction order. Dockerfile must begin with `FROM`, `ARG` or comment."

    def finish(self, ctx: LintContext) -> Iterator[Problem]:
        for step in ctx.steps:
            if step.stage is not None:
                break
            if step.instruction.keyword != "ARG":
                yield Problem(step, at=step.instruction.cmd)
