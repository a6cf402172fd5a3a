from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, Edit, Fix, LintContext, Problem, Rule, Severity, Step


class MaintainerDeprecated(Rule):
    """`MAINTAINER` is deprecated; a `maintainer` label says the same thing.

    ## What it does
    Flags every `MAINTAINER` instruction.

    ## Why is this bad?
    `MAINTAINER` has been deprecated since Docker 1.13. It only fills the image's obsolete
    `Author` field, which most tools no longer show; labels are where image metadata lives
    now, and they can be queried with `docker inspect` like any other label.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    MAINTAINER Jane Doe <jane@example.com>
    ```

    ```dockerfile lines=2
    FROM debian:12
    maintainer "Ops" $TEAM
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    LABEL maintainer="Jane Doe <jane@example.com>"
    ```

    ```dockerfile
    FROM debian:12
    label maintainer="\\"Ops\\" \\$TEAM"
    ```

    ## Fix safety
    `MAINTAINER x` becomes `LABEL maintainer="x"`, with the text quoted so that the label holds
    exactly what `MAINTAINER` did (LABEL expands variables; MAINTAINER does not). Safe: the
    label holds the same text; only the obsolete `Author` field of the image stays empty.
    """

    code = "DL4000"
    name = "maintainer-deprecated"
    severity = Severity.ERROR
    category = Category.MAINTAINABILITY
    message = "MAINTAINER is deprecated"
    on = frozenset({"MAINTAINER"})
    buildkit_name = "MaintainerDeprecated"

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        yield Problem(step, at=step.instruction.cmd, fix=_label_fix(step, ctx))


def _label_fix(step: Step, ctx: LintContext) -> Fix | None:
    instruction = step.instruction
    first, last = instruction.start_line, instruction.end_line
    if last > len(ctx.lines) or not instruction.value:
        return None
    text = ctx.lines[first - 1]
    column = len(text) - len(text.lstrip())
    if text[column : column + len(instruction.cmd)] != instruction.cmd:
        return None
    escape = step.escape
    value = "".join(escape + c if c in ('"', "$", escape) else c for c in instruction.value[0])
    keyword = "label" if instruction.cmd.islower() else "LABEL"
    end = len(ctx.lines[last - 1]) + 1
    edit = Edit(first, column + 1, last, end, f'{keyword} maintainer="{value}"')
    return Fix("Replace MAINTAINER with a maintainer label", (edit,))
