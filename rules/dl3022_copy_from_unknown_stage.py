from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step


class CopyFromUnknownStage(Rule):
    """`COPY --from` names neither an earlier stage nor an image.

    ## What it does
    Flags a `COPY --from` (with build arguments expanded) that:

    * gives a stage index that is not an earlier stage;
    * names a stage that is only defined later in the file;
    * is no valid image reference (`--from=Build_Stage`);
    * or is a bare name one typo away from a stage name (`--from=biulder`).

    Any other value is an image, which `COPY --from` accepts (`--from=nginx:1.27`,
    `--from=hello-world`, `--from=ghcr.io/org/tool`).

    ## Why is this bad?
    BuildKit treats a value that is not an earlier stage as an image to pull: a typo in a stage
    name, or a stage moved below its user, turns into a pull of an image that does not exist
    (or, worse, one that does).

    ## Example
    ```dockerfile lines=4
    FROM golang:1.23 AS builder
    RUN go build -o /out/app .
    FROM gcr.io/distroless/static:nonroot
    COPY --from=biulder /out/app /app
    ```

    ```dockerfile lines=2
    FROM gcr.io/distroless/static:nonroot
    COPY --from=builder /out/app /app
    FROM golang:1.23 AS builder
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.23 AS builder
    RUN go build -o /out/app .
    FROM gcr.io/distroless/static:nonroot
    COPY --from=builder /out/app /app
    ```

    ```dockerfile
    FROM python:3.12-slim
    COPY --from=ghcr.io/astral-sh/uv:0.4 /uv /bin/uv
    COPY --from=hello-world /hello /hello
    ```

    ## Differences from hadolint
    hadolint accepts only earlier stage names, indexes and values containing `:`, so an image
    without a tag (`--from=hello-world`, `--from=gloursdocker/docker`) or a build argument
    (`--from=$IMAGE`) is reported (its issue 859). dockerlens accepts every image reference
    and leaves unresolved build arguments alone (platform arguments such as `$TARGETARCH`
    included: `--from=build-${TARGETARCH}`), and instead reports what is most likely a
    mistake: a later stage, a bad index, an invalid reference, or a near miss of a stage name.
    A reference to the stage's own name is left to DL3023.
    """

    code = "DL3022"
    name = "copy-from-unknown-stage"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = "`COPY --from` should reference a previously defined `FROM` alias"
    on = frozenset({"COPY"})

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        for ref in ctx.dockerfile.references:
            if ref.step != step.index or ref.kind != "copy":
                continue
            missed = ctx.dockerfile.missed_stage(ref)
            if missed is None or missed.own_stage:  # its own stage is DL3023's
                continue
            message = None
            if missed.suggestion is not None:
                message = f"{self.message} (did you mean `{missed.suggestion}`?)"
            yield Problem(step, message=message, at="--from")
