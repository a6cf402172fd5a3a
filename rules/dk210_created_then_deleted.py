from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import args_without_flags, program
from dockerlens.lint.layers import (
    Located,
    located_commands,
    mark,
    path_args,
    removed_by,
    workdirs,
    written_by,
)
from dockerlens.paths import covers

#: Commands whose output is not worth a finding: an empty directory, an empty file, a link.
_NO_BYTES = frozenset({"mkdir", "touch", "ln"})
#: Paths that are not files of the layer.
_NOT_IN_LAYER = ("/dev/", "/proc/", "/sys/", "/run/secrets/")


class _Made(NamedTuple):
    """A path a RUN wrote and did not delete itself."""

    step: Step
    command: Located
    path: str


class CreatedThenDeleted(Rule):
    """A `RUN` writes files that a later `RUN` deletes, but their bytes stay in the image.

    ## What it does
    Flags a `RUN` that downloads or writes a file (`curl -o`, `wget -O`, a `>` redirect,
    `cp`/`mv`/`install` targets), clones a repository (`git clone`), downloads packages
    (`pip download -d`) or unpacks an archive into a folder (`tar -x -C`, `unzip -d`) when a
    later `RUN` of the same image deletes that path, or a directory holding it, with `rm`. The
    finding is on the `RUN` that wrote the bytes and names the line that deletes them.
    Relative paths are resolved against the `WORKDIR` and any `cd`. Only stages whose layers
    ship are checked: the final stage and the stages it is built `FROM`.

    ## Why is this bad?
    Layers are immutable. The first `RUN` stored the files in its layer; the `rm` in a later
    layer only records a whiteout that hides them, so every byte is still stored, pushed and
    pulled, and the deletion saves nothing. Do the work and the clean-up in one `RUN`, or
    download and build in an earlier stage and `COPY --from` only the result.

    ## Example
    ```dockerfile lines=2
    FROM debian:12-slim
    RUN curl -fsSLo /tmp/tool.tar.gz https://example.com/tool-1.2.tar.gz
    RUN tar -xzf /tmp/tool.tar.gz -C /usr/local/bin && rm /tmp/tool.tar.gz
    ```

    ```dockerfile lines=2
    FROM python:3.12-slim
    RUN git clone --depth 1 https://github.com/org/app.git /src/app
    RUN pip install --no-cache-dir /src/app
    RUN rm -rf /src
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    RUN curl -fsSLo /tmp/tool.tar.gz https://example.com/tool-1.2.tar.gz \\
        && tar -xzf /tmp/tool.tar.gz -C /usr/local/bin && rm /tmp/tool.tar.gz
    ```

    ```dockerfile
    FROM python:3.12-slim AS build
    RUN git clone --depth 1 https://github.com/org/app.git /src/app \\
        && pip wheel --no-cache-dir --wheel-dir /wheels /src/app
    FROM python:3.12-slim
    RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \\
        pip install --no-cache-dir /wheels/*.whl
    ```

    ## Not reported here
    A directory made with `mkdir` and filled by a build whose output the Dockerfile does not
    name, empty files (`touch`) and links (`ln`): how many bytes they hold cannot be told.
    Files a `COPY` wrote and a `RUN` deleted are DK202's case. A shell variable the script
    sets is not guessed. `dockerlens lint --image` measures the bytes.
    """

    code = "DK210"
    name = "created-then-deleted"
    severity = Severity.WARNING
    category = Category.BLOAT
    message = "Files a RUN wrote are deleted by a later RUN: their bytes stay in the first layer"
    on = frozenset({"RUN"})

    def __init__(self, options: object = None) -> None:
        super().__init__(options)
        self._made: list[_Made] = []

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        stage = ctx.stage_of(step)
        if step.instruction.sub_cmd is not None or not ctx.ships_layers(stage):
            return
        lineage = {s.index for s in ctx.lineage(stage)}
        located = list(located_commands(step, workdirs(ctx).get(step.index)))
        made_here: list[_Made] = []
        for item in located:
            deleted = _deleted_by(step, item)
            if deleted:
                for made in self._made:
                    if made.step.stage not in lineage:
                        continue
                    gone = next((p for p in deleted if _removes(p, made.path)), None)
                    if gone is None:
                        continue
                    yield self._problem(ctx, made, step, gone)
                self._made = [
                    m for m in self._made if not any(_removes(p, m.path) for p in deleted)
                ]
                made_here = [m for m in made_here if not any(_removes(p, m.path) for p in deleted)]
            if program(item.command) == "mv":
                # Moved away, not deleted: a later `rm` of the old folder misses it.
                moved = removed_by(step, item)
                self._made = [m for m in self._made if not any(_removes(p, m.path) for p in moved)]
                made_here = [m for m in made_here if not any(_removes(p, m.path) for p in moved)]
            if program(item.command) in _NO_BYTES:
                continue
            for path in written_by(step, item):
                if path != "/" and not path.startswith(_NOT_IN_LAYER):
                    made_here.append(_Made(step, item, path))
        self._made += made_here

    def _problem(self, ctx: LintContext, made: _Made, deleter: Step, gone: str) -> Problem:
        shown = made.path if gone == made.path else f"{made.path} (`rm` of {gone})"
        message = (
            f"`{program(made.command.command)}` writes {shown}, which the RUN at line "
            f"{deleter.line} deletes: its bytes stay in this layer; delete it in this RUN, or "
            "make it in a build stage"
        )
        return Problem(made.step, message=message, at=mark(ctx, made.step, made.command.command))


def _deleted_by(step: Step, item: Located) -> list[str]:
    if program(item.command) != "rm":
        return []
    return [p for p in path_args(step, item, args_without_flags(item.command)) if p != "/"]


def _removes(deleted: str, path: str) -> bool:
    return covers(deleted, path)
