from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, Edit, Fix, LintContext, Problem, Rule, Severity, Step

_LINE = LazyPattern(r"^(?P<head>\s*\S+\s+)(?P<key>\S+)(?P<gap>\s+)(?P<value>.*?)\s*$")


class LegacyKeyValueFormat(Rule):
    """An `ENV` or `LABEL` uses the legacy `key value` form instead of `key=value`.

    ## What it does
    Flags `ENV name value` and `LABEL name value`, where a blank rather than `=` separates the
    key from the value: BuildKit's `LegacyKeyValueFormat` build check.

    ## Why is this bad?
    The legacy form is deprecated. It takes the whole rest of the line as one value, so
    `ENV A 1 B 2` sets `A` to `1 B 2` rather than two variables, and it reads differently from
    every other `key=value` in the file.

    ## Example
    ```dockerfile lines=2,3
    FROM alpine:3.20
    ENV LANG C.UTF-8
    LABEL maintainer Jane Doe
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    ENV LANG=C.UTF-8
    LABEL maintainer="Jane Doe"
    ```

    ## Fix safety
    Offered when the instruction fits on one line and its value has no quote or escape
    character: `key value` becomes `key=value`, or `key="value"` when the value has blanks
    (safe: the variable gets the same value).

    ## References
    - BuildKit: https://docs.docker.com/go/dockerfile/rule/legacy-key-value-format/
    """

    code = "BK007"
    name = "legacy-key-value-format"
    severity = Severity.WARNING
    category = Category.MAINTAINABILITY
    message = "Legacy key/value format with whitespace separator should not be used"
    on = frozenset({"ENV", "LABEL"})
    buildkit_name = "LegacyKeyValueFormat"

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        if step.stage is None:
            return
        command = step.instruction.cmd
        for key, value, separator in step.instruction.pairs:
            if separator:
                continue
            message = (
                f'"{command} key=value" should be used instead of legacy "{command} key value" '
                "format"
            )
            yield Problem(step, message=message, at=key, fix=_fix(ctx, step, key, value))


def _fix(ctx: LintContext, step: Step, key: str, value: str) -> Fix | None:
    instruction = step.instruction
    if instruction.start_line != instruction.end_line:
        return None
    number = instruction.start_line
    match = _LINE.match(ctx.lines[number - 1])
    if match is None or match["key"] != key or match["value"] != value:
        return None
    if any(ch in value for ch in ("'", '"', "\\", "`")):
        return None
    text = f'="{value}"' if any(ch.isspace() for ch in value) else f"={value}"
    edit = Edit(number, match.end("key") + 1, number, match.end("value") + 1, text)
    return Fix(f"Write {key}{text}", (edit,))
