from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Stage, Step


class LastUserRoot(Rule):
    """The image ends with `USER root`, so its containers run as root.

    ## What it does
    Flags the last `USER` of an image when it is `root` or `0` (with or without a group). The
    image is the final stage, or any stage nothing else builds on or copies from (a
    `--target`); a stage built `FROM` another inherits its user.

    ## Why is this bad?
    A process running as root inside the container is root on the host's kernel: a breakout
    or a mounted volume turns an application bug into a host compromise. Switch back to an
    unprivileged user once the steps that need root are done.

    ## Example
    ```dockerfile lines=5
    FROM debian:12
    RUN useradd --create-home app
    USER app
    RUN make
    USER root
    ```

    ```dockerfile lines=2
    FROM debian:12 AS base
    USER 0:0
    FROM base
    RUN apt-get update
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    RUN useradd --create-home app
    USER root
    RUN apt-get update
    USER app
    ```

    ```dockerfile
    FROM golang:1.23 AS build
    USER root
    RUN go build -o /out/app .
    FROM gcr.io/distroless/static:nonroot
    COPY --from=build /out/app /app
    ```

    ## Differences from hadolint
    hadolint reports every stage whose last `USER` is root, including build stages whose
    image is thrown away once their files are copied out. dockerlens judges only the images a
    build produces: the final stage and stages nothing refers to. A stage built `FROM` an
    earlier one inherits its `USER`, so `USER root` in a base stage is reported when the stage
    built on it does not switch away. Like hadolint, an image with no `USER` at all is not
    reported.
    """

    code = "DL3002"
    name = "last-user-root"
    severity = Severity.WARNING
    category = Category.SECURITY
    message = "Last USER should not be root"

    def finish(self, ctx: LintContext) -> Iterator[Problem]:
        referenced = {r.target_stage for r in ctx.dockerfile.references}
        reported: set[int] = set()
        for stage in ctx.stages:
            if not ctx.is_final(stage) and stage.index in referenced:
                continue
            step = _last_user(ctx, stage)
            if step is None or step.index in reported:
                continue
            user = step.expanded[0] if step.expanded else ""
            if _is_root(user):
                reported.add(step.index)
                yield Problem(step, at=step.instruction.value[0])


def _last_user(ctx: LintContext, stage: Stage) -> Step | None:
    """The USER the image of ``stage`` ends with, following the stages it is built FROM."""
    for member in ctx.lineage(stage):
        users = ctx.own_steps(member, "USER")
        if users:
            return users[-1]
    return None


def _is_root(user: str) -> bool:
    name = user.split(":", 1)[0]
    return name in ("root", "0")
