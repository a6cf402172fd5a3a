from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.suggest import suggest
from dockerlens.model import PREDEFINED_ARGS, expand_word

#: Build arguments BuildKit defines for FROM lines beyond the model's platform ones.
EXTRA_AUTOMATIC_ARGS = ("BUILDOSVERSION", "TARGETOSVERSION", "TARGETSTAGE")


class UndefinedArgInFrom(Rule):
    """A `FROM` line uses a build argument that no global `ARG` declares.

    ## What it does
    Flags a variable in the image or the `--platform` of a `FROM` that is neither declared by
    an `ARG` before the first `FROM` nor one of the arguments BuildKit predefines
    (`BUILDPLATFORM`, `TARGETARCH`, `TARGETSTAGE`...): BuildKit's `UndefinedArgInFrom` build
    check. Like BuildKit, it suggests a declared name that is close (`BULIDPLATFORM` -> did you
    mean `BUILDPLATFORM`?).

    ## Why is this bad?
    An undeclared name expands to nothing: `FROM node:22${VARIANT}` quietly becomes
    `FROM node:22`, and a misspelt `$BUILDPLATFORM` gives an empty platform. `--build-arg`
    cannot set it either, because only declared arguments take build arguments.

    ## Example
    ```dockerfile lines=1
    FROM node:22${VARIANT} AS jsbuilder
    ```

    ```dockerfile lines=1
    FROM --platform=$BULIDPLATFORM golang:1.22 AS build
    ```

    ## Use instead
    ```dockerfile
    ARG VARIANT="-alpine3.20"
    FROM node:22${VARIANT} AS jsbuilder
    ```

    ```dockerfile
    FROM --platform=$BUILDPLATFORM golang:1.22 AS build
    ```

    ## Differences from BuildKit
    None known. Proxy arguments (`HTTP_PROXY`...) count as declared.

    ## References
    - BuildKit: https://docs.docker.com/go/dockerfile/rule/undefined-arg-in-from/
    """

    code = "BK005"
    name = "undefined-arg-in-from"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = "FROM command must use declared ARGs"
    on = frozenset({"FROM"})
    buildkit_name = "UndefinedArgInFrom"

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        undefined = set(step.undefined)
        for flag in step.instruction.flags:
            if flag.startswith("--platform="):
                _, _, unmatched = expand_word(flag, step.variables, step.escape)
                undefined |= unmatched - PREDEFINED_ARGS
        names = sorted(undefined - set(EXTRA_AUTOMATIC_ARGS))
        if not names:
            return
        declared = sorted({*ctx.dockerfile.global_args, *EXTRA_AUTOMATIC_ARGS})
        for name in names:
            message = f"FROM argument '{name}' is not declared"
            match = suggest(name, declared)
            if match:
                message += f" (did you mean {match}?)"
            yield Problem(step, message=message, at=name)
