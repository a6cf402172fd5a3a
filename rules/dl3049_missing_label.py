from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Stage
from dockerlens.lint.labels import SchemaOptions, labels
from dockerlens.lint.stages import inherited, target_stages


class MissingLabel(Rule):
    """An image lacks a label that the label schema requires.

    ## What it does
    With a `label-schema` configured, reports each schema label that an image built by this
    Dockerfile does not set, at the `FROM` of the stage producing that image. Labels set in a
    stage it is built `FROM` count.

    ## Why is this bad?
    A schema says which metadata every image of the organisation carries (owner, source,
    version, license...). An image without it is hard to trace back to its source, its team
    or its license terms.

    ## Example
    ```dockerfile lines=1
    FROM debian:12
    LABEL org.opencontainers.image.source="https://example.com/app"
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    LABEL org.opencontainers.image.source="https://example.com/app" \\
          org.opencontainers.image.version="1.4.2"
    ```

    ```dockerfile
    FROM debian:12 AS base
    LABEL org.opencontainers.image.source="https://example.com/app" \\
          org.opencontainers.image.version="1.4.2"
    FROM golang:1.23 AS build
    RUN go build -o /app .
    FROM base
    COPY --from=build /app /app
    ```

    ## Differences from hadolint
    hadolint reports every stage but those read through `COPY --from`, so a base stage that
    other stages build on is reported as well as each of its children. dockerlens reports
    only the stages whose image a build produces: those no other stage builds on or copies
    from. hadolint also matches stages by image name, so two unnamed `FROM debian:12` stages
    share their labels; dockerlens follows the stages themselves. A stage built from a name
    only the build completes (`FROM base-$TARGETARCH`) inherits what all the stages that
    name may be (`base-amd64`, `base-arm64`) have in common; a global `ARG` in that name
    stands for its default value, as in any `FROM`.
    """

    code = "DL3049"
    name = "missing-label"
    severity = Severity.INFO
    category = Category.MAINTAINABILITY
    message = "Label is missing."
    Options = SchemaOptions
    inert_unless = ("label_schema",)
    example_options: ClassVar[dict[str, Any]] = {
        "label-schema": {
            "org.opencontainers.image.source": "url",
            "org.opencontainers.image.version": "semver",
        }
    }

    def finish(self, ctx: LintContext) -> Iterator[Problem]:
        schema: dict[str, str] = self.options.label_schema
        if not schema:
            return
        for stage in target_stages(ctx):
            present = inherited(ctx, stage, lambda s: _label_keys(ctx, s))
            origin = ctx.steps[stage.steps[0]]
            for label in schema:
                if label not in present:
                    yield Problem(origin, message=f"Label `{label}` is missing.")


def _label_keys(ctx: LintContext, stage: Stage) -> set[str]:
    return {
        label.key or label.raw_key
        for step in ctx.own_steps(stage, "LABEL")
        for label in labels(step)
    }
