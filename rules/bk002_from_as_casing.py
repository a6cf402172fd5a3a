from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, Edit, Fix, LintContext, Problem, Rule, Severity, Step


class FromAsCasing(Rule):
    """The `AS` keyword of a `FROM` is not cased like the `FROM` keyword.

    ## What it does
    Flags `FROM image as name` and `from image AS name`: BuildKit's `FromAsCasing` build
    check. A `FROM` keyword that is itself of mixed case (`From`) is left to
    `consistent-instruction-casing` (BK004).

    ## Why is this bad?
    Keywords of one instruction in two casings read as a mistake and make the file harder to
    scan; keep `AS` in the case of `FROM`.

    ## Example
    ```dockerfile lines=1
    FROM node:20 as build
    ```

    ```dockerfile lines=1
    from node:20 AS build
    ```

    ## Use instead
    ```dockerfile
    FROM node:20 AS build
    ```

    ```dockerfile
    from node:20 as build
    ```

    ## Fix safety
    `AS` is rewritten in the case of `FROM`. Safe: keywords are read in any case.

    ## References
    - BuildKit: https://docs.docker.com/go/dockerfile/rule/from-as-casing/
    """

    code = "BK002"
    name = "from-as-casing"
    severity = Severity.WARNING
    category = Category.STYLE
    message = "The 'as' keyword should match the case of the 'from' keyword"
    on = frozenset({"FROM"})
    buildkit_name = "FromAsCasing"

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        words = step.instruction.value
        command = step.instruction.cmd
        if len(words) < 3:
            return
        if command == command.lower():
            wanted = words[1].lower()
        elif command == command.upper():
            wanted = words[1].upper()
        else:
            return
        if words[1] == wanted:
            return
        fix = None
        span = ctx.word_span(step, 1)
        if span is not None:
            line, start, end = span
            fix = Fix(f"Write {wanted!r}", (Edit(line, start, line, end, wanted),))
        message = f"'{words[1]}' and '{command}' keywords' casing do not match"
        yield Problem(step, message=message, at=f"{words[1]} {words[2]}", fix=fix)
