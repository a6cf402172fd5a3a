from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.model import expand_word

_VALID = re.compile(r"^[a-z]([a-z0-9._/-]*[a-z0-9])?$")
_RESERVED = ("com.docker.", "io.docker.", "org.dockerproject.")


class InvalidLabelKey(Rule):
    """A `LABEL` key breaks Docker's naming guidelines.

    ## What it does
    Flags a label key that does not start with a lower-case letter, does not end with a
    lower-case letter or digit, uses characters other than `a-z`, `0-9`, `.`, `_`, `/` and
    `-`, repeats `.` or `-` (`..`, `--`), or sits in a namespace Docker reserves for itself
    (`com.docker.`, `io.docker.`, `org.dockerproject.`).

    ## Why is this bad?
    Label keys are meant to be lower-case, reverse-DNS names (`org.opencontainers.image.title`)
    so that tools and people agree on them: `Maintainer`, `maintainer` and `MAINTAINER` are
    three different labels to `docker inspect` and to every filter. Reserved namespaces may be
    given a meaning by Docker at any time.

    ## Example
    ```dockerfile
    FROM debian:12
    LABEL Maintainer="ops@example.com"
    ```

    ```dockerfile
    FROM debian:12
    LABEL com.docker.compose.project=shop
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    LABEL org.opencontainers.image.authors="ops@example.com"
    ```

    ## Differences from hadolint
    Each invalid key is reported (hadolint reports the instruction once). A key built from
    variables is judged once expanded (`ARG` defaults included); hadolint judges the text
    `${PREFIX}.version` itself, and reports it. A key whose variables have no known value is
    not judged.
    """

    code = "DL3048"
    name = "invalid-label-key"
    severity = Severity.STYLE
    category = Category.STYLE
    message = "Invalid label key."
    on = frozenset({"LABEL"})

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        for label in labels(step):
            if label.key is not None and not is_valid_key(label.key):
                yield Problem(step, message=f"Invalid label key `{label.key}`.", at=label.raw_key)


def is_valid_key(key: str) -> bool:
    return (
        _VALID.match(key) is not None
        and ".." not in key
        and "--" not in key
        and not key.startswith(_RESERVED)
    )


@dataclass(frozen=True)
class Label:
    """One key=value pair of a LABEL: as written, and as the build sees it."""

    raw_key: str
    raw_value: str
    #: None when it uses a variable whose value the Dockerfile does not know (an ARG's
    #: default counts as known).
    key: str | None
    #: None when it depends on a build argument or a value the Dockerfile does not know:
    #: only the build knows it.
    value: str | None


def labels(step: Step) -> list[Label]:
    """The pairs of a LABEL instruction, expanded where the Dockerfile knows the values."""
    return [
        Label(raw_key, raw_value, _known(step, raw_key, args=True), _known(step, raw_value))
        for raw_key, raw_value, _ in step.instruction.pairs
    ]


def _known(step: Step, word: str, args: bool = False) -> str | None:
    text, matched, unmatched = expand_word(word, step.variables, step.escape)
    if unmatched:
        return None
    for name in matched:
        variable = step.variables[name]
        # An image's ENV is unknown; a value from an ARG is whatever the build passes.
        if variable.value is None or (variable.kind == "arg" and not args):
            return None
    return text
