from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, Fix, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import flags, has_flag
from dockerlens.lint.edits import insert_flag
from dockerlens.lint.packages import Invocation, at_command, configured, find
from dockerlens.semantics.managers import APT

_QUIET_LEVEL = LazyPattern(r"--?q(uiet)?=(\d+)")
_ASSUME_YES_OPTION = LazyPattern(r"(?i)APT::Get::Assume-?Yes=(1|true|yes|on)")
#: ``APT::Get::Assume-Yes "true";`` written to apt's configuration by a RUN.
_ASSUME_YES_CONFIG = LazyPattern(r"(?i)APT::Get::Assume-?Yes\s+\\?\"?(1|true|yes|on)\b")


def _answers_yes(invocation: Invocation) -> bool:
    command = invocation.command
    if has_flag(command, *APT.assume_yes, *APT.dry_run):
        return True  # a simulation asks nothing
    # apt-get: a quiet level of 2 or more implies -y.
    found = flags(command)
    if found.count("q") >= 2 or found.count("quiet") >= 2:
        return True
    for arg in command.args:
        level = _QUIET_LEVEL.fullmatch(arg)
        if level and int(level.group(2)) >= 2:
            return True
        if _ASSUME_YES_OPTION.search(arg):
            return True
    return False


class AptGetMissingYes(Rule):
    """`apt-get install` runs without `-y`, so it stops at the confirmation prompt.

    ## What it does
    Flags a `RUN` whose `apt-get install` has neither `-y` (`--yes`, `--assume-yes`) nor a
    quiet level of 2 or more (`-qq`, `-q=2`), which implies it.

    ## Why is this bad?
    A build has no terminal to answer apt-get's "Do you want to continue?" question. apt-get
    aborts as soon as the install needs more than the named packages, so the build fails on
    whatever day a new dependency appears.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    RUN apt-get update && apt-get install --no-install-recommends curl=7.88.1-10+deb12u8
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8
    ```

    ## Fix safety
    `-y` is inserted after `install` when the `RUN` has one `apt-get install`. Safe: without
    it the build stops at the first question apt-get asks.

    ## Differences from hadolint
    - Any quiet level of 2 or more counts (`-qqq`, `-q=3`); hadolint wants exactly 2.
    - `-o APT::Get::Assume-Yes=true`, and `APT::Get::Assume-Yes "true";` written to apt's
      configuration by a `RUN` of this stage or of a stage it is built `FROM`, count as `-y`.
    - A simulation (`apt-get install -s`, `--simulate`, `--dry-run`...) asks nothing and is
      not reported (`if apt-get install -s pkg >/dev/null; then ...` tests for a package).
    - `apt-get` is found behind wrappers such as `sudo`, in `sh -c` scripts and by path.
    """

    code = "DL3014"
    name = "apt-get-missing-yes"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = "Use the `-y` switch to avoid manual input `apt-get -y install <package>`"
    on = frozenset({"RUN"})
    run_mentions = frozenset({"apt-get"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        installs = find(step, "apt-get", "install")
        for invocation in installs:
            if _answers_yes(invocation) or configured(ctx, step, _ASSUME_YES_CONFIG):
                continue
            edit = insert_flag(ctx, step, "apt-get install", "-y") if len(installs) == 1 else None
            fix = Fix("Add -y to apt-get install", (edit,)) if edit else None
            yield Problem(step, at=at_command(ctx, step, invocation, "install"), fix=fix)
            return
