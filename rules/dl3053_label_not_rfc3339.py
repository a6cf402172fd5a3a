from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.labels import SchemaOptions, bad_typed_labels

_TIMESTAMP = LazyPattern(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?"
    r"(?:[Zz]|[+-](\d{2}):?(\d{2}))$"
)


def is_rfc3339(text: str) -> bool:
    """An RFC 3339 date-time: ``2024-05-01T12:30:00Z``, fractions and offsets allowed."""
    match = _TIMESTAMP.match(text)
    if match is None:
        return False
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    import calendar  # only for a LABEL that holds a date (about 1 ms at every start)

    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        return False
    if hour > 23 or minute > 59 or second > 60:  # 60: a leap second
        return False
    offset_hour, offset_minute = match.group(7), match.group(8)
    return offset_hour is None or (int(offset_hour) <= 23 and int(offset_minute) <= 59)


class LabelNotRfc3339(Rule):
    """An `rfc3339` label of the label schema does not hold an RFC 3339 timestamp.

    ## What it does
    With a `label-schema` configured, reports a label of type `rfc3339` whose value is not a
    full RFC 3339 date-time: date, `T`, time and a zone (`Z` or an offset), such as
    `2024-05-01T12:30:00Z`.

    ## Why is this bad?
    `org.opencontainers.image.created` and similar labels are read by programs. A date alone,
    a time without a zone or a locale format cannot be compared or sorted reliably.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    LABEL org.opencontainers.image.created="2024-05-01 12:30"
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    LABEL org.opencontainers.image.created="2024-05-01T12:30:00Z"
    ```

    ```dockerfile
    FROM debian:12
    ARG BUILD_DATE
    LABEL org.opencontainers.image.created=$BUILD_DATE
    ```

    ## Differences from hadolint
    A value taken from a build argument is not judged: the build sets it, usually with
    `--build-arg BUILD_DATE=$(date -u +%FT%TZ)` (hadolint judges the text `$BUILD_DATE`, and
    reports it). A value from an `ENV` of the Dockerfile is judged once expanded. Like
    hadolint, an offset written without its colon (`+0200`) is accepted.
    """

    code = "DL3053"
    name = "label-not-rfc3339"
    severity = Severity.WARNING
    category = Category.MAINTAINABILITY
    message = "Label is not a valid time format - must conform to RFC3339."
    on = frozenset({"LABEL"})
    Options = SchemaOptions
    inert_unless = ("label_schema",)
    example_options: ClassVar[dict[str, Any]] = {
        "label-schema": {"org.opencontainers.image.created": "rfc3339"}
    }

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        yield from bad_typed_labels(
            step,
            self.options.label_schema,
            "rfc3339",
            is_rfc3339,
            "Label `{label}` is not a valid time format - must conform to RFC3339.",
        )
