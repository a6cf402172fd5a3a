from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Stage, Step
from dockerlens.lint.stages import inherited, possible_bases

_DRIVE = LazyPattern(r"^[A-Za-z]:")


class CopyRelativeWithoutWorkdir(Rule):
    """`COPY` or `ADD` to a relative destination in a stage that never set a `WORKDIR`.

    ## What it does
    Flags a `COPY` or `ADD` whose destination (once variables with known values are expanded)
    is a relative path, when no `WORKDIR` came before it in the stage or in the stages it is
    built `FROM`.

    ## Why is this bad?
    A relative destination is resolved against the working directory, which this Dockerfile
    never chose: it is whatever the base image set, or `/`. The files land somewhere else the
    day the base image changes its `WORKDIR`.

    ## Example
    ```dockerfile lines=2
    FROM node:22-slim
    COPY package.json .
    ```

    ```dockerfile lines=2
    FROM debian:12
    ADD app.tar.gz app/
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim
    WORKDIR /usr/src/app
    COPY package.json .
    ```

    ```dockerfile
    FROM debian:12
    ENV APP=/opt/app
    ADD app.tar.gz $APP/
    ```

    ## Differences from hadolint
    hadolint checks `COPY` only; `ADD` resolves its destination the same way and is checked
    too. hadolint passes every destination that starts with a variable; dockerlens expands
    variables whose values the Dockerfile knows (`ENV APP=app` then `COPY . $APP` is
    relative) and skips a destination only when it starts with a value it cannot know
    (`app_${VERSION}.zip` is relative whatever the value). hadolint tracks `WORKDIR` by image name,
    so `FROM debian` twice shares one; dockerlens follows the stages themselves, and a base it
    cannot resolve (`FROM runtime_${PACKAGE}`) counts as setting a `WORKDIR` when every earlier
    stage whose name fits sets one. A stage
    built `FROM scratch` (directly or through other stages) is not reported: with no base
    image its working directory is `/` and nothing can change it (hadolint reports it).
    """

    code = "DL3045"
    name = "copy-relative-without-workdir"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = "`COPY` to a relative destination without `WORKDIR` set."
    on = frozenset({"COPY", "ADD"})

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        words = step.instruction.value
        if len(words) < 2:  # before any FROM too (DL3061), as hadolint does
            return
        raw = words[-1]
        dest = step.expanded[-1] if len(step.expanded) == len(words) else raw
        if "$" in raw and (step.undefined or "$" in dest):
            # A value the Dockerfile does not know: judged by the text before it, if any
            # (`app_${VERSION}.zip` is relative whatever VERSION is; `$DEST` may be anything).
            dest = dest.split("$", 1)[0]
            if not dest:
                return
        if not dest or dest.startswith(("/", "\\")) or _DRIVE.match(dest):
            return
        if ctx.ran_before(step, "WORKDIR"):
            return
        stage = ctx.stage_of(step)
        if stage is not None and ctx.root_stage(stage).is_scratch:
            # No base image: the working directory is `/` and nothing can change it.
            return
        if stage is not None and _every_possible_base_sets_workdir(ctx, ctx.root_stage(stage)):
            return
        message = None if step.keyword == "COPY" else self.message.replace("COPY", "ADD")
        # The destination is the last argument: its last appearance (`COPY x.patch .`).
        at = raw if step.instruction.heredocs else ctx.locate(step, raw, -1) or raw
        yield Problem(step, message=message, at=at)


def _every_possible_base_sets_workdir(ctx: LintContext, stage: Stage) -> bool:
    """``stage`` (the root of a lineage) is built on a base the model cannot resolve (``FROM
    runtime_${PACKAGE}``) whose every candidate stage sets a ``WORKDIR``, itself or through its
    own bases."""
    bases = possible_bases(ctx, stage)
    return bool(bases) and all(
        "WORKDIR" in inherited(ctx, base, lambda s: _workdirs(ctx, s)) for base in bases
    )


def _workdirs(ctx: LintContext, stage: Stage) -> set[str]:
    return {
        "WORKDIR"
        for step in ctx.stage_steps(stage)
        if step.keyword == "WORKDIR" and step.instruction.sub_cmd is None
    }
