"""The variables a command of a RUN script sees.

A RUN sees the ARG and ENV values of its instruction (:attr:`dockerlens.model.Step.variables`;
in an ``ONBUILD RUN`` only ENV: this build's ARGs are unset in the child build), then what its
script assigns before the command: ``X=1; foo $X``, ``export X=1``, ``readonly X=1``, and an
assignment before a special built-in (``deps='a b' set -x && apk add $deps``). A ``for`` loop
variable or a ``read`` makes the value unknown. ``X=1 foo`` sets X for ``foo``'s environment
only, not for its arguments: :meth:`ScriptScope.environment` adds it, :meth:`ScriptScope.at`
does not.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from dockerlens.model import Step, Variable
from dockerlens.semantics.expansion import REFERENCE as REFERENCE
from dockerlens.semantics.expansion import expand_word
from dockerlens.shell import Command, ShellScript, word_value

#: A word that is one variable and nothing else (``$PKGS``, ``${PKGS}``).
WHOLE_VARIABLE = re.compile(r"\$(?:\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)")


class Assignment(NamedTuple):
    """``NAME=value`` in a script: where it starts, and its value as written (None: set in a
    way that cannot be followed, a ``for`` loop variable). ``command_end`` is the end of the
    command an ``X=1 cmd`` prefix assignment is for (None: it stays set afterwards)."""

    byte: int
    name: str
    value: str | None
    command_end: int | None = None


class ScriptScope:
    """The variables each command of a RUN's script sees, walked forward as commands come in
    order (asking for an earlier command starts over)."""

    def __init__(self, step: Step) -> None:
        onbuild = step.instruction.sub_cmd is not None
        #: What the instruction sees before its script runs.
        self.base: dict[str, Variable] = {}
        for name, variable in step.variables.items():
            if onbuild and variable.kind == "arg":
                # An ONBUILD RUN runs in a child build, where this build's ARGs are unset.
                variable = Variable(name, None, variable.defined_at, variable.kind)
            self.base[name] = variable
        self.step = step
        self._scope: dict[str, Variable] = dict(self.base)
        self._persistent: list[Assignment] | None = None
        self._next = 0
        self._byte = 0

    def at(self, byte: int) -> dict[str, Variable]:
        """The variables a command starting at ``byte`` of the script expands its words with."""
        if byte < self._byte:
            self._scope, self._next, self._byte = dict(self.base), 0, 0
        # Read only here: a RUN whose words expand nothing never needs its assignments.
        found = self._persistent
        if found is None:
            found = self._persistent = [a for a in assignments(self.step) if a.command_end is None]
        while self._next < len(found) and found[self._next].byte < byte:
            assignment = found[self._next]
            known = None
            if assignment.value is not None:
                known = expand_if_known(assignment.value, self._scope)
            name = assignment.name
            self._scope = {**self._scope, name: Variable(name, known, None, "shell")}
            self._next += 1
        self._byte = byte
        return self._scope

    def environment(self, command: Command) -> dict[str, Variable]:
        """The variables ``command`` runs with: :meth:`at` its start, plus its own prefix
        assignments (``UV_NO_CACHE=1 uv sync``)."""
        scope = dict(self.at(command.start_byte))
        for assignment in assignments(self.step):
            end = assignment.command_end
            if end is not None and command.start_byte <= assignment.byte < end:
                value = assignment.value
                known = expand_if_known(value, scope) if value is not None else None
                scope[assignment.name] = Variable(assignment.name, known, None, "shell")
        return scope

    def value(self, name: str, command: Command | None = None) -> str | None:
        """The known value of ``name`` in ``command``'s environment (the instruction's, without
        a command); None when unset or unknown."""
        scope = self.base if command is None else self.environment(command)
        variable = scope.get(name)
        return variable.value if variable is not None else None


def expand_if_known(word: str, scope: dict[str, Variable]) -> str | None:
    """``word`` with its variables expanded when every value is known, else None (a name
    nobody set, a value only the build knows, ``$(...)``)."""
    if "$" not in word and "`" not in word:
        return word
    if "$(" in word or "`" in word:
        return None
    text, matched, unmatched = expand_word(word, scope, "\\")
    if unmatched:
        return None
    known = all(scope[name].value is not None for name in matched if name in scope)
    return text if known and REFERENCE.search(text) is None else None


def split_word(word: str, scope: dict[str, Variable]) -> list[str]:
    """The words the shell makes of ``word``: a word that is nothing but a variable of known
    value is split at blanks; any other keeps its text (expanded when every value is known)."""
    text = expand_if_known(word, scope)
    if text is None:
        return [word]
    if WHOLE_VARIABLE.fullmatch(word):
        return text.split()
    return [text]


def assignments(step: Step) -> list[Assignment]:
    """The RUN script's assignments, in order. Kept with the script, which the files of a run
    share."""
    script = step.script
    if script is None:
        return []
    return script.derived(_script_assignments)


def _script_assignments(script: ShellScript) -> list[Assignment]:
    source = script.text.encode("utf-8", "surrogateescape")
    out: list[Assignment] = []
    stack = [script.tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "variable_assignment":
            name_node = node.child_by_field_name("name")
            value_node = node.child_by_field_name("value")
            if name_node is not None:
                name = _node_text(name_node, source)
                value = word_value(value_node, source) if value_node is not None else ""
                end = _command_end(node, source)
                out.append(Assignment(node.start_byte, name, value, end))
        elif node.type == "for_statement":
            variable = node.child_by_field_name("variable")
            if variable is not None:
                out.append(Assignment(node.start_byte, _node_text(variable, source), None))
        stack.extend(reversed(node.children))
    out.sort(key=lambda item: item.byte)
    return out


#: POSIX special built-ins: an assignment written before one stays set afterwards.
_SPECIAL_BUILTINS = frozenset(
    {":", ".", "break", "continue", "eval", "exec", "exit", "export", "readonly", "return"}
    | {"set", "shift", "times", "trap", "unset"}
)


def _command_end(assignment: Any, source: bytes) -> int | None:
    """``X=1`` alone sets X for what follows (None); ``X=1 cmd`` only for cmd (the end of
    cmd), unless cmd is a special built-in (``buildDeps='...' set -x && apt-get install
    $buildDeps`` works in sh)."""
    parent = assignment.parent
    if parent is None or parent.type != "command":
        return None
    name = parent.child_by_field_name("name")
    if name is not None and _node_text(name, source) in _SPECIAL_BUILTINS:
        return None
    end: int = parent.end_byte
    return end


def _node_text(node: Any, source: bytes) -> str:
    text: bytes = source[node.start_byte : node.end_byte]
    return text.decode("utf-8", "surrogateescape")
