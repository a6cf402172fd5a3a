from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, Fix, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.edits import delete_instruction


class MultipleHealthchecks(Rule):
    """A stage has more than one `HEALTHCHECK`; only the last one takes effect.

    ## What it does
    Flags every `HEALTHCHECK` after the first in the same stage.

    ## Why is this bad?
    An image has one health check. Earlier ones are silently replaced, so the check that
    runs may not be the one a reader sees first.

    ## Example
    ```dockerfile lines=3
    FROM nginx:1.27
    HEALTHCHECK CMD ["curl", "-f", "http://localhost/"]
    HEALTHCHECK CMD ["curl", "-f", "http://localhost/health"]
    ```

    ## Use instead
    ```dockerfile
    FROM nginx:1.27
    HEALTHCHECK CMD ["curl", "-f", "http://localhost/health"]
    ```

    ```dockerfile
    FROM nginx:1.27 AS base
    HEALTHCHECK CMD ["curl", "-f", "http://localhost/"]
    FROM base
    HEALTHCHECK NONE
    ```

    ## Differences from BuildKit
    BuildKit's `MultipleInstructionsDisallowed` reports the earlier, ignored instruction;
    dockerlens reports the later ones, as hadolint does, so that existing
    `# hadolint ignore=DL3012` comments keep working. Both name the same problem.

    ## Fix safety
    The earlier `HEALTHCHECK` of the stage is deleted. Safe: it had no effect.
    """

    code = "DL3012"
    name = "multiple-healthchecks"
    severity = Severity.ERROR
    category = Category.CORRECTNESS
    message = "Multiple `HEALTHCHECK` instructions"
    on = frozenset({"HEALTHCHECK"})
    buildkit_name = "MultipleInstructionsDisallowed"

    def __init__(self, options: object = None) -> None:
        super().__init__(options)
        #: The last HEALTHCHECK of each stage so far.
        self.seen: dict[int | None, Step] = {}

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        earlier = self.seen.get(step.stage)
        if earlier is not None:
            edit = delete_instruction(ctx, earlier)
            fix = (
                Fix("Delete the earlier HEALTHCHECK, which has no effect", (edit,))
                if edit
                else None
            )
            yield Problem(step, fix=fix)
        self.seen[step.stage] = step
