from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step


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
    COPY start.sh /start.sh
    CMD ["/start.sh"]
    ```

    ```dockerfile
    FROM python:3.12-slim AS dev
    CMD ["python", "manage.py", "runserver"]
    FROM dev AS prod
    CMD ["gunicorn", "app.wsgi"]
    ```

    ## Differences from BuildKit
    BuildKit's `MultipleInstructionsDisallowed` reports the earlier, ignored instruction;
    dockerlens reports the later ones, as hadolint does, so that existing
    `# hadolint ignore=DL4003` comments keep working. Both name the same problem.
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
        self.seen: set[int | None] = set()

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        if step.stage in self.seen:
            yield Problem(step)
        self.seen.add(step.stage)
