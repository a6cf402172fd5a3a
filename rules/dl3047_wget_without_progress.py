from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, Fix, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import commands, has_args, has_flag, program
from dockerlens.lint.edits import insert_flag
from dockerlens.lint.layers import mark


class WgetWithoutProgress(Rule):
    """`wget` prints its default progress bar into the build log.

    ## What it does
    Flags a `wget` run without `--progress=...`, `-q` (`--quiet`), `-nv` (`--no-verbose`),
    `-o` (`--output-file`) or `-a` (`--append-output`).

    ## Why is this bad?
    Without a terminal, `wget`'s progress display falls back to one line of dots per few
    kilobytes: a large download fills the build log with thousands of lines and hides what
    matters.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    RUN wget https://example.com/app.tar.gz
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    RUN wget --progress=dot:giga https://example.com/app.tar.gz
    ```

    ```dockerfile
    FROM debian:12
    RUN wget -nv https://example.com/app.tar.gz
    ```

    ## Fix safety
    `--progress=dot:giga` is inserted after `wget` when the `RUN` has one `wget`. Unsafe:
    BusyBox's `wget` (Alpine's unless the `wget` package is installed) does not know the
    option and fails; use `-q` there.

    ## Differences from hadolint
    Commands inside `$(...)` are checked too, as hadolint does; `wget --version` and
    `wget --help`, which download nothing, are not reported.
    """

    code = "DL3047"
    name = "wget-without-progress"
    severity = Severity.INFO
    category = Category.STYLE
    message = (
        "Avoid use of wget without progress bar. Use `wget --progress=dot:giga <url>`. "
        "Or consider using `-q` or `-nv` (shorthands for `--quiet` or `--no-verbose`)."
    )
    on = frozenset({"RUN"})
    run_mentions = frozenset({"wget"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        for command in commands(step):
            if program(command) != "wget":
                continue
            if has_flag(command, "progress", "q", "quiet", "o", "output-file"):
                continue
            if has_flag(command, "a", "append-output", "no-verbose") or has_args(command, "-nv"):
                continue
            if has_flag(command, "V", "version", "h", "help"):
                continue
            at = mark(ctx, step, command, words=1) or command.name
            yield Problem(step, at=at, fix=_fix(ctx, step))
            return


def _fix(ctx: LintContext, step: Step) -> Fix | None:
    if sum(program(command) == "wget" for command in commands(step)) != 1:
        return None
    edit = insert_flag(ctx, step, "wget", "--progress=dot:giga")
    return Fix("Add --progress=dot:giga to wget", (edit,), safe=False) if edit else None
