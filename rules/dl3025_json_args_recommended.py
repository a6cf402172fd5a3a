from __future__ import annotations

import json
from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, Edit, Fix, LintContext, Problem, Rule, Severity, Step


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

    ## Fix safety
    A one-line command made of plain words (no variable, quote, escape, glob, redirection or
    operator) is rewritten in JSON form; a leading `exec` goes, and so does a `|| exit 1`
    after a `HEALTHCHECK` command (Docker counts any non-zero status as unhealthy). Unsafe:
    the command then runs without a shell, so it gets signals itself and no longer sees what
    a shell would have set up (the `ENTRYPOINT` also stops ignoring the `CMD`).

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
        yield Problem(step, fix=_fix(ctx, step))


#: The instruction up to its command (``CMD ``, ``HEALTHCHECK --interval=5s CMD ``), and the
#: command.
_SHELL_FORM = LazyPattern(
    r"^(?P<head>[ \t]*(?:(?i:cmd|entrypoint)|(?i:healthcheck)(?:[ \t]+--\S+)*[ \t]+(?i:cmd))"
    r"[ \t]+)(?P<command>.*?)[ \t]*$"
)
#: Words a shell passes on as they are.
_PLAIN_WORDS = LazyPattern(r"^[A-Za-z0-9_./:@%+=,-]+(?:[ \t]+[A-Za-z0-9_./:@%+=,-]+)*$")
_EXIT_1 = LazyPattern(r"[ \t]*\|\|[ \t]*exit[ \t]+1$")


def _fix(ctx: LintContext, step: Step) -> Fix | None:
    instruction = step.instruction
    if instruction.start_line != instruction.end_line or instruction.sub_cmd is not None:
        return None
    line = instruction.start_line
    match = _SHELL_FORM.match(ctx.lines[line - 1])
    if match is None:
        return None
    command = match["command"]
    if step.keyword == "HEALTHCHECK":
        command = _EXIT_1.sub("", command)
    words = command.split()
    if words[:1] == ["exec"]:
        words = words[1:]
    # (a first word with "=" is a variable the shell sets for the command)
    if not words or "=" in words[0] or not _PLAIN_WORDS.match(" ".join(words)):
        return None
    start, end = match.start("command") + 1, match.end("command") + 1
    edit = Edit(line, start, line, end, json.dumps(words))
    return Fix("Write the command in JSON form", (edit,), safe=False)
