"""The commands of a RUN as rules read them: wrappers removed, ``sh -c`` scripts read,
variables of known value expanded (:mod:`dockerlens.semantics.scope`).

* **Which commands.** What runs, as :func:`dockerlens.lint.commands.effective_commands`
  reads it: the command behind a wrapper (``sudo``, ``env``, ``xargs``, ``gosu user``...) and
  the commands of ``sh -c '...'`` or ``su user -c '...'``. A program is known by its basename
  (``/opt/venv/bin/pip`` is pip), once its variables are expanded (``$PIP install``).
* **Which words.** Variables whose value is known are expanded: the ARG and ENV values the RUN
  sees, and plain assignments earlier in the same script (``PKGS="a=1 b=2"; apt-get install
  $PKGS``). A word that is nothing but a variable is split into words, as the shell does.
  A word whose value cannot be known (a variable without a value, ``$(...)``) keeps its text.
* **Windows.** The text of a PowerShell or cmd ``RUN`` is read like an sh script, as hadolint
  does: the package-manager commands in it (``pip install``, ``npm install``) look the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from dockerlens.lint.commands import basename, effective_commands, unwrapped
from dockerlens.model import Step, shell_text
from dockerlens.semantics.expansion import REFERENCE
from dockerlens.semantics.expansion import stand_in as stand_in
from dockerlens.semantics.scope import ScriptScope, split_word
from dockerlens.shell import Command, ShellKind, parse_shell


class Invocation(NamedTuple):
    """One command of a RUN as the package rules read it.

    ``command`` has the program's basename as its name (wrappers removed) and its arguments
    with known variables expanded, so the helpers of :mod:`dockerlens.lint.commands` apply to
    it; ``origins`` gives, for each argument, the word as written (to point at it).
    """

    command: Command
    origins: tuple[str, ...]
    #: Order among the RUN's invocations.
    position: int
    #: ``command``'s name and arguments, as fields: the package rules read them very often.
    name: str
    args: tuple[str, ...]

    @classmethod
    def of(cls, command: Command, origins: tuple[str, ...], position: int) -> Invocation:
        return cls(command, origins, position, command.name, command.args)

    def has(self, *words: str) -> bool:
        """hadolint's ``cmdHasArgs``: any of ``words`` among the arguments, anywhere."""
        return any(word in self.command.args for word in words)

    def is_(self, programs: str | Iterable[str], *subcommands: str) -> bool:
        """The program is (one of) ``programs`` and, if given, any of ``subcommands`` is an
        argument."""
        if isinstance(programs, str):
            if self.name != programs:
                return False
        elif self.name not in programs:
            return False
        return not subcommands or self.has(*subcommands)

    def until(self, word: str) -> Invocation:
        """The invocation without its arguments from the first ``word`` on (``--``)."""
        if word not in self.args:
            return self
        cut = self.args.index(word)
        return Invocation.of(
            self.command._replace(args=self.args[:cut]), self.origins[:cut], self.position
        )

    def operands(self, values: Iterable[str] = ()) -> list[Word]:
        """Arguments that are not options, nor the value of an option in ``values``
        (``-t bookworm``, ``--virtual .deps``; not ``--virtual=.deps``, a single word)."""
        return [Word(arg, origin) for arg, origin in _operands(self.args, self.origins, values)]


class Word(NamedTuple):
    """An argument: its text (known variables expanded) and the word as written."""

    text: str
    origin: str

    @property
    def opaque(self) -> bool:
        """Nothing but values that cannot be known (``$PKGS`` without a value, ``$(cat f)``):
        it may hold anything."""
        return self.text == "" or _is_references(self.text)


def _is_references(text: str) -> bool:
    return not REFERENCE.sub("", text).strip() and bool(REFERENCE.search(text))


def _operands(
    args: Sequence[str], origins: Sequence[str], values: Iterable[str]
) -> Iterator[tuple[str, str]]:
    takes_value = set(values)
    skip = False
    for arg, origin in zip(args, origins, strict=True):
        if skip:
            skip = False
            continue
        if arg == "--":
            continue
        if arg == "-" or not arg.startswith("-"):
            yield arg, origin
            continue
        if arg.startswith("--"):
            name, has_value, _ = arg[2:].partition("=")
            skip = not has_value and name in takes_value
            continue
        for index, letter in enumerate(arg[1:]):
            if letter in takes_value:
                # getopt: the value is the rest of the word, or the next word.
                skip = index == len(arg) - 2
                break


def invocations(step: Step) -> list[Invocation]:
    """The commands of a RUN, wrappers removed, ``sh -c`` scripts read, variables expanded.

    Every package rule asks for the same RUN, so the answer is kept on the step.
    """
    return list(_invocations(step))


def _invocations(step: Step) -> tuple[Invocation, ...]:
    facts = step.facts
    if facts.invocations is not None:
        return facts.invocations
    resolver = _Resolver(ScriptScope(step))
    out: list[Invocation] = []
    found_commands = effective_commands(step) or [
        inner for command in _other_shell_commands(step) for inner in unwrapped(command)
    ]
    for command in found_commands:
        out.append(resolver.invocation(command, command.start_byte, len(out)))
    found = facts.invocations = tuple(out)
    return found


def _other_shell_commands(step: Step) -> Sequence[Command]:
    """The commands of a PowerShell or cmd RUN, read as sh would read them (as hadolint does):
    ``pip install x`` or ``npm install -g y`` mean the same there."""
    if step.shell_kind is ShellKind.POSIX:
        return []
    text = shell_text(step.instruction)
    return parse_shell(text).commands if text else ()


def find(step: Step, programs: str | Iterable[str], *subcommands: str) -> list[Invocation]:
    """The invocations of ``programs`` with any of ``subcommands`` among their arguments."""
    named = _by_name(step)
    if isinstance(programs, str):
        found = list(named.get(programs, ()))
    else:
        found = [inv for name in set(programs) for inv in named.get(name, ())]
        found.sort(key=lambda inv: inv.position)
    if subcommands:
        found = [inv for inv in found if inv.has(*subcommands)]
    return found


def _by_name(step: Step) -> dict[str, list[Invocation]]:
    """The RUN's invocations by program name (most rules look for one or two programs)."""
    named = step.facts.by_program
    if named is None:
        named = step.facts.by_program = {}
        for invocation in _invocations(step):
            named.setdefault(invocation.name, []).append(invocation)
    return named


def mentionable_text(step: Step) -> str:
    """The RUN's text as :attr:`dockerlens.lint.rule.Rule.run_mentions` is matched against:
    its words and heredoc bodies, the values of the variables it sees and, when a word refers
    to a variable, the words of its invocations once expanded (``$A$B``, ``p${X}ip``), all with
    quotes and backslashes left out. Every command name and argument a rule reads, as written,
    unwrapped or expanded, is in it."""
    facts = step.facts
    text = facts.mentionable_text
    if text is None:
        instruction = step.instruction
        parts = [*instruction.value, *(doc.content for doc in instruction.heredocs)]
        if any("$" in part or "`" in part for part in parts):
            parts += [word for call in _invocations(step) for word in (call.name, *call.args)]
        parts += [variable.value for variable in step.variables.values() if variable.value]
        text = facts.mentionable_text = _UNQUOTED.sub("", "\n".join(parts))
    return text


_UNQUOTED = re.compile(r"[\\\"']")


class _Resolver:
    """Makes the invocations of a RUN's commands, their words expanded where values are known."""

    def __init__(self, scope: ScriptScope) -> None:
        self.scope = scope

    def invocation(self, command: Command, anchor: int, position: int) -> Invocation:
        words: Sequence[str] = command.words
        origins: Sequence[str] = words
        if any("$" in w or "`" in w for w in words):
            scope = self.scope.at(anchor)
            words, origins = [], []
            for word in command.words:
                for text in split_word(word, scope):
                    words.append(text)
                    origins.append(word)
            if not words:
                words, origins = [""], [""]
        name = basename(words[0])
        args = tuple(words[1:])
        if name != command.name or args != command.args:
            command = command._replace(name=name, args=args)
        return Invocation.of(command, tuple(origins[1:]), position)
