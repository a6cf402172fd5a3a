from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import program
from dockerlens.lint.layers import (
    Copy,
    Relation,
    Written,
    copies_before,
    extracted_later,
    located_commands,
    mark,
    removed_by,
    workdirs,
)
from dockerlens.paths import covers
from dockerlens.secrets import secret_kind

_GONE = (Relation.SAME, Relation.CONTAINS)


class CopiedThenDeleted(Rule):
    """A `RUN` deletes or moves files a `COPY` wrote, but their bytes stay in the image.

    ## What it does
    Flags an `rm` or `mv` in a `RUN` whose path is something an earlier `COPY` or `ADD` of the
    same stage (or of a stage it is built `FROM`) wrote, or a directory holding it, such as
    `rm -rf /tmp/*` after `COPY pkg.deb /tmp/`. Relative paths are resolved against the
    `WORKDIR` and any `cd` before the command. Only stages whose layers ship are checked: the
    final stage and the stages it is built `FROM`.

    ## Why is this bad?
    Layers are immutable. The `COPY` made a layer holding the files; the `rm` in a later layer
    only records a whiteout that hides them, so every byte is still stored, pushed and pulled:
    the deletion saves nothing. An `mv` is worse: the moved files are written again in the new
    layer and still weigh in the old one, so they are stored twice.

    Files needed only while a `RUN` works (a package, wheels, an installer) can be
    bind-mounted into that `RUN` (`RUN --mount=type=bind,source=...,target=...`, from the
    context or `from=` a build stage) and never enter a layer; files that belong elsewhere can
    be copied straight to their final place.

    ## Example
    ```dockerfile lines=3
    FROM debian:12-slim
    COPY tool_1.2_amd64.deb /tmp/
    RUN dpkg -i /tmp/tool_1.2_amd64.deb && rm /tmp/tool_1.2_amd64.deb
    ```

    ```dockerfile lines=3
    FROM python:3.12-slim
    COPY --from=wheels /wheels /wheels
    RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
    ```

    ```dockerfile lines=3
    FROM debian:12-slim
    COPY entrypoint.sh /
    RUN mv /entrypoint.sh /usr/local/bin/
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    RUN --mount=type=bind,source=tool_1.2_amd64.deb,target=/tmp/tool.deb dpkg -i /tmp/tool.deb
    ```

    ```dockerfile
    FROM python:3.12-slim
    RUN --mount=type=bind,from=wheels,source=/wheels,target=/wheels \\
        pip install --no-cache-dir /wheels/*.whl
    ```

    ```dockerfile
    FROM debian:12-slim
    COPY entrypoint.sh /usr/local/bin/
    ```

    ## Not reported here
    A path inside a copied directory (`rm -rf /app/node_modules` after `COPY . /app`): the
    `RUN` itself may have made it, and nothing in the Dockerfile says which files the
    directory held; keep such files out of the context with `.dockerignore` (DK208).

    An archive that a later `RUN` unpacks is DL3010's case (or DK207's, for archives DL3010
    does not cover), and a file that looks like a secret is DK209's: those rules report it
    with the advice that fits. A shell variable the script sets is not guessed.
    """

    code = "DK202"
    name = "copied-then-deleted"
    severity = Severity.WARNING
    category = Category.BLOAT
    message = "Deleting or moving copied files leaves their bytes in the COPY layer"
    on = frozenset({"RUN"})
    run_mentions = frozenset({"rm", "mv"})

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        stage = ctx.stage_of(step)
        if step.instruction.sub_cmd is not None or not ctx.ships_layers(stage):
            return
        copies = copies_before(ctx, step)
        if not copies:
            return
        cwds = workdirs(ctx)
        for located in located_commands(step, cwds.get(step.index)):
            tool = program(located.command)
            for path in removed_by(step, located):
                found = self._copied(ctx, step, copies, path)
                if found is None:
                    continue
                copy, _ = found
                line = copy.step.line
                if tool == "rm":
                    message = (
                        f"`rm` of {path} deletes what `{copy.keyword}` wrote at line {line}: "
                        "its bytes stay in that layer; bind-mount it into the RUN instead"
                    )
                else:
                    message = (
                        f"`mv` of {path} stores again what `{copy.keyword}` wrote at line "
                        f"{line}: copy it to its final place instead"
                    )
                yield Problem(step, message=message, at=mark(ctx, step, located.command))
                break

    def _copied(
        self, ctx: LintContext, step: Step, copies: list[Copy], path: str
    ) -> tuple[Copy, Written] | None:
        if path == "/":
            return None
        for copy in reversed(copies):
            for written in copy.written:
                if not covers(path, written.path) or written.path == "/":
                    continue
                if secret_kind(written.source) is not None:
                    continue
                if extracted_later(ctx, copy, written, step) is not None:
                    continue
                return copy, written
        return None
