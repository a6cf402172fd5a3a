from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, Edit, Fix, LintContext, Problem, Rule, Severity, Step


class ConsistentInstructionCasing(Rule):
    """An instruction keyword is in mixed case, or not in the case most of the file uses.

    ## What it does
    Counts the keywords of the instructions inside stages (`FROM` included, `ARG`s before the
    first `FROM` not), as BuildKit's `ConsistentInstructionCasing` build check does: the
    majority casing is lower case when more keywords are all lower case than all upper case,
    upper case otherwise. Flags every keyword that is not entirely in that casing (so `Run`
    always, `run` in a mostly upper-case file).

    ## Why is this bad?
    Dockerfile keywords are case-insensitive, but a file that mixes `RUN`, `run` and `Run` is
    harder to scan, and instructions written in a different case look like they came from
    elsewhere.

    ## Example
    ```dockerfile lines=2
    FROM alpine:3.20
    run echo hello > /greeting.txt
    COPY app /app
    ```

    ```dockerfile lines=1
    From alpine:3.20
    RUN echo hello > /greeting.txt
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    RUN echo hello > /greeting.txt
    COPY app /app
    ```

    ```dockerfile
    FROM alpine:3.20
    RUN echo hello > /greeting.txt
    ```

    A file written all in lower case is consistent too.

    ## Fix safety
    Rewrites the keyword in the majority casing (safe).

    ## Differences from BuildKit
    A `# check=skip=ConsistentInstructionCasing` comment directly above an instruction
    silences it for that instruction; BuildKit honours only the file-wide directive for this
    check.

    ## References
    - BuildKit: https://docs.docker.com/go/dockerfile/rule/consistent-instruction-casing/
    """

    code = "BK004"
    name = "consistent-instruction-casing"
    severity = Severity.WARNING
    category = Category.STYLE
    message = "All commands within the Dockerfile should use the same casing"
    buildkit_name = "ConsistentInstructionCasing"

    def finish(self, ctx: LintContext) -> Iterator[Problem]:
        steps = [s for s in ctx.steps if s.stage is not None]
        lower = sum(1 for s in steps if s.instruction.cmd == s.instruction.cmd.lower())
        upper = sum(
            1
            for s in steps
            if s.instruction.cmd == s.instruction.cmd.upper()
            and s.instruction.cmd != s.instruction.cmd.lower()
        )
        majority_lower = lower > upper
        for step in steps:
            command = step.instruction.cmd
            wanted = command.lower() if majority_lower else command.upper()
            if command == wanted:
                continue
            casing = "lowercase" if majority_lower else "uppercase"
            message = (
                f"Command '{command}' should match the case of the command majority ({casing})"
            )
            yield Problem(step, message=message, at=command, fix=_fix(ctx, step, wanted))


def _fix(ctx: LintContext, step: Step, wanted: str) -> Fix | None:
    number = step.instruction.start_line
    text = ctx.lines[number - 1]
    column = len(text) - len(text.lstrip(" \t\ufeff"))
    command = step.instruction.cmd
    if text[column : column + len(command)] != command:
        return None
    edit = Edit(number, column + 1, number, column + 1 + len(command), wanted)
    return Fix(f"Write {wanted}", (edit,))
