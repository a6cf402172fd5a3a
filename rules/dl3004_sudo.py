from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import effective_commands, program


class Sudo(Rule):
    """A RUN uses `sudo`, whose behaviour depends on a configuration the image should not need.

    ## What it does
    Flags a `RUN` (or `ONBUILD RUN`) that runs `sudo`.

    ## Why is this bad?
    Build steps already run as the current `USER`; to run one as root, switch with
    `USER root` and back. `sudo` adds a setuid binary and a sudoers policy to the image, may
    prompt for a password, and handles TTYs and signals in ways that surprise a container.
    At run time, drop privileges with a tool such as `gosu` or `su-exec` instead.

    ## Example
    ```dockerfile lines=3
    FROM debian:12
    USER app
    RUN sudo apt-get update
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    USER root
    RUN apt-get update
    USER app
    ```

    ## Differences from hadolint
    The command is matched by its base name, so `/usr/bin/sudo` counts as `sudo`. A `sudo`
    run by another wrapper (`env VAR=1 sudo ...`, `xargs sudo ...`) or in a nested
    `sh -c '...'` or `su -c '...'` script is reported too; hadolint sees only the outer
    command. `sudo` written as an argument (`apt-get install sudo`, `command -v sudo`) is not
    a run of it, as in hadolint.
    """

    code = "DL3004"
    name = "sudo"
    severity = Severity.ERROR
    category = Category.SECURITY
    message = (
        "Do not use sudo as it leads to unpredictable behavior. Use a tool like gosu to "
        "enforce root"
    )
    on = frozenset({"RUN"})
    run_mentions = frozenset({"sudo"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        # sudo is a wrapper itself: keep the wrappers to see it (and one run by env, xargs, sh -c).
        if any(program(c) == "sudo" for c in effective_commands(step, wrappers=True)):
            yield Problem(step)
