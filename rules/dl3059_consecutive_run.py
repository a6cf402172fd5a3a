from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import (
    Category,
    Edit,
    Fix,
    LintContext,
    Problem,
    Rule,
    RuleOptions,
    Severity,
    Step,
    option,
)
from dockerlens.model import shell_text
from dockerlens.shell import ShellKind, ShellScript, parse_shell


class Options(RuleOptions):
    max_commands: int = option(
        1,
        doc=(
            "A `RUN` running more simple commands than this (or following one that "
            "does) is taken as kept apart on purpose."
        ),
    )


class ConsecutiveRun(Rule):
    """Two short `RUN` instructions follow each other and could be one.

    ## What it does
    Flags a `RUN` that directly follows another `RUN` (comments in between do not count) with
    the same flags (`--mount`, `--network`, `--security`), when each of the two runs a single
    command (see `max-commands`) and neither is a heredoc script.

    ## Why is this bad?
    Every `RUN` adds a layer. Files a later `RUN` deletes still weigh in the earlier layer,
    and each layer costs a little to build, push and pull. Two one-liners in a row are usually
    one step split by accident.

    ## Example
    ```dockerfile lines=3
    FROM debian:12
    RUN apt-get update
    RUN apt-get install -y --no-install-recommends curl
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    RUN apt-get update && apt-get install -y --no-install-recommends curl
    ```

    ```dockerfile
    FROM debian:12
    RUN <<EOF
    apt-get update
    EOF
    RUN <<EOF
    apt-get install -y --no-install-recommends curl
    EOF
    ```

    ## Fix safety
    When the two `RUN`s are on neighbouring lines, in shell form, with the same flags, and each
    script is a single `&&` chain (no `;`, `||`, pipe, background `&`, comment or heredoc), the
    second is joined to the first with `&&`. Unsafe: the second command then runs in the
    directory and environment the first one left (a `cd` or `export` carries over), and the
    layer cache is split differently.

    ## Differences from hadolint
    hadolint also asks to merge heredoc `RUN`s (hadolint issue #805), which are scripts
    written as separate steps on purpose; dockerlens leaves a `RUN` alone when it or the one
    before it is a heredoc.

    hadolint's source exempts RUNs of three commands or more, but its shell parser reports
    every command twice, so in practice any `RUN` of two commands or more is exempt. dockerlens
    counts each command once (commands inside `$(...)` included, as hadolint does) and keeps
    the behaviour hadolint actually has as the default, `max-commands = 1`. hadolint does not
    count a command named through a variable (`yes | "$SDK/bin/sdkmanager" x` is one command
    there, so that `RUN` is asked to merge); dockerlens counts it.

    hadolint reads PowerShell and cmd lines as sh, and counts no command in a line sh cannot
    parse (most PowerShell), so it asks to merge even long scripts there; dockerlens counts the
    top-level statements of those lines.
    """

    code = "DL3059"
    name = "consecutive-run"
    severity = Severity.INFO
    category = Category.BLOAT
    message = "Multiple consecutive `RUN` instructions. Consider consolidation."
    on = frozenset({"RUN"})
    Options = Options

    def __init__(self, options: object = None) -> None:
        super().__init__(options)
        #: Each RUN is counted as the one checked and again as the one before the next.
        self._counts: dict[int, int] = {}

    def _count(self, step: Step) -> int:
        counted = self._counts.get(step.index)
        if counted is None:
            counted = self._counts[step.index] = count_commands(step)
        return counted

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        if step.index == 0:
            return
        previous = ctx.dockerfile.steps[step.index - 1]
        # ONBUILD RUN (or anything but a plain RUN) in between breaks the sequence.
        if previous.instruction.keyword != "RUN" or step.instruction.keyword != "RUN":
            return
        if sorted(previous.instruction.flags) != sorted(step.instruction.flags):
            return
        if previous.instruction.heredocs or step.instruction.heredocs:
            return
        limit = self.options.max_commands
        if self._count(previous) > limit or self._count(step) > limit:
            return
        yield Problem(step, fix=_join(ctx, previous, step))


#: The keyword and flags before a RUN's script.
_RUN_HEAD = LazyPattern(r"^[ \t]*(?i:run)(?:[ \t]+--\S+)*[ \t]+(?=\S)")


def _join(ctx: LintContext, previous: Step, step: Step) -> Fix | None:
    first, second = previous.instruction, step.instruction
    if second.start_line != first.end_line + 1 or second.start_line > len(ctx.lines):
        return None
    if step.shell_kind is not ShellKind.POSIX or first.json or second.json:
        return None
    for instruction in (first, second):
        text = (shell_text(instruction) or "").replace("&&", "")
        if not text.strip() or any(char in text for char in ";|&#\n"):
            return None
    head = _RUN_HEAD.match(ctx.lines[second.start_line - 1])
    if head is None:
        return None
    end = len(ctx.lines[first.end_line - 1].rstrip()) + 1
    edit = Edit(first.end_line, end, second.start_line, head.end() + 1, " && ")
    return Fix("Join this RUN to the one before", (edit,), safe=False)


def count_commands(step: Step) -> int:
    """How many commands the RUN runs: simple commands in the sh syntax tree, ``$(...)``
    included; for PowerShell and cmd, the statements of the line."""
    script = step.script
    if script is not None:
        return _command_nodes(script)
    instruction = step.instruction
    if instruction.json:
        return _command_nodes(parse_shell(" ".join(instruction.value)))
    text = shell_text(instruction) or ""
    if step.shell_kind is ShellKind.POWERSHELL:
        return _statements(text, separators=(";", "&&", "||", "|", "\n"), escape="`", quotes="\"'")
    if step.shell_kind is ShellKind.CMD:
        return _statements(text, separators=("&&", "||", "&", "|", "\n"), escape="^", quotes='"')
    return _command_nodes(parse_shell(text))


def _command_nodes(script: ShellScript) -> int:
    return script.derived(_count_nodes)


def _count_nodes(script: ShellScript) -> int:
    count = 0
    stack = [script.tree.root_node]
    while stack:
        node = stack.pop()
        if node.type in ("declaration_command", "unset_command") or (
            node.type == "command" and node.child_by_field_name("name") is not None
        ):
            count += 1
        stack.extend(node.children)
    return count


def _statements(text: str, separators: tuple[str, ...], escape: str, quotes: str) -> int:
    """Top-level statements of a PowerShell or cmd line: pieces between separators, outside
    quotes and brackets."""
    count = 0
    current = False
    depth = 0
    quote = ""
    index = 0
    while index < len(text):
        char = text[index]
        if char == escape:
            index += 2
            current = True
            continue
        if quote:
            if char == quote:
                quote = ""
        elif char in quotes:
            quote = char
            current = True
        elif char in "({[":
            depth += 1
            current = True
        elif char in ")}]":
            depth = max(0, depth - 1)
        elif depth == 0:
            separator = next((s for s in separators if text.startswith(s, index)), None)
            if separator is not None:
                count += int(current)
                current = False
                index += len(separator)
                continue
            if not char.isspace():
                current = True
        index += 1
    return count + int(current)
