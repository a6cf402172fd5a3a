from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step


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
        self.seen: set[int | None] = set()

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        if step.stage in self.seen:
            yield Problem(step)
        self.seen.add(step.stage)
