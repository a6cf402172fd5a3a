from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.labels import SchemaOptions, labels


class EmptyLabel(Rule):
    """A label the label schema requires is set to an empty value.

    ## What it does
    With a `label-schema` configured, reports a schema label whose value is empty.

    ## Why is this bad?
    An empty label satisfies a check for its presence while carrying no information: it is a
    placeholder that was never filled in.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    LABEL org.opencontainers.image.vendor=""
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    LABEL org.opencontainers.image.vendor="Example Corp"
    ```

    ## Differences from hadolint
    A value taken from a build argument is not judged: the build sets it (hadolint judges
    the text `$VENDOR`, which is never empty either). A value from an `ENV` of the
    Dockerfile is judged once expanded.
    """

    code = "DL3051"
    name = "empty-label"
    severity = Severity.WARNING
    category = Category.MAINTAINABILITY
    message = "Label is empty."
    on = frozenset({"LABEL"})
    Options = SchemaOptions
    inert_unless = ("label_schema",)
    example_options: ClassVar[dict[str, Any]] = {
        "label-schema": {"org.opencontainers.image.vendor": "text"}
    }

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        schema: dict[str, str] = self.options.label_schema
        for label in labels(step):
            if label.key in schema and label.value == "":
                yield Problem(step, message=f"label `{label.key}` is empty.", at=label.raw_key)
