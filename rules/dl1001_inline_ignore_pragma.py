from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity


class InlineIgnorePragma(Rule):
    """An inline comment silences rules for the next instruction (off by default).

    ## What it does
    Reports every comment that ignores rules for the instruction below it:
    `# hadolint ignore=...`, `# dockerlens: ignore=...` and BuildKit's
    `# check=skip=...` directly above an instruction. File-wide and stage-wide ignores are
    not reported. The rule is off unless selected.

    ## Why is this bad?
    Teams that manage the linter's configuration centrally want exceptions to be granted in
    that configuration, where they are reviewed, not one comment at a time in each
    Dockerfile. Select this rule in CI to see every local exception.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    # hadolint ignore=DL3008
    RUN apt-get update && apt-get install -y curl
    ```

    ```dockerfile lines=2
    FROM debian:12
    # dockerlens: ignore=DL3008 -- pinned by the snapshot mirror
    RUN apt-get update && apt-get install -y curl
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    RUN apt-get update && apt-get install -y curl=7.88.1-10+deb12u8
    ```

    ## Differences from hadolint
    hadolint knows only its own `# hadolint ignore=` comment; dockerlens also reports the
    inline forms of dockerlens and BuildKit, which silence rules just the same.
    """

    code = "DL1001"
    name = "inline-ignore-pragma"
    severity = Severity.WARNING
    category = Category.MAINTAINABILITY
    message = "Please refrain from using inline ignore pragmas `# hadolint ignore=DLxxxx`."
    default_enabled = False

    def finish(self, ctx: LintContext) -> Iterator[Problem]:
        for pragma in ctx.pragmas.ignores:
            if pragma.scope == "next":
                yield Problem(None, line=pragma.line)
