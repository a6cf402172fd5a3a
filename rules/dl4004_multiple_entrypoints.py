from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, Fix, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.edits import delete_instruction


class MultipleEntrypoints(Rule):
    """A stage has more than one `ENTRYPOINT`; only the last one takes effect.

    ## What it does
    Flags every `ENTRYPOINT` after the first in the same stage.

    ## Why is this bad?
    An image has one entrypoint. Earlier ones are silently replaced, so a reader may take
    the first one for what the container runs.

    ## Example
    ```dockerfile lines=3
    FROM python:3.12-slim
    ENTRYPOINT ["python"]
    ENTRYPOINT ["gunicorn"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    ENTRYPOINT ["gunicorn"]
    ```

    ## Differences from BuildKit
    BuildKit's `MultipleInstructionsDisallowed` reports the earlier, ignored instruction;
    dockerlens reports the later ones, as hadolint does, so that existing
    `# hadolint ignore=DL4004` comments keep working. Both name the same problem.

    ## Fix safety
    The earlier `ENTRYPOINT` of the stage is deleted. Safe: it had no effect.
    """

    code = "DL4004"
    name = "multiple-entrypoints"
    severity = Severity.ERROR
    category = Category.CORRECTNESS
    message = (
        "Multiple `ENTRYPOINT` instructions found. If you list more than one `ENTRYPOINT` "
        "then only the last `ENTRYPOINT` will take effect"
    )
    on = frozenset({"ENTRYPOINT"})
    buildkit_name = "MultipleInstructionsDisallowed"

    def __init__(self, options: object = None) -> None:
        super().__init__(options)
        #: The last ENTRYPOINT of each stage so far.
        self.seen: dict[int | None, Step] = {}

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        earlier = self.seen.get(step.stage)
        if earlier is not None:
            edit = delete_instruction(ctx, earlier)
            fix = (
                Fix("Delete the earlier ENTRYPOINT, which has no effect", (edit,)) if edit else None
            )
            yield Problem(step, fix=fix)
        self.seen[step.stage] = step
