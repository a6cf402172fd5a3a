from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.labels import SchemaOptions, bad_typed_labels

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_DOT_ATOM = rf"{_ATEXT}+(?:\.{_ATEXT}+)*"
_QUOTED = r'"(?:[^"\\\r\n]|\\.)*"'
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_DOMAIN = rf"{_LABEL}(?:\.{_LABEL})*\.?"
_LITERAL = r"\[[^\[\]\\\s]*\]"
_ADDRESS = LazyPattern(rf"^(?:{_DOT_ATOM}|{_QUOTED})@(?:{_DOMAIN}|{_LITERAL})$")


def is_email(text: str) -> bool:
    """An RFC 5322 ``addr-spec``: ``local@domain``, without a display name or comments."""
    return _ADDRESS.match(text) is not None


class LabelNotEmail(Rule):
    """An `email` label of the label schema does not hold an email address.

    ## What it does
    With a `label-schema` configured, reports a label of type `email` whose value is not a
    bare email address (RFC 5322 `addr-spec`, `local@domain`).

    ## Why is this bad?
    These labels tell people and tools whom to contact about an image. A display name
    (`Jane <jane@example.com>`), a list or a typo cannot be used as an address as it is.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    LABEL com.example.contact="Jane Doe <jane@example.com>"
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    LABEL com.example.contact="jane@example.com"
    ```

    ## Differences from hadolint
    A value taken from a build argument is not judged: the build sets it (hadolint judges
    the text `$CONTACT`, and reports it). A value from an `ENV` of the Dockerfile is judged
    once expanded.
    """

    code = "DL3058"
    name = "label-not-email"
    severity = Severity.WARNING
    category = Category.MAINTAINABILITY
    message = "Label is not a valid email format - must conform to RFC5322."
    on = frozenset({"LABEL"})
    Options = SchemaOptions
    inert_unless = ("label_schema",)
    example_options: ClassVar[dict[str, Any]] = {"label-schema": {"com.example.contact": "email"}}

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        yield from bad_typed_labels(
            step,
            self.options.label_schema,
            "email",
            is_email,
            "Label `{label}` is not a valid email format - must conform to RFC5322.",
        )
