from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import effective_commands, program

_TOOLS = frozenset({"curl", "wget"})


class WgetAndCurl(Rule):
    """A stage downloads with both `wget` and `curl`, where one tool would do.

    ## What it does
    Once a stage has run both `wget` and `curl`, flags every later `RUN` that uses either of
    them, starting with the one that completed the pair. `ONBUILD RUN`s are judged among
    themselves, since they run in another image.

    ## Why is this bad?
    Two download tools mean two packages (and their libraries) to install, patch and keep in
    the image, and two sets of flags for retries, TLS and redirects to get right.

    ## Example
    ```dockerfile lines=3
    FROM debian:12
    RUN curl -fsSLO https://example.com/a.tar.gz
    RUN wget -q https://example.com/b.tar.gz
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    RUN curl -fsSLO https://example.com/a.tar.gz
    RUN curl -fsSLO https://example.com/b.tar.gz
    ```

    ```dockerfile
    FROM debian:12 AS fetch
    RUN wget -q https://example.com/a.tar.gz
    FROM debian:12
    RUN curl -fsSLO https://example.com/b.tar.gz
    ```

    ## Differences from hadolint
    The command is matched by its base name, so `/usr/bin/curl` counts as `curl`, and a
    download run through a wrapper (`sudo`, `gosu app`, `xargs`) or in a nested `sh -c '...'`
    or `su -c '...'` script counts too; hadolint sees only the wrapper or the shell. A check
    such as `command -v curl` runs nothing and does not count, as in hadolint. hadolint
    keeps one tally of `ONBUILD RUN`s for the whole file; dockerlens keeps one per stage,
    since each stage's triggers run in a different child image.
    """

    code = "DL4001"
    name = "wget-and-curl"
    severity = Severity.WARNING
    category = Category.BLOAT
    message = "Either use Wget or Curl but not both"
    on = frozenset({"RUN"})
    run_mentions = _TOOLS
    onbuild = True

    def __init__(self, options: object = None) -> None:
        super().__init__(options)
        self.seen: dict[tuple[int | None, bool], set[str]] = {}

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        used = {program(c) for c in effective_commands(step)} & _TOOLS
        if not used:
            return
        seen = self.seen.setdefault((step.stage, step.instruction.sub_cmd is not None), set())
        seen |= used
        if len(seen) == 2:
            yield Problem(step)
