from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Stage
from dockerlens.lint.stages import inherited, target_stages


class MissingHealthcheck(Rule):
    """An image is built without a `HEALTHCHECK`.

    ## What it does
    Reports, at its `FROM`, each stage producing an image when neither it nor a stage it is
    built `FROM` has a `HEALTHCHECK` (`HEALTHCHECK NONE` counts as a deliberate choice). Off
    by default: select it to use it.

    ## Why is this bad?
    Without a health check, Docker and orchestrators that read it only know whether the
    main process is running, not whether it still answers. A hung server stays "up".

    ## Example
    ```dockerfile lines=1
    FROM nginx:1.27
    COPY site/ /usr/share/nginx/html/
    ```

    ## Use instead
    ```dockerfile
    FROM nginx:1.27
    COPY site/ /usr/share/nginx/html/
    HEALTHCHECK CMD curl -fsS http://localhost/ || exit 1
    ```

    ```dockerfile
    FROM golang:1.23 AS build
    RUN go build -o /app .
    FROM gcr.io/distroless/base-debian12
    COPY --from=build /app /app
    HEALTHCHECK CMD ["/app", "health"]
    ```

    ## Differences from hadolint
    hadolint reports every stage without a health check, build stages read only through
    `COPY --from` included, and a base stage as well as each stage built on it. dockerlens
    reports only the stages whose image a build produces: those no other stage builds on or
    copies from. hadolint matches stages by image name, so two unnamed `FROM debian:12`
    stages share a health check; dockerlens follows the stages themselves. A stage built from
    a name only the build completes (`FROM base-$TARGETARCH`) has a health check when all the
    stages that name may be have one; a global `ARG` in that name stands for its default
    value, as in any `FROM`.
    """

    code = "DL3057"
    name = "missing-healthcheck"
    severity = Severity.INFO
    category = Category.CORRECTNESS
    message = "`HEALTHCHECK` instruction missing."
    default_enabled = False

    def finish(self, ctx: LintContext) -> Iterator[Problem]:
        for stage in target_stages(ctx):
            if not inherited(ctx, stage, lambda s: _healthchecks(ctx, s)):
                yield Problem(ctx.steps[stage.steps[0]])


def _healthchecks(ctx: LintContext, stage: Stage) -> set[str]:
    return {"HEALTHCHECK"} if ctx.own_steps(stage, "HEALTHCHECK") else set()
