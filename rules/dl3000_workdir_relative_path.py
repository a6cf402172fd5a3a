from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, Edit, Fix, LintContext, Problem, Rule, Severity, Step

_DRIVE = LazyPattern(r"^[A-Za-z]:")


class WorkdirRelativePath(Rule):
    """The first `WORKDIR` of a stage is a relative path, which depends on the base image's.

    ## What it does
    Flags a relative `WORKDIR` (once build arguments and variables are expanded) when no
    `WORKDIR` was set before it in the stage or in the stages it is built from. Later relative
    paths are fine: they are relative to a directory this Dockerfile chose.

    ## Why is this bad?
    A relative `WORKDIR` is resolved against the working directory the base image left behind.
    When the base image changes it, files land somewhere else and commands run elsewhere, with
    no change to the Dockerfile.

    ## Example
    ```dockerfile lines=2
    FROM node:22-slim
    WORKDIR app
    ```

    ```dockerfile lines=3
    FROM node:22-slim
    ARG APP=app
    WORKDIR ${APP}
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    ```

    ```dockerfile
    FROM node:22-slim AS base
    WORKDIR /srv
    FROM base
    WORKDIR app
    ```

    ## Fix safety
    A relative path written out (no variable) gets a leading `/`. Unsafe: the base image may
    set its own `WORKDIR`, which the relative path was relative to.

    ## Differences from hadolint
    hadolint flags every relative `WORKDIR` and passes every path that starts with a variable.
    dockerlens follows BuildKit's `WorkdirRelativePath` check: only the first `WORKDIR` of a
    stage counts (a stage built `FROM` an earlier one inherits that earlier stage's choice),
    and a variable whose value is known is expanded before judging. A path whose variables are
    unknown (set by the base image) is not judged.
    """

    code = "DL3000"
    name = "workdir-relative-path"
    severity = Severity.ERROR
    category = Category.CORRECTNESS
    message = "Use absolute WORKDIR"
    on = frozenset({"WORKDIR"})
    buildkit_name = "WorkdirRelativePath"

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        if ctx.ran_before(step, "WORKDIR"):
            return
        raw = _unquote(step.instruction.value[0]) if step.instruction.value else ""
        path = raw
        if "$" in raw and step.expanded:
            path = _unquote(step.expanded[0])
        if raw.startswith("$") and (step.undefined or "$" in path or not path):
            return  # set from variables whose value the Dockerfile does not know
        if not path or path.startswith(("/", "\\", "$")) or _DRIVE.match(path):
            return
        yield Problem(step, at=step.instruction.value[0], fix=_fix(ctx, step, raw))


def _fix(ctx: LintContext, step: Step, raw: str) -> Fix | None:
    span = ctx.word_span(step, 0)
    if "$" in raw or span is None:
        return None
    line, column, _ = span
    word = step.instruction.value[0]
    quote = word[0] if word[0] in "\"'" and word != raw else ""
    edit = Edit(line, column + len(quote), line, column + len(quote), "/")
    return Fix("Make the path absolute", (edit,), safe=False)


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text
