"""Package-manager commands of a RUN, as the package rules (DL3008, DL3013, DL3033...) read them.

What these rules share beyond :mod:`dockerlens.lint.commands`:

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
* **Judging package lists.** :func:`unpinned` skips words that are nothing but an unknown value
  (they may hold anything, pinned packages included) and judges every other word by its text.
* **Cleanups.** :func:`removes` (an ``rm`` of a directory or of everything in it) and
  :func:`cache_mounted` (a BuildKit cache or tmpfs mount keeps a directory out of the layer).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from dockerlens.lint.commands import basename, effective_commands, mounts, unwrapped
from dockerlens.lint.context import LintContext
from dockerlens.lint.lazyre import LazyPattern
from dockerlens.model import Step, Variable, expand_word, shell_text
from dockerlens.shell import Command, ShellKind, ShellScript, parse_shell, word_value

#: A reference to a variable or the output of a command, as it appears in a word.
_REFERENCE = re.compile(
    r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\$[0-9@*#?$!-]|\$\((?:[^()]|\([^()]*\))*\)|`[^`]*`"
)
_WHOLE_VARIABLE = re.compile(r"\$(?:\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)")


def names(text: str) -> frozenset[str]:
    """The space-separated words of ``text`` (option tables)."""
    return frozenset(text.split())


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
    return not _REFERENCE.sub("", text).strip() and bool(_REFERENCE.search(text))


def stand_in(text: str, value: str) -> str:
    """``text`` with every unknown value replaced by ``value`` (``pkg-${V}`` -> ``pkg-0``)."""
    return _REFERENCE.sub(value, text)


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
    cached: tuple[Invocation, ...] | None = step.memo.get(invocations)
    if cached is not None:
        return cached
    resolver = _Resolver(step)
    out: list[Invocation] = []
    found_commands = effective_commands(step) or [
        inner for command in _other_shell_commands(step) for inner in unwrapped(command)
    ]
    for command in found_commands:
        out.append(resolver.invocation(command, command.start_byte, len(out)))
    found = tuple(out)
    step.memo[invocations] = found
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
    named: dict[str, list[Invocation]] | None = step.memo.get(_by_name)
    if named is None:
        named = step.memo[_by_name] = {}
        for invocation in _invocations(step):
            named.setdefault(invocation.name, []).append(invocation)
    return named


def mentionable_text(step: Step) -> str:
    """The RUN's text as :attr:`dockerlens.lint.rule.Rule.run_mentions` is matched against:
    its words and heredoc bodies, the values of the variables it sees and, when a word refers
    to a variable, the words of its invocations once expanded (``$A$B``, ``p${X}ip``), all with
    quotes and backslashes left out. Every command name and argument a rule reads, as written,
    unwrapped or expanded, is in it."""
    text: str | None = step.memo.get(mentionable_text)
    if text is None:
        instruction = step.instruction
        parts = [*instruction.value, *(doc.content for doc in instruction.heredocs)]
        if any("$" in part or "`" in part for part in parts):
            parts += [word for call in _invocations(step) for word in (call.name, *call.args)]
        parts += [variable.value for variable in step.variables.values() if variable.value]
        text = step.memo[mentionable_text] = _UNQUOTED.sub("", "\n".join(parts))
    return text


_UNQUOTED = re.compile(r"[\\\"']")


class _Resolver:
    """Expands the variables of a RUN's words where their value is known."""

    def __init__(self, step: Step) -> None:
        onbuild = step.instruction.sub_cmd is not None
        self.scope: dict[str, Variable] = {}
        for name, variable in step.variables.items():
            if onbuild and variable.kind == "arg":
                # An ONBUILD RUN runs in a child build, where this build's ARGs are unset.
                variable = Variable(name, None, variable.defined_at, variable.kind)
            self.scope[name] = variable
        self.step = step
        # scope_at walks the assignments forward as the commands come in order.
        self._scope: dict[str, Variable] = dict(self.scope)
        self._next = 0
        self._byte = 0

    def scope_at(self, byte: int) -> dict[str, Variable]:
        """The variables a command starting at ``byte`` of the script sees."""
        if byte < self._byte:
            self._scope, self._next, self._byte = dict(self.scope), 0, 0
        # Read only here: a RUN whose words expand nothing never needs its assignments.
        assignments = _assignments(self.step)
        while self._next < len(assignments) and assignments[self._next][0] < byte:
            _start, name, value = assignments[self._next]
            known = None
            if value is not None:
                text, ok = _expand(value, self._scope)
                known = text if ok else None
            self._scope = {**self._scope, name: Variable(name, known, None, "shell")}
            self._next += 1
        self._byte = byte
        return self._scope

    def invocation(self, command: Command, anchor: int, position: int) -> Invocation:
        words: Sequence[str] = command.words
        origins: Sequence[str] = words
        if any("$" in w or "`" in w for w in words):
            scope = self.scope_at(anchor)
            words, origins = [], []
            for word in command.words:
                for text in _split(word, scope):
                    words.append(text)
                    origins.append(word)
            if not words:
                words, origins = [""], [""]
        name = basename(words[0])
        args = tuple(words[1:])
        if name != command.name or args != command.args:
            command = command._replace(name=name, args=args)
        return Invocation.of(command, tuple(origins[1:]), position)


def _expand(word: str, scope: dict[str, Variable]) -> tuple[str, bool]:
    """``word`` with its known variables expanded, and whether every value was known."""
    if "$" not in word and "`" not in word:
        return word, True
    if "$(" in word or "`" in word:
        return word, False
    text, matched, unmatched = expand_word(word, scope, "\\")
    if unmatched:
        return word, False
    known = all(scope[name].value is not None for name in matched if name in scope)
    return text, known and _REFERENCE.search(text) is None


def _split(word: str, scope: dict[str, Variable]) -> list[str]:
    text, known = _expand(word, scope)
    if known and _WHOLE_VARIABLE.fullmatch(word):
        return text.split()
    return [text]


def _assignments(step: Step) -> list[tuple[int, str, str | None]]:
    """``NAME=value`` assignments of the RUN's script, in order: (byte, name, value as
    written); None for a value set another way (a ``for`` loop variable, ``read``). Kept with
    the script, which files of a run share."""
    script = step.script
    if script is None:
        return []
    return script.derived(_script_assignments)


def _script_assignments(script: ShellScript) -> list[tuple[int, str, str | None]]:
    source = script.text.encode("utf-8", "surrogateescape")
    out: list[tuple[int, str, str | None]] = []
    stack = [script.tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "variable_assignment" and _persists(node, source):
            name_node = node.child_by_field_name("name")
            value_node = node.child_by_field_name("value")
            if name_node is not None:
                name = _node_text(name_node, source)
                value = word_value(value_node, source) if value_node is not None else ""
                out.append((node.start_byte, name, value))
        elif node.type == "for_statement":
            variable = node.child_by_field_name("variable")
            if variable is not None:
                out.append((node.start_byte, _node_text(variable, source), None))
        stack.extend(reversed(node.children))
    out.sort(key=lambda item: item[0])
    return out


#: POSIX special built-ins: an assignment written before one stays set afterwards.
_SPECIAL_BUILTINS = names(
    ": . break continue eval exec exit export readonly return set shift times trap unset"
)


def _persists(assignment: Any, source: bytes) -> bool:
    """``X=1`` alone sets X for what follows; ``X=1 cmd`` only for cmd, unless cmd is a special
    built-in (``buildDeps='...' set -x && apt-get install $buildDeps`` works in sh)."""
    parent = assignment.parent
    if parent is None or parent.type != "command":
        return True
    name = parent.child_by_field_name("name")
    return name is not None and _node_text(name, source) in _SPECIAL_BUILTINS


def _node_text(node: Any, source: bytes) -> str:
    text: bytes = source[node.start_byte : node.end_byte]
    return text.decode("utf-8", "surrogateescape")


# --- judging package lists -------------------------------------------------------------------


def unpinned(words: Iterable[Word], pinned: Callable[[str], bool]) -> Word | None:
    """The first word that ``pinned`` rejects; words of unknown value only are not judged."""
    for word in words:
        if word.opaque:
            continue
        if not pinned(word.text):
            return word
    return None


# --- cleanups --------------------------------------------------------------------------------


def removes(invocation: Invocation, directory: str) -> bool:
    """An ``rm`` that deletes ``directory``, everything in it, or a directory above it."""
    if invocation.name != "rm":
        return False
    for word in invocation.operands():
        path = word.text
        while path.endswith(("/*", "/", "*")) and len(path) > 1:
            path = path[:-2] if path.endswith("/*") else path[:-1]
        if path and path != "/" and (directory == path or directory.startswith(path + "/")):
            return True
    return False


def cache_mounted(step: Step, directory: str, *fragments: str) -> bool:
    """A cache or tmpfs mount over ``directory`` or a directory above it, or (hadolint's test)
    one whose target contains any of ``fragments``."""
    for mount in mounts(step):
        if mount.type not in ("cache", "tmpfs") or not mount.target:
            continue
        target = mount.target.rstrip("/") or "/"
        if directory == target or directory.startswith(target.rstrip("/") + "/"):
            return True
        if any(fragment in mount.target for fragment in (directory, *fragments)):
            return True
    return False


# --- configuration written by earlier RUNs ---------------------------------------------------


def earlier_runs(ctx: LintContext, step: Step) -> Iterator[Step]:
    """The RUNs of this stage before ``step``, then those of the stages it is built FROM."""
    return (other for other in ctx.steps_before(step) if other.keyword == "RUN")


def run_text(step: Step) -> str:
    """The text a RUN runs (its script, or its exec-form words)."""
    script = step.script
    if script is not None:
        return script.text
    return " ".join(step.instruction.value)


# --- pointing at findings --------------------------------------------------------------------


def pick_at(ctx: LintContext, step: Step, *candidates: str) -> str | None:
    """The first candidate found in the instruction's source (what ``Problem.at`` marks)."""
    for candidate in candidates:
        if candidate and ctx.locate(step, candidate) is not None:
            return candidate
    return None


def at_word(ctx: LintContext, step: Step, word: Word) -> str | None:
    return pick_at(ctx, step, word.origin, word.text)


def at_command(
    ctx: LintContext, step: Step, invocation: Invocation, *words: str
) -> str | tuple[int, int, int, int] | None:
    """Where to mark an invocation: ``name word`` as written, else its name; at this
    invocation's own place when an earlier command of the RUN has the same text (the second
    ``apt-get install`` of a RUN is marked there, not at the first)."""
    name = invocation.name
    candidates = [*(f"{name} {word}" for word in words), name]
    script = step.script
    if script is None:
        return pick_at(ctx, step, *candidates)
    encoded = script.text.encode("utf-8", "surrogateescape")
    command = invocation.command
    own = encoded[command.start_byte : command.end_byte].decode("utf-8", "surrogateescape")
    # As this command is written (`apt-get -f install` is marked at its `apt-get`).
    text = next((c for c in candidates if c in own), None) or pick_at(ctx, step, *candidates)
    if text is None:
        return None
    before = encoded[: command.start_byte].decode("utf-8", "surrogateescape")
    earlier = before.count(text)
    return (ctx.locate(step, text, earlier) if earlier else None) or text


# --- values and configuration ----------------------------------------------------------------

TRUTHY = frozenset({"1", "true", "on", "yes"})


def known_value(step: Step, name: str) -> str | None:
    """The value of an ARG or ENV the RUN sees, None when unset or unknown (in an ``ONBUILD
    RUN`` only ENV counts: this build's ARGs are unset in the child build)."""
    variable = _Resolver(step).scope.get(name)
    return variable.value if variable is not None else None


def configured(ctx: LintContext, step: Step, pattern: re.Pattern[str] | LazyPattern) -> bool:
    """Some RUN of this stage up to ``step``, or of the stages it is built FROM, has text
    matching ``pattern`` (a setting written to a package manager's configuration)."""
    if pattern.search(run_text(step)):
        return True
    return any(pattern.search(run_text(other)) for other in earlier_runs(ctx, step))


# --- pip -------------------------------------------------------------------------------------


def pip_call(invocation: Invocation) -> Invocation | None:
    """pip's own view of an invocation: ``pip``, ``pip3.12``, ``pipx`` (not ``pipenv``), or
    ``python -m pip`` (the name is then the module and the arguments those after it)."""
    name = invocation.name
    if name.startswith("pip"):
        return None if name.startswith("pipenv") else invocation
    if not name.startswith("python"):
        return None
    args = invocation.args
    for index, arg in enumerate(args):
        if arg == "-m" and index + 1 < len(args):
            module, rest = args[index + 1], index + 2
        elif arg.startswith("-m") and len(arg) > 2 and not arg.startswith("--"):
            module, rest = arg[2:], index + 1
        else:
            continue
        if not module.startswith("pip") or module.startswith("pipenv"):
            return None
        command = invocation.command._replace(name=module, args=args[rest:])
        return Invocation.of(command, invocation.origins[rest:], invocation.position)
    return None


# --- rpm-based package managers (yum, dnf, microdnf) -----------------------------------------

_RPM_VERSION_PART = re.compile(r"[A-Za-z0-9.~^_:+]*")


def rpm_pinned(package: str) -> bool:
    """``name-version[-release]``: after the first ``-``, every ``-``-separated part is made of
    version characters and one starts with a digit; ``.rpm`` files carry their version. An
    unknown value stands in for a version (``pkg-${VERSION}``)."""
    if package.endswith(".rpm"):
        return True
    parts = stand_in(package, "0").split("-")[1:]
    return (
        bool(parts)
        and all(_RPM_VERSION_PART.fullmatch(part) for part in parts)
        and any(part[:1].isdigit() for part in parts)
    )


#: yum/dnf/microdnf options whose value is the next word.
RPM_VALUE_OPTIONS = names(
    "c config d debuglevel e errorlevel x exclude R randomwait enablerepo disablerepo repo "
    "repoid setopt releasever installroot downloaddir destdir forcearch comment from-repo "
    "repofrompath"
)


def rpm_unpinned(install: Invocation, step: Step | None = None) -> Word | None:
    """The first package a yum/dnf/microdnf ``install`` names without its version (for
    ``module install``, a module without its stream: ``nodejs`` rather than ``nodejs:20``).
    With the ``step``, a variable that neither the stage nor the script defines expands to
    nothing, as hadolint judges it (``httpd-${VERSION}`` with ``VERSION`` set only in another
    stage is unpinned)."""
    pinned = _stream_given if install.has("module") else rpm_pinned
    words = [w for w in install.operands(RPM_VALUE_OPTIONS) if w.text not in ("install", "module")]
    if step is not None:
        words = [_undefined_blanked(step, word) for word in words]
    return unpinned(words, pinned)


def _undefined_blanked(step: Step, word: Word) -> Word:
    if "$" not in word.text:
        return word
    assigned = {name for _byte, name, _value in _assignments(step)}

    def blank(match: re.Match[str]) -> str:
        name = match.group(0).strip("${}")
        defined = name in step.variables or name in assigned
        return match.group(0) if defined else ""

    return word._replace(text=_WHOLE_VARIABLE.sub(blank, word.text))


def _stream_given(module: str) -> bool:
    return ":" in module


def cleaned_after(
    found: Sequence[Invocation],
    installs: Sequence[Invocation],
    cleans: Callable[[Invocation], bool],
) -> bool:
    """Some invocation passing ``cleans`` comes after the last of ``installs``."""
    last = max(inv.position for inv in installs)
    return any(inv.position > last and cleans(inv) for inv in found)
