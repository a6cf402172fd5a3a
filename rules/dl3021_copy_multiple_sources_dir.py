from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step


class CopyMultipleSourcesDir(Rule):
    """`COPY` with several sources has a destination that does not end with `/`.

    ## What it does
    Flags a `COPY` with more than one source (files, patterns or heredocs) whose destination,
    once build arguments are expanded, does not end with `/`. A `COPY --parents` is left
    alone: it keeps each source's path under the destination, which is a folder by definition.

    ## Why is this bad?
    With several sources the destination must be a directory, and the trailing slash is what
    says so: the legacy builder refuses the build otherwise, and BuildKit copies the sources
    onto that path when it is not an existing folder.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    COPY package.json package-lock.json /app
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    COPY package.json package-lock.json /app/
    ```

    ```dockerfile
    FROM debian:12
    ARG DEST=/app/
    COPY package.json package-lock.json ${DEST}
    ```

    ## Differences from hadolint
    The destination is expanded with build arguments first; a destination that stays an
    unresolved variable is not judged. `COPY --parents` (BuildKit only) is not judged.
    """

    code = "DL3021"
    name = "copy-multiple-sources-dir"
    severity = Severity.ERROR
    category = Category.CORRECTNESS
    message = "COPY with more than 2 arguments requires the last argument to end with /"
    on = frozenset({"COPY"})

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        words = step.expanded or step.instruction.value
        if len(words) < 3 or step.flag("parents") in ("", "true"):
            return
        target = words[-1]
        if len(target) >= 2 and target[0] == target[-1] and target[0] in "\"'":
            target = target[1:-1]
        if not target or "$" in target or target.endswith(("/", "\\")):
            return
        yield Problem(step, at=step.instruction.value[-1])
