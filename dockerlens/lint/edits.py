"""Building fixes: the edits rules offer, found in the instruction's source text.

Each helper returns None when the source does not show what it looks for exactly once, so a
rule offers no fix rather than a wrong one (the fix engine then checks each fix again: inside
the file, whole, and still parsing afterwards).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from dockerlens.lazyre import LazyPattern
from dockerlens.lint.context import LintContext
from dockerlens.lint.rule import Edit, Fix
from dockerlens.model import Step

if TYPE_CHECKING:
    from dockerlens.lint.packages import Invocation

Pattern = re.Pattern[str] | LazyPattern[str]

#: Text that ends a shell script in a way `&& more` cannot follow.
_OPEN_END = (";", "&", "|", "\\", "(", "{")


def keyword_edit(ctx: LintContext, step: Step, keyword: str) -> Edit | None:
    """Replace the instruction's keyword, keeping its case (``add`` -> ``copy``)."""
    instruction = step.instruction
    line = instruction.start_line
    text = ctx.lines[line - 1] if line <= len(ctx.lines) else ""
    column = len(text) - len(text.lstrip())
    if text[column : column + len(instruction.cmd)] != instruction.cmd:
        return None
    keyword = keyword.lower() if instruction.cmd.islower() else keyword.upper()
    return Edit(line, column + 1, line, column + 1 + len(instruction.cmd), keyword)


def only_match(ctx: LintContext, step: Step, pattern: Pattern) -> tuple[int, re.Match[str]] | None:
    """(line, match) of the one match of ``pattern`` in the instruction's source lines
    (comment lines left out); None when there is none or more than one."""
    found = []
    for number, text in enumerate(ctx.source(step), start=step.instruction.start_line):
        if text.lstrip().startswith("#"):
            continue
        found += [(number, match) for match in pattern.finditer(text)]
    return found[0] if len(found) == 1 else None


def insert_after(ctx: LintContext, step: Step, pattern: Pattern, text: str) -> Edit | None:
    """Insert ``text`` right after the one match of ``pattern`` in the instruction."""
    found = only_match(ctx, step, pattern)
    if found is None:
        return None
    line, match = found
    return Edit(line, match.end() + 1, line, match.end() + 1, text)


def replace_match(
    ctx: LintContext, step: Step, pattern: Pattern, text: str, group: int | str = 0
) -> Edit | None:
    """Replace ``group`` of the one match of ``pattern`` in the instruction by ``text``."""
    found = only_match(ctx, step, pattern)
    if found is None:
        return None
    line, match = found
    return Edit(line, match.start(group) + 1, line, match.end(group) + 1, text)


def append_command(ctx: LintContext, step: Step, command: str) -> Edit | None:
    """`` && command`` after the last command of a shell-form RUN: None for the exec form,
    heredocs, or a script whose end a `&&` cannot follow (a comment, a trailing `;` or `&`)."""
    instruction = step.instruction
    if instruction.json or instruction.heredocs or instruction.end_line > len(ctx.lines):
        return None
    line = instruction.end_line
    text = ctx.lines[line - 1].rstrip()
    if "#" in text or not text or text.endswith(_OPEN_END) or text.endswith("&&"):
        return None
    if line == instruction.start_line and text.lstrip().upper() in ("RUN", "ONBUILD RUN"):
        return None
    return Edit(line, len(text) + 1, line, len(text) + 1, f" && {command}")


def delete_instruction(ctx: LintContext, step: Step) -> Edit | None:
    """Delete the instruction's lines (and the comment lines directly above it are kept)."""
    instruction = step.instruction
    if instruction.end_line > len(ctx.lines):
        return None
    return Edit(instruction.start_line, 1, instruction.end_line + 1, 1, "")


#: Options between a program's words (``apt-get -qq install``).
_FLAGS = r"(?:[ \t]+-[^\s;&|)]*)*"


def insert_flag(
    ctx: LintContext,
    step: Step,
    command: str,
    flag: str,
    *,
    after_flags: bool = False,
    valued: frozenset[str] = frozenset(),
) -> Edit | None:
    """Insert ``flag`` into the one ``command`` (``"apt-get install"``, words as written,
    options allowed between them) of the instruction: right after its last word, or with
    ``after_flags`` after the options that follow it, unless the last of those takes its value
    as the next word (``valued``: ``-t`` in ``install -t bookworm``)."""
    first, *rest = command.split()
    pattern = r"(?<![\w.$-])" + re.escape(first)
    for word in rest:
        pattern += _FLAGS + r"[ \t]+" + re.escape(word)
    pattern += r"(?![\w.=-])"
    if after_flags:
        pattern += f"(?P<flags>{_FLAGS})"
    found = only_match(ctx, step, re.compile(pattern))
    if found is None:
        return None
    line, match = found
    if after_flags:
        options = match["flags"].split()
        if options and options[-1] in valued:
            return None
    return Edit(line, match.end() + 1, line, match.end() + 1, " " + flag)


def remove_at_end(ctx: LintContext, step: Step, pattern: Pattern) -> Edit | None:
    """Remove the one match of ``pattern``, which must end the instruction. When nothing else
    is left on its line, the line goes with the line continuation before it: an empty line
    after a continuation would join the next instruction to this one."""
    found = only_match(ctx, step, pattern)
    instruction = step.instruction
    if found is None or found[0] != instruction.end_line:
        return None
    line, match = found
    text = ctx.lines[line - 1]
    if text[match.end() :].strip():
        return None
    if text[: match.start()].strip():
        return Edit(line, match.start() + 1, line, len(text) + 1, "")
    previous = ctx.lines[line - 2] if line > instruction.start_line else ""
    continuation = re.search(r"[ \t]*" + re.escape(step.escape) + r"[ \t]*$", previous)
    if continuation is None or previous.lstrip().startswith("#"):
        return None
    return Edit(line - 1, continuation.start() + 1, line, len(text) + 1, "")


def subcommand_flag_fix(
    ctx: LintContext, step: Step, invocation: Invocation, subcommands: Sequence[str], flag: str
) -> Fix | None:
    """A fix inserting ``flag`` after the invocation's subcommand (``yum install`` ->
    ``yum install -y``): the first of ``subcommands`` among its arguments."""
    subcommand = next((arg for arg in invocation.args if arg in subcommands), None)
    if subcommand is None:
        return None
    edit = insert_flag(ctx, step, f"{invocation.name} {subcommand}", flag)
    return Fix(f"Add {flag} to {invocation.name} {subcommand}", (edit,)) if edit else None
