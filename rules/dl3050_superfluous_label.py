from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step, option
from dockerlens.lint.labels import SchemaOptions, labels


class Options(SchemaOptions):
    strict_labels: bool = option(
        False,
        doc=(
            "Report labels the schema does not list (hadolint's `strict-labels`; set "
            "once at the top of the configuration)."
        ),
    )


class SuperfluousLabel(Rule):
    """A `LABEL` sets a label that the strict label schema does not list.

    ## What it does
    With `strict-labels` on, reports every label key that is not in the `label-schema`.
    With an empty schema, every label is reported.

    ## Why is this bad?
    A strict schema is the complete list of labels an organisation's images carry. Labels
    outside it are typos of schema labels (`org.opencontainers.image.licence`) or metadata
    nobody agreed to maintain.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    LABEL org.opencontainers.image.licence="MIT"
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    LABEL org.opencontainers.image.licenses="MIT"
    ```

    ## Differences from hadolint
    Each superfluous key is reported, where hadolint reports the instruction once.
    """

    code = "DL3050"
    name = "superfluous-label"
    severity = Severity.INFO
    category = Category.MAINTAINABILITY
    message = "Superfluous label(s) present."
    on = frozenset({"LABEL"})
    Options = Options
    inert_unless = ("strict_labels",)
    example_options: ClassVar[dict[str, Any]] = {
        "label-schema": {"org.opencontainers.image.licenses": "spdx"},
        "strict-labels": True,
    }

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        if not self.options.strict_labels:
            return
        schema: dict[str, str] = self.options.label_schema
        for label in labels(step):
            key = label.key if label.key is not None else label.raw_key
            if key not in schema:
                yield Problem(step, message=f"Superfluous label `{key}` present.", at=label.raw_key)
