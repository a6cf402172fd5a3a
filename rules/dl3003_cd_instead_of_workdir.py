from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
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
    WORKDIR /app
    COPY . .
    RUN npm ci
    ```

    ```dockerfile
    FROM debian:12
    RUN (cd /usr/src/app && make install)
    ```

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
            yield Problem(step)
