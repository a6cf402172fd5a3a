from __future__ import annotations

import re
from collections.abc import Iterator

from dockerlens.lint import Category, Fix, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import effective_commands, has_flag, program
from dockerlens.lint.edits import insert_flag
from dockerlens.model import expand_word
from dockerlens.shell import Command

#: UIDs with more digits than this make lastlog and faillog files of many megabytes.
MAX_UID_DIGITS = 5


class UseraddHighUid(Rule):
    """`useradd` with a high UID and without `-l` writes a huge sparse log file into the layer.

    ## What it does
    Flags a `useradd` given a UID of more than five digits (`-u 1000000`) without `-l`
    (`--no-log-init`).

    ## Why is this bad?
    `useradd` reserves room for every UID up to the new one in `/var/log/lastlog` and
    `/var/log/faillog`. On disk they are sparse files, but image layers store them in full:
    a UID in the millions adds hundreds of megabytes of zeros to the image.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    RUN useradd -u 1234567 app
    ```

    ```dockerfile lines=3
    FROM debian:12
    ARG APP_UID=2000000
    RUN useradd --uid=$APP_UID app
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    RUN useradd -l -u 1234567 app
    ```

    ```dockerfile
    FROM debian:12
    ARG APP_UID=2000
    RUN useradd --uid=$APP_UID app
    ```

    ## Fix safety
    `-l` is inserted after `useradd` when the `RUN` has one `useradd` and its UID is written
    as a number. Safe: only the lastlog and faillog records of the user are not written.

    ## Differences from hadolint
    hadolint reads only `-u VALUE`, so `--uid 1234567`, `--uid=1234567` and `-u1234567` pass;
    and it measures the text as written, so `-u $UID` (six characters) is reported whatever
    the value. dockerlens reads every spelling, expands `ARG` and `ENV` values it knows, and
    leaves a UID it cannot know alone. Commands inside `$(...)` are checked as well, as are a
    `useradd` run through a wrapper (`sudo useradd ...`) and one in a nested `sh -c '...'`
    script, which hadolint does not see.
    """

    code = "DL3046"
    name = "useradd-high-uid"
    severity = Severity.WARNING
    category = Category.BLOAT
    message = "`useradd` without flag `-l` and high UID will result in excessively large Image."
    on = frozenset({"RUN"})
    run_mentions = frozenset({"useradd"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        for command in effective_commands(step):
            if program(command) != "useradd":
                continue
            if has_flag(command, "l", "no-log-init"):
                continue
            uid = _uid(command)
            if uid is None:
                continue
            value = known_value(step, uid)
            if value is not None and value.isdigit() and len(value) > MAX_UID_DIGITS:
                fix = None
                commands = [c for c in effective_commands(step) if program(c) == "useradd"]
                if uid.isdigit() and len(commands) == 1:
                    edit = insert_flag(ctx, step, "useradd", "-l")
                    fix = Fix("Add -l (--no-log-init) to useradd", (edit,)) if edit else None
                yield Problem(step, at=uid, fix=fix)
                return


def _uid(command: Command) -> str | None:
    args = command.args
    for index, arg in enumerate(args):
        if arg in ("-u", "--uid"):
            return args[index + 1] if index + 1 < len(args) else None
        if arg.startswith("--uid="):
            return arg[len("--uid=") :]
        if re.match(r"^-[A-Za-z]*u", arg) and not arg.startswith("--"):
            # -u1234567, or -mu 1234567 (combined short flags, the value follows)
            rest = arg[arg.index("u") + 1 :]
            if rest:
                return rest
            return args[index + 1] if index + 1 < len(args) else None
    return None


def known_value(step: Step, word: str) -> str | None:
    """The word with the ``ARG``/``ENV`` values the Dockerfile gives it, or None when it uses
    a variable whose value is unknown or undefined, or a command substitution."""
    text, matched, unmatched = expand_word(word, step.variables, step.escape)
    if unmatched or any(step.variables[name].value is None for name in matched):
        return None
    if "$" in text or "`" in text:
        return None
    return text
