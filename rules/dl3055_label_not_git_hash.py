from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.labels import SchemaOptions, bad_typed_labels

_HASH = LazyPattern(r"^(?:[0-9a-f]{7,40}|[0-9a-f]{64})$")


def is_git_hash(text: str) -> bool:
    """A git object name: 40 lower-case hex digits (SHA-1), 64 (SHA-256), or an
    abbreviation of at least 7."""
    return _HASH.match(text) is not None


class LabelNotGitHash(Rule):
    """A `hash` label of the label schema does not hold a git commit hash.

    ## What it does
    With a `label-schema` configured, reports a label of type `hash` whose value is not a
    git commit id in lower-case hexadecimal: a full one (40 digits, or 64 in a SHA-256
    repository) or an abbreviated one of at least 7 digits.

    ## Why is this bad?
    `org.opencontainers.image.revision` ties an image to the exact commit it was built from.
    A branch name, a tag or a placeholder moves or means nothing, and the link is lost.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    LABEL org.opencontainers.image.revision="main"
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    LABEL org.opencontainers.image.revision="4f2a9c1e8b7d"
    ```

    ```dockerfile
    FROM debian:12
    ARG GIT_COMMIT
    LABEL org.opencontainers.image.revision=$GIT_COMMIT
    ```

    ## Differences from hadolint
    hadolint accepts exactly 7 or 40 digits. Git abbreviates to as many digits as a
    repository needs (`git rev-parse --short` often gives 8 to 12) and SHA-256 repositories
    use 64, so dockerlens accepts 7 to 40, and 64. A value taken from a build argument is
    not judged: the build sets it (hadolint judges the text `$GIT_COMMIT`, and reports it).
    """

    code = "DL3055"
    name = "label-not-git-hash"
    severity = Severity.WARNING
    category = Category.MAINTAINABILITY
    message = "Label is not a valid git hash."
    on = frozenset({"LABEL"})
    Options = SchemaOptions
    inert_unless = ("label_schema",)
    example_options: ClassVar[dict[str, Any]] = {
        "label-schema": {"org.opencontainers.image.revision": "hash"}
    }

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        yield from bad_typed_labels(
            step,
            self.options.label_schema,
            "hash",
            is_git_hash,
            "Label `{label}` is not a valid git hash.",
        )
