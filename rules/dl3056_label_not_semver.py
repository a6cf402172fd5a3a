from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.labels import SchemaOptions, bad_typed_labels

_NUMBER = r"(?:0|[1-9]\d*)"
_IDENTIFIER = rf"(?:{_NUMBER}|\d*[A-Za-z-][0-9A-Za-z-]*)"
_SEMVER = LazyPattern(
    rf"^{_NUMBER}\.{_NUMBER}\.{_NUMBER}"
    rf"(?:-{_IDENTIFIER}(?:\.{_IDENTIFIER})*)?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)


def is_semver(text: str) -> bool:
    """A version as Semantic Versioning 2.0.0 defines it."""
    return _SEMVER.match(text) is not None


class LabelNotSemver(Rule):
    """A `semver` label of the label schema does not hold a semantic version.

    ## What it does
    With a `label-schema` configured, reports a label of type `semver` whose value is not a
    Semantic Versioning 2.0.0 version: `MAJOR.MINOR.PATCH`, optionally followed by
    `-prerelease` and `+build` parts, with no leading zeros in numbers.

    ## Why is this bad?
    Tools compare and sort these versions. `v1.2`, `1.2` or `latest` cannot be ordered
    against `1.10.0`, and release automation that reads the label breaks on them.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    LABEL org.opencontainers.image.version="v1.4"
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    LABEL org.opencontainers.image.version="1.4.0"
    ```

    ```dockerfile
    FROM debian:12
    LABEL org.opencontainers.image.version="2.0.0-rc.1+build.7"
    ```

    ## Differences from hadolint
    hadolint accepts leading zeros (`01.2.3`, `1.2.3-01`), which Semantic Versioning
    forbids; dockerlens does not. A value taken from a build argument is not judged: the
    build sets it (hadolint judges the text `$VERSION`, and reports it).
    """

    code = "DL3056"
    name = "label-not-semver"
    severity = Severity.WARNING
    category = Category.MAINTAINABILITY
    message = "Label does not conform to semantic versioning."
    on = frozenset({"LABEL"})
    Options = SchemaOptions
    inert_unless = ("label_schema",)
    example_options: ClassVar[dict[str, Any]] = {
        "label-schema": {"org.opencontainers.image.version": "semver"}
    }

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        yield from bad_typed_labels(
            step,
            self.options.label_schema,
            "semver",
            is_semver,
            "Label `{label}` does not conform to semantic versioning.",
        )
