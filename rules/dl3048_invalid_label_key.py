from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.labels import labels

_VALID = LazyPattern(r"^[a-z]([a-z0-9._/-]*[a-z0-9])?$")
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
    ```dockerfile lines=2
    FROM debian:12
    LABEL Maintainer="ops@example.com"
    ```

    ```dockerfile lines=2
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
