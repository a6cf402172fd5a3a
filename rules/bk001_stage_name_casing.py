from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, Edit, Fix, LintContext, Problem, Rule, Severity, Step


class StageNameCasing(Rule):
    """A build stage is named with upper-case letters.

    ## What it does
    Flags `FROM image AS Name` when the stage name has an upper-case letter: BuildKit's
    `StageNameCasing` build check.

    ## Why is this bad?
    BuildKit lower-cases stage names, so `AS Builder` defines a stage called `builder`: the name
    written is not the name the build knows, and `--target Builder`, `COPY --from=Builder` and
    `COPY --from=builder` all find it while `FROM Builder` does not (it is looked up as an image).
    Writing names in lower case avoids the confusion.

    ## Example
    ```dockerfile lines=1
    FROM golang:1.22 AS BuildStage
    RUN go build -o /app .
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.22 AS buildstage
    RUN go build -o /app .
    ```

    ## Fix safety
    Lower-cases the name where the stage is defined (safe: BuildKit uses the lower-case name
    anyway). References to the stage elsewhere are left as they are.

    ## References
    - BuildKit: https://docs.docker.com/go/dockerfile/rule/stage-name-casing/
    """

    code = "BK001"
    name = "stage-name-casing"
    severity = Severity.WARNING
    category = Category.STYLE
    message = "Stage names should be lowercase"
    on = frozenset({"FROM"})
    buildkit_name = "StageNameCasing"

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        words = step.instruction.value
        if len(words) != 3 or words[2] == words[2].lower():
            return
        name = words[2]
        fix = None
        span = ctx.word_span(step, 2)
        if span is not None:
            line, start, end = span
            edit = Edit(line, start, line, end, name.lower())
            fix = Fix(f"Rename the stage to {name.lower()!r}", (edit,))
        yield Problem(step, message=f"Stage name '{name}' should be lowercase", at=name, fix=fix)
