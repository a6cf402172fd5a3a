"""Ignore and shell pragmas in comments: dockerlens's own forms and hadolint's.

dockerlens forms (a reason may follow `` -- ``)::

    # dockerlens: ignore=DL3008,apt-lists-not-deleted -- pinned by the base image
    # dockerlens: ignore-stage=DL3059       (all of this stage; directly above a FROM, that stage)
    # dockerlens: ignore-file=DL3006        (the whole file)

hadolint forms, with hadolint's semantics::

    # hadolint ignore=DL3008,SC2086   the instruction on the very next line only
    # hadolint global ignore=DL3006   the whole file
    # hadolint stage ignore=DL3059    above a FROM: that stage; inside a stage: the rest of it
    # hadolint shell=powershell       the shell RUNs are written for

and BuildKit's per-instruction form, ``# check=skip=UndefinedVar`` directly above an
instruction (at the top of the file the same text is the file-wide ``check`` directive).
"""

from __future__ import annotations

from typing import NamedTuple

from dockerlens.lazyre import LazyPattern
from dockerlens.syntax.parser import Instruction

_HADOLINT = LazyPattern(
    r"^\s*#\s*hadolint\s+(?:(?P<scope>global|stage)\s+)?ignore\s*=\s*"
    r"(?P<codes>[A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*)\s*(?:#.*)?$"
)
_HADOLINT_SHELL = LazyPattern(r"^\s*#\s*hadolint\s+shell\s*=\s*(?P<shell>\S+)\s*$")
_BUILDKIT = LazyPattern(
    r"^\s*#\s*check\s*=\s*skip\s*=\s*(?P<codes>[A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*)(?:\s.*)?$"
)
_DOCKERLENS = LazyPattern(
    r"^\s*#\s*dockerlens:\s*(?P<kind>ignore|ignore-stage|ignore-file)\s*=\s*"
    r"(?P<codes>[A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*)\s*(?:--.*)?$"
)


# Plain classes and named tuples, not dataclasses: a dataclass costs about a millisecond to
# make, at every start.
class IgnorePragma:
    def __init__(
        self, line: int, codes: tuple[str, ...], first: int, last: int, scope: str, source: str
    ) -> None:
        self.line = line
        self.codes = codes
        #: Inclusive line range whose findings it covers (by the finding's instruction line).
        self.first = first
        self.last = last
        #: "next", "stage" or "file".
        self.scope = scope
        self.source = source  # "dockerlens" | "hadolint" | "buildkit"
        #: The codes that suppressed a finding.
        self.used: set[str] = set()
        #: A hadolint pragma naming a code no rule has suppresses nothing, as in hadolint.
        self.void = False

    def covers(self, line: int, identifiers: frozenset[str]) -> str | None:
        """The pragma code that suppresses a finding at ``line`` with these identifiers."""
        if self.void or not self.first <= line <= self.last:
            return None
        for code in self.codes:
            if code.lower() in identifiers:
                return code
        return None


class ShellPragma(NamedTuple):
    line: int
    shell: str


class Pragmas(NamedTuple):
    ignores: list[IgnorePragma]
    shells: list[ShellPragma]


def scan(
    lines: list[str], instructions: list[Instruction], directive_lines: set[int] | None = None
) -> Pragmas:
    inside: set[int] = set()
    for instruction in instructions:
        inside.update(range(instruction.start_line + 1, instruction.end_line + 1))
    from_lines = [i.start_line for i in instructions if i.keyword == "FROM"]
    starts = sorted(i.start_line for i in instructions)
    total = len(lines)
    ignores: list[IgnorePragma] = []
    shells: list[ShellPragma] = []
    for number, text in enumerate(lines, start=1):
        if number in inside or "#" not in text or number in (directive_lines or ()):
            continue
        stripped = text.lstrip()
        if not stripped.startswith("#"):
            continue
        if match := _DOCKERLENS.match(text):
            codes = _codes(match["codes"])
            kind = match["kind"]
            if kind == "ignore":
                target = next((s for s in starts if s > number), None)
                if target is not None:
                    ignores.append(
                        IgnorePragma(number, codes, target, target, "next", "dockerlens")
                    )
            elif kind == "ignore-file":
                ignores.append(IgnorePragma(number, codes, 1, total, "file", "dockerlens"))
            else:
                first, last = _own_stage(number, from_lines, starts, total)
                ignores.append(IgnorePragma(number, codes, first, last, "stage", "dockerlens"))
        elif match := _HADOLINT.match(text):
            codes = _codes(match["codes"])
            scope = match["scope"]
            if scope == "global":
                ignores.append(IgnorePragma(number, codes, 1, total, "file", "hadolint"))
            elif scope == "stage":
                first, last = _hadolint_stage(number, from_lines, starts, total)
                ignores.append(IgnorePragma(number, codes, first, last, "stage", "hadolint"))
            else:
                ignores.append(
                    IgnorePragma(number, codes, number + 1, number + 1, "next", "hadolint")
                )
        elif match := _BUILDKIT.match(text):
            # BuildKit reads it anywhere in the comments above an instruction: blank lines do
            # not end that block, an empty "#" line does.
            target = next((s for s in starts if s > number), None)
            between = [lines[i - 1].strip() for i in range(number + 1, target or number + 1)]
            if target is not None and all(
                line == "" or (line.startswith("#") and line[1:].strip()) for line in between
            ):
                codes = _codes(match["codes"])
                ignores.append(IgnorePragma(number, codes, target, target, "next", "buildkit"))
        elif match := _HADOLINT_SHELL.match(text):
            shells.append(ShellPragma(number, match["shell"]))
    return Pragmas(ignores, shells)


def codes_span(text: str) -> tuple[int, int] | None:
    """Where the list of codes of a ``# dockerlens:`` or ``# hadolint`` ignore pragma line is
    (0-based, end exclusive): what a fix that drops a code rewrites."""
    match = _DOCKERLENS.match(text) or _HADOLINT.match(text)
    return match.span("codes") if match else None


def _codes(text: str) -> tuple[str, ...]:
    return tuple(code.strip() for code in text.split(",") if code.strip())


def _hadolint_stage(
    line: int, from_lines: list[int], starts: list[int], total: int
) -> tuple[int, int]:
    """The lines a ``# hadolint stage ignore`` covers: above a FROM (or before the first one),
    the stage after that FROM; inside a stage, the rest of that stage, as in hadolint (which
    also leaves out the instruction right below it, and covers the next FROM line: quirks
    not copied)."""
    following = next((s for s in starts if s > line), None)
    inside = following not in from_lines and any(f < line for f in from_lines)
    later = [f for f in from_lines if f > line]
    if inside:
        return line + 1, (later[0] - 1 if later else total)
    first = later[0] + 1 if later else total + 1
    return first, (later[1] - 1 if len(later) > 1 else total)


def _own_stage(line: int, from_lines: list[int], starts: list[int], total: int) -> tuple[int, int]:
    """The stage a dockerlens stage pragma covers: the one it sits in, or the next when it sits
    directly above a FROM (its FROM line included)."""
    following = next((s for s in starts if s > line), None)
    if following is not None and following in from_lines:
        first = following
    else:
        earlier = [f for f in from_lines if f < line]
        first = earlier[-1] if earlier else 1
    later = [f for f in from_lines if f > first]
    return first, (later[0] - 1 if later else total)
