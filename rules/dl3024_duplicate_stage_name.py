from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step


class DuplicateStageName(Rule):
    """Two stages have the same name.

    ## What it does
    Flags a `FROM ... AS name` whose name an earlier stage already has. Names are compared
    without regard to case, as BuildKit does.

    ## Why is this bad?
    `COPY --from`, `FROM` and `--target` pick one of the stages by name, and which one is not
    what a reader expects. A duplicate is almost always a copy-paste slip.

    ## Example
    ```dockerfile lines=2
    FROM golang:1.23 AS build
    FROM node:22 AS build
    ```

    ```dockerfile lines=2
    FROM golang:1.23 AS Build
    FROM node:22 AS build
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.23 AS build-api
    FROM node:22 AS build-web
    ```

    ## Differences from hadolint
    hadolint compares names with case, so `AS Build` and `AS build` pass; BuildKit treats
    stage names without case (its `DuplicateStageName` check reports them), and so does
    dockerlens.
    """

    code = "DL3024"
    name = "duplicate-stage-name"
    severity = Severity.ERROR
    category = Category.CORRECTNESS
    message = "FROM aliases (stage names) must be unique"
    on = frozenset({"FROM"})
    buildkit_name = "DuplicateStageName"

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        stage = ctx.stage_of(step)
        if stage is None or stage.name is None:
            return
        name = stage.name.lower()
        if any(s.name is not None and s.name.lower() == name for s in ctx.stages[: stage.index]):
            yield Problem(step, at=stage.name)
