from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, Edit, Fix, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import commands


class CdInsteadOfWorkdir(Rule):
    """A RUN changes directory with `cd` where a `WORKDIR` would say it once for every instruction.

    ## What it does
    Flags a `RUN` that runs `cd`, except inside a subshell (`(cd src && make)`), whose whole
    point is to keep the directory change local.

    ## Why is this bad?
    A `cd` lasts until the end of its `RUN`; the next instruction starts in the `WORKDIR`
    again. Chains of `cd dir && ...` repeated over several RUNs are easy to get wrong, and
    `WORKDIR` also creates the directory and documents where the image works.

    ## Example
    ```dockerfile lines=3
    FROM node:22-slim
    COPY . /app
    RUN cd /app && npm ci
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim
    COPY . /app
    WORKDIR /app
    RUN npm ci
    ```

    ```dockerfile
    FROM debian:12
    RUN (cd /usr/src/app && make install)
    ```

    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY . .
    RUN npm ci
    ```

    ## Fix safety
    When a shell-form `RUN` starts with `cd DIR &&` (an absolute path written out; the `&&` may
    open the next line), the `cd` becomes a `WORKDIR DIR` line above the `RUN`. Unsafe: the
    `WORKDIR` lasts for every later instruction of the stage (relative paths of later `RUN`,
    `COPY` and `CMD` then start from it), and it creates the directory when it is missing.

    ## Differences from hadolint
    hadolint flags every `cd`, including one in a subshell (its issue 422). dockerlens leaves
    subshells alone. A `RUN` that a PowerShell or cmd `SHELL` runs is not judged (hadolint
    reads it as sh and flags a leading `cd`).
    """

    code = "DL3003"
    name = "cd-instead-of-workdir"
    severity = Severity.WARNING
    category = Category.MAINTAINABILITY
    message = "Use WORKDIR to switch to a directory"
    on = frozenset({"RUN"})
    run_mentions = frozenset({"cd"})

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        if any(c.name == "cd" and not c.in_subshell for c in commands(step)):
            yield Problem(step, fix=_fix(ctx, step))


#: ``RUN [flags] cd /dir`` at the start of a line: the keyword, the ``cd`` and the directory,
#: then what follows (``&& ...`` on the same line, or a line continuation).
_LEADING_CD = LazyPattern(
    r"^(?P<indent>[ \t]*)(?P<keyword>(?i:run))(?:[ \t]+--\S+)*[ \t]+"
    r"(?P<cd>cd[ \t]+(?P<dir>/[A-Za-z0-9_./+@-]*))(?P<rest>.*)$"
)
_AND = LazyPattern(r"^[ \t]*(?P<and>&&[ \t]*)(?=\S)")


def _fix(ctx: LintContext, step: Step) -> Fix | None:
    """``RUN cd /dir && a`` (or ``RUN cd /dir \\`` then ``&& a`` on the next line) becomes
    ``WORKDIR /dir`` and ``RUN a``."""
    instruction = step.instruction
    if instruction.json or instruction.heredocs or instruction.sub_cmd is not None:
        return None
    line = instruction.start_line
    match = _LEADING_CD.match(ctx.lines[line - 1])
    if match is None:
        return None
    cut = match.start("cd") + 1
    rest = match["rest"]
    chained = _AND.match(rest)
    if chained is not None:  # cd /dir && a
        removals = [Edit(line, cut, line, match.end("cd") + chained.end() + 1, "")]
    elif rest.strip() == step.escape and line < instruction.end_line:  # cd /dir \ && a
        following = _AND.match(ctx.lines[line])
        if following is None:
            return None
        removals = [
            Edit(line, cut, line, match.end("cd") + 1, ""),
            Edit(line + 1, following.start("and") + 1, line + 1, following.end("and") + 1, ""),
        ]
    else:
        return None
    keyword = "workdir" if match["keyword"].islower() else "WORKDIR"
    start = match.start("keyword") + 1
    workdir = Edit(line, start, line, start, f"{keyword} {match['dir']}\n{match['indent']}")
    return Fix("Move the cd to a WORKDIR", (workdir, *removals), safe=False)
