from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step


class JsonArgsRecommended(Rule):
    """`CMD`, `ENTRYPOINT` or `HEALTHCHECK CMD` in shell form runs a shell as PID 1.

    ## What it does
    Flags `CMD`, `ENTRYPOINT` and `HEALTHCHECK CMD` written in shell form (`CMD node server.js`)
    rather than as a JSON array, unless a `SHELL` instruction earlier in the stage (or in the
    stage it is built from) chose the shell deliberately.

    ## Why is this bad?
    Shell form runs `/bin/sh -c "..."`: the shell, not the program, becomes PID 1 and does not
    pass on `SIGTERM`, so `docker stop` waits for its timeout and then kills the container
    without a clean shutdown. An `ENTRYPOINT` in shell form also ignores the arguments of
    `docker run` and `CMD`.

    ## Example
    ```dockerfile lines=2
    FROM node:22-slim
    CMD node server.js
    ```

    ```dockerfile lines=2,3
    FROM node:22-slim
    ENTRYPOINT exec node server.js
    HEALTHCHECK CMD curl -f http://localhost:3000/ || exit 1
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim
    CMD ["node", "server.js"]
    ```

    ```dockerfile
    FROM node:22-slim
    ENTRYPOINT ["node", "server.js"]
    HEALTHCHECK CMD ["curl", "-f", "http://localhost:3000/"]
    ```

    ```dockerfile
    FROM mcr.microsoft.com/windows/servercore:ltsc2022
    SHELL ["powershell", "-Command"]
    CMD Write-Host "ready"; Start-Sleep -Seconds 3600
    ```

    ## Differences from hadolint
    hadolint has no exception for `SHELL`. dockerlens follows BuildKit's `JSONArgsRecommended`
    check: once a `SHELL` instruction has chosen the shell (in the stage or in the stage it is
    built `FROM`), shell form is a deliberate choice, as on Windows images where the command is
    PowerShell. Like hadolint, and unlike BuildKit, `HEALTHCHECK CMD` is checked too.
    """

    code = "DL3025"
    name = "json-args-recommended"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = "Use arguments JSON notation for CMD and ENTRYPOINT arguments"
    on = frozenset({"CMD", "ENTRYPOINT", "HEALTHCHECK"})
    buildkit_name = "JSONArgsRecommended"

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        instruction = step.instruction
        if instruction.json or not instruction.value:
            return
        if step.keyword == "HEALTHCHECK" and instruction.value[0].upper() != "CMD":
            return  # HEALTHCHECK NONE
        if ctx.ran_before(step, "SHELL"):
            return
        yield Problem(step)
