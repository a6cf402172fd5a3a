from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from dockerlens.errors import UserError
from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Stage, Step

from .dl3048_invalid_label_key import labels

_VARIABLE = re.compile(r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*")
#: The value types hadolint's ``label-schema`` knows.
LABEL_TYPES = ("text", "url", "semver", "hash", "rfc3339", "spdx", "email")


@dataclass
class SchemaOptions:
    label_schema: dict[str, str] = field(
        default_factory=dict,
        metadata={
            "doc": "Labels every image should carry, each with the type of its value: "
            + ", ".join(LABEL_TYPES)
            + " (hadolint's `label-schema`; set once at the top of the configuration)."
        },
    )

    def __post_init__(self) -> None:
        check_schema(self.label_schema)


def check_schema(schema: dict[str, str]) -> None:
    for label, kind in schema.items():
        if kind not in LABEL_TYPES and kind != "":  # hadolint reads "" as text
            raise UserError(
                f"label-schema: label {label!r} has the unknown type {kind!r} "
                f"(expected one of {', '.join(LABEL_TYPES)})"
            )


def labels_of_type(schema: dict[str, str], kind: str) -> set[str]:
    return {label for label, value in schema.items() if value == kind}


def parent_stages(ctx: LintContext, stage: Stage) -> list[Stage]:
    """The earlier stages this one may be built FROM: the one it names, or, for a name made
    of variables whose values only the build knows (``FROM base-$TARGETARCH``), every
    earlier stage whose name fits."""
    if stage.base_stage is not None:
        return [ctx.stages[stage.base_stage]]
    literals = _VARIABLE.split(stage.base_text)
    if len(literals) < 2 or not "".join(literals):
        return []
    pattern = re.compile(".*".join(re.escape(part) for part in literals), re.IGNORECASE)
    return [
        s for s in ctx.stages[: stage.index] if s.name is not None and pattern.fullmatch(s.name)
    ]


def inherited(ctx: LintContext, stage: Stage, own: Callable[[Stage], set[str]]) -> set[str]:
    """What a stage has, counting what it inherits: its own, plus what every stage it may
    be built FROM has."""
    memo: dict[int, set[str]] = {}

    def visit(current: Stage, seen: frozenset[int]) -> set[str]:
        if current.index in memo:
            return memo[current.index]
        found = set(own(current))
        parents = [p for p in parent_stages(ctx, current) if p.index not in seen]
        if parents:
            found |= set.intersection(*(visit(p, seen | {p.index}) for p in parents))
        memo[current.index] = found
        return found

    return visit(stage, frozenset({stage.index}))


def target_stages(ctx: LintContext) -> list[Stage]:
    """The stages whose image a build produces: those no later stage builds on or copies
    from. The final stage is one; a stage read through ``COPY --from`` or used as a base is
    not (what it holds is judged in the stages that use it)."""
    used = {s.index for s in ctx.stages if s.used_by}
    used |= {p.index for s in ctx.stages for p in parent_stages(ctx, s)}
    return [stage for stage in ctx.stages if stage.index not in used]


def own_steps(ctx: LintContext, stage: Stage, keyword: str) -> list[Step]:
    """The stage's ``keyword`` instructions (not the ONBUILD-wrapped ones)."""
    return [
        s
        for s in ctx.stage_steps(stage)
        if s.instruction.keyword == keyword and s.instruction.sub_cmd is None
    ]


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
    ```dockerfile
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
    name may be (`base-amd64`, `base-arm64`) have in common.
    """

    code = "DL3049"
    name = "missing-label"
    severity = Severity.INFO
    category = Category.MAINTAINABILITY
    message = "Label is missing."
    Options = SchemaOptions
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


def bad_typed_labels(
    step: Step, schema: dict[str, str], kind: str, valid: Callable[[str], bool], message: str
) -> Iterator[Problem]:
    """A problem for each label of type ``kind`` whose (known) value ``valid`` rejects;
    ``message`` has a ``{label}`` placeholder."""
    wanted = labels_of_type(schema, kind)
    if not wanted:
        return
    for label in labels(step):
        if label.key in wanted and label.value is not None and not valid(label.value):
            yield Problem(step, message=message.format(label=label.key), at=label.raw_key)


def _label_keys(ctx: LintContext, stage: Stage) -> set[str]:
    return {
        label.key or label.raw_key
        for step in own_steps(ctx, stage, "LABEL")
        for label in labels(step)
    }
