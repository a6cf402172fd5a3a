from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, Edit, Fix, LintContext, Problem, Rule, Severity


class NoEmptyContinuation(Rule):
    r"""An instruction continued over several lines has an empty line in the middle.

    ## What it does
    Flags an empty (or blank) line inside an instruction that is continued with the escape
    character: BuildKit's `NoEmptyContinuation` build check. A comment line there is fine.

    ## Why is this bad?
    The empty line looks like the end of the instruction, but the parser skips it and carries
    on, so the next line silently joins the instruction. Docker has deprecated this and says a
    future release will reject it, which would break the build.

    ## Example
    ```dockerfile lines=3
    FROM alpine:3.20
    RUN apk add --no-cache \

        curl
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    RUN apk add --no-cache \
        curl
    ```

    A comment line inside the continuation is not empty: the parser skips it.

    ## Fix safety
    Deletes the empty lines (safe: the parser skips them anyway).

    ## Differences from BuildKit
    BuildKit reports the last line of the instruction; dockerlens points at the first empty
    line, and answers to a `# check=skip=NoEmptyContinuation` comment above the instruction
    (BuildKit honours only the file-wide directive for this check).

    ## References
    - BuildKit: https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/
    """

    code = "BK003"
    name = "no-empty-continuation"
    severity = Severity.WARNING
    category = Category.MAINTAINABILITY
    message = "Empty continuation line"
    buildkit_name = "NoEmptyContinuation"

    def finish(self, ctx: LintContext) -> Iterator[Problem]:
        for warning in ctx.dockerfile.parse.warnings:
            step = next(
                (
                    s
                    for s in ctx.steps
                    if s.instruction.start_line <= warning.line <= s.instruction.end_line
                ),
                None,
            )
            if step is None:
                continue
            start = step.instruction.start_line
            empty = [
                number
                for number in range(start + 1, warning.line + 1)
                if number <= len(ctx.lines) and ctx.lines[number - 1].strip(" \t\r\f\v") == ""
            ]
            if not empty:
                continue
            edits = tuple(Edit(n, 1, n + 1, 1, "") for n in empty)
            fix = Fix("Delete the empty continuation lines", edits)
            yield Problem(step, line=empty[0], fix=fix)
