from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, Edit, Fix, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.packages import at_command, find


class AptInsteadOfAptGet(Rule):
    """`apt` is used in a build; it is meant for people at a terminal.

    ## What it does
    Flags a `RUN` that runs the `apt` command.

    ## Why is this bad?
    `apt` is the interactive front end: its output and behaviour may change between releases
    and it warns that it "does not have a stable CLI interface". `apt-get` and `apt-cache` do
    the same work with an interface meant for scripts.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    RUN apt update && apt install -y curl
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    RUN apt-get update && apt-get install -y curl
    ```

    ## Fix safety
    Each `apt` becomes `apt-get` when every `apt` of the `RUN` is written out with a
    subcommand both know the same way (`update`, `install`, `remove`, `purge`, `autoremove`,
    `clean`, `autoclean`, `dist-upgrade`). Safe: for those, apt-get does what apt does.

    ## Differences from hadolint
    `apt` is also found behind wrappers such as `sudo`, in `sh -c` scripts and by path
    (`/usr/bin/apt`).
    """

    code = "DL3027"
    name = "apt-instead-of-apt-get"
    severity = Severity.WARNING
    category = Category.MAINTAINABILITY
    message = (
        "Do not use apt as it is meant to be an end-user tool, use apt-get or apt-cache instead"
    )
    on = frozenset({"RUN"})
    run_mentions = frozenset({"apt"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        found = find(step, "apt")
        for invocation in found:
            first = invocation.args[0] if invocation.args else ""
            fix = _fix(ctx, step, len(found))
            yield Problem(step, at=at_command(ctx, step, invocation, first), fix=fix)
            return


#: ``apt`` followed by a subcommand apt-get runs the same way.
_APT = LazyPattern(
    r"(?<![\w.$/-])apt(?=(?:[ \t]+-[^\s;&|)]*)*[ \t]+"
    r"(?:update|install|remove|purge|autoremove|clean|autoclean|dist-upgrade)(?![\w.=-]))"
)
#: Any ``apt`` word: each must be one of the above.
_ANY_APT = LazyPattern(r"(?<![\w.$/-])apt(?![\w.=-])")


def _fix(ctx: LintContext, step: Step, count: int) -> Fix | None:
    edits = []
    for number, text in enumerate(ctx.source(step), start=step.instruction.start_line):
        if text.lstrip().startswith("#"):
            continue
        words = list(_ANY_APT.finditer(text))
        known = list(_APT.finditer(text))
        if len(words) != len(known):
            return None
        edits += [Edit(number, m.start() + 1, number, m.end() + 1, "apt-get") for m in known]
    if len(edits) != count:
        return None
    return Fix("Replace apt with apt-get", tuple(edits))
