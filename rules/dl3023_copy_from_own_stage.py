from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step


class CopyFromOwnStage(Rule):
    """`COPY --from` names the stage it is in.

    ## What it does
    Flags a `COPY --from` whose value, once build arguments are expanded, is the name or the
    index of its own stage.

    ## Why is this bad?
    A stage cannot copy from itself: its files are not built yet. BuildKit rejects the
    build with a circular dependency, or, for a name, goes looking for an image of that name.
    The author almost always meant an earlier stage.

    ## Example
    ```dockerfile lines=2
    FROM golang:1.23 AS build
    COPY --from=build /out/app /app
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.23 AS build
    RUN go build -o /out/app .
    FROM gcr.io/distroless/static:nonroot
    COPY --from=build /out/app /app
    ```

    ## Differences from hadolint
    Stage names are compared without regard to case, as BuildKit does, build arguments are
    expanded first, and the stage's own index (`--from=1` in the second stage) counts too.
    """

    code = "DL3023"
    name = "copy-from-own-stage"
    severity = Severity.ERROR
    category = Category.CORRECTNESS
    message = "`COPY --from` cannot reference its own `FROM` alias"
    on = frozenset({"COPY"})

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        for ref in ctx.dockerfile.references:
            if ref.step == step.index and ref.kind == "copy":
                missed = ctx.dockerfile.missed_stage(ref)
                if missed is not None and missed.own_stage:
                    yield Problem(step, at="--from")
