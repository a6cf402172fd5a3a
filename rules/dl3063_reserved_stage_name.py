from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step

RESERVED = ("scratch", "context")


class ReservedStageName(Rule):
    """A stage is named `scratch` or `context`, names BuildKit reserves.

    ## What it does
    Flags `FROM ... AS scratch` and `FROM ... AS context`, in any letter case.

    ## Why is this bad?
    `FROM scratch` means the empty image, and `context` names the build context in
    `COPY --from` and `RUN --mount=from=`. A stage with one of these names is shadowed or
    shadows them, depending on where it is used.

    ## Example
    ```dockerfile lines=1
    FROM golang:1.23 AS scratch
    RUN go build -o /app .
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.23 AS build
    RUN go build -o /app .
    ```

    ## Differences from hadolint
    hadolint compares the name with its case; BuildKit lower-cases stage names, so `Scratch`
    is reserved too and is reported (as BuildKit's `ReservedStageName` does).
    """

    code = "DL3063"
    name = "reserved-stage-name"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = "stage name should not be a reserved word"
    on = frozenset({"FROM"})
    buildkit_name = "ReservedStageName"

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        stage = ctx.stage_of(step)
        if stage is None or stage.name is None or stage.name.lower() not in RESERVED:
            return
        # Point at the name, unless the same text comes first in the base image.
        at = None if stage.name in stage.base_text else stage.name
        yield Problem(step, message=f"{self.message}: `{stage.name}`", at=at)
