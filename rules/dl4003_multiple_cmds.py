from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, Fix, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.edits import delete_instruction


class MultipleCmds(Rule):
    """A stage has more than one `CMD`; only the last one takes effect.

    ## What it does
    Flags every `CMD` after the first in the same stage.

    ## Why is this bad?
    An image has one default command. Earlier `CMD`s are silently replaced, so a reader may
    take the first one for what the container runs.

    ## Example
    ```dockerfile lines=3
    FROM python:3.12-slim
    CMD ["python", "manage.py", "migrate"]
    CMD ["gunicorn", "app.wsgi"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    CMD ["gunicorn", "app.wsgi"]
    ```

    ```dockerfile
    FROM python:3.12-slim AS dev
    CMD ["python", "manage.py", "runserver"]
    FROM dev AS prod
    CMD ["gunicorn", "app.wsgi"]
    ```

    ```dockerfile
    FROM python:3.12-slim
    COPY start.sh /start.sh
    CMD ["/start.sh"]
    ```

    ## Differences from BuildKit
    BuildKit's `MultipleInstructionsDisallowed` reports the earlier, ignored instruction;
    dockerlens reports the later ones, as hadolint does, so that existing
    `# hadolint ignore=DL4003` comments keep working. Both name the same problem.

    ## Fix safety
    The earlier `CMD` of the stage is deleted. Safe: it had no effect. If both commands were
    meant to run, a script that runs them in turn (the third block above) is the way.
    """

    code = "DL4003"
    name = "multiple-cmds"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = (
        "Multiple `CMD` instructions found. If you list more than one `CMD` then only the "
        "last `CMD` will take effect"
    )
    on = frozenset({"CMD"})
    buildkit_name = "MultipleInstructionsDisallowed"

    def __init__(self, options: object = None) -> None:
        super().__init__(options)
        #: The last CMD of each stage so far.
        self.seen: dict[int | None, Step] = {}

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        earlier = self.seen.get(step.stage)
        if earlier is not None:
            edit = delete_instruction(ctx, earlier)
            fix = Fix("Delete the earlier CMD, which has no effect", (edit,)) if edit else None
            yield Problem(step, fix=fix)
        self.seen[step.stage] = step
