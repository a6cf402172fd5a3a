"""Package-manager commands of a RUN, as the package rules (DL3008, DL3013, DL3033...) read them.

What these rules share beyond :mod:`dockerlens.lint.commands`:

* **Which commands and words.** :func:`invocations` (from :mod:`dockerlens.semantics.
  invocations`, re-exported here): wrappers removed, ``sh -c`` scripts read, variables of known
  value expanded; the facts about each manager come from :mod:`dockerlens.semantics.managers`.
* **Judging package lists.** :func:`unpinned` skips words that are nothing but an unknown value
  (they may hold anything, pinned packages included) and judges every other word by its text.
* **Cleanups.** :func:`removes` (an ``rm`` of a directory or of everything in it) and
  :func:`cache_mounted` (a BuildKit cache or tmpfs mount keeps a directory out of the layer).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence

from dockerlens.lazyre import LazyPattern
from dockerlens.lint.commands import mounts
from dockerlens.lint.context import LintContext
from dockerlens.lint.layers import normalize
from dockerlens.model import Step, Variable
from dockerlens.paths import covers, is_glob
from dockerlens.semantics.expansion import expand_known
from dockerlens.semantics.invocations import Invocation as Invocation
from dockerlens.semantics.invocations import Word as Word
from dockerlens.semantics.invocations import find as find
from dockerlens.semantics.invocations import invocations as invocations
from dockerlens.semantics.invocations import mentionable_text as mentionable_text
from dockerlens.semantics.invocations import stand_in as stand_in
from dockerlens.semantics.managers import Cache, Manager, option_value, value_options
from dockerlens.semantics.managers import rpm_pinned as rpm_pinned
from dockerlens.semantics.scope import (
    WHOLE_VARIABLE,
    ScriptScope,
    assignments,
)


def names(text: str) -> frozenset[str]:
    """The space-separated words of ``text`` (option tables)."""
    return frozenset(text.split())


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


def removes(
    invocation: Invocation, directory: str, *, homes: bool = False, entries: str = "*"
) -> bool:
    """An ``rm`` that deletes ``directory``, everything in it, or a directory above it
    (:func:`dockerlens.paths.covers`: with ``homes`` any home directory is ``~``; ``entries``
    is what the directory holds)."""
    if invocation.name == "find":
        return _find_removes(invocation, directory, homes=homes, entries=entries)
    if invocation.name != "rm":
        return False
    return any(
        covers(word.text, directory, homes=homes, entries=entries) for word in invocation.operands()
    )


#: ``find`` tests that narrow what is deleted beyond one ``-name``: not followed.
_FIND_NARROWING = frozenset({"-path", "-ipath", "-regex", "-iregex", "-wholename", "-o", "-or"})


def _find_removes(invocation: Invocation, directory: str, *, homes: bool, entries: str) -> bool:
    """``find ROOT [-type f] [-name GLOB] -delete`` (or ``-exec rm``) deletes every file under
    ROOT that GLOB matches: ``directory`` is emptied when it is ROOT or below it and GLOB
    matches whatever it holds (``entries``)."""
    args = list(invocation.command.args)
    deletes = "-delete" in args or any(
        arg == "-exec" and index + 1 < len(args) and args[index + 1].rpartition("/")[2] == "rm"
        for index, arg in enumerate(args)
    )
    if not deletes or _FIND_NARROWING.intersection(args):
        return False
    names = []
    for index, arg in enumerate(args[:-1]):
        if arg not in ("-name", "-iname"):
            continue
        name = args[index + 1]
        if index and args[index - 1] in ("-not", "!"):
            if is_glob(name):
                return False  # `! -name '*.list'` keeps a kind of file
            continue  # `-not -name lock` keeps one file (apt's lock): the rest goes
        names.append(name)
    if len(names) > 1 or (names and names[0].strip("*") and names[0] != entries):
        return False
    roots = []
    for arg in args:
        if arg.startswith(("-", "(", "!")):
            break
        roots.append(arg)
    return any(covers(root, directory, homes=homes) for root in roots)


def cache_mounted(step: Step, directory: str, *fragments: str, homes: bool = False) -> bool:
    """A cache or tmpfs mount over ``directory`` or a directory above it, or (hadolint's test)
    one whose target contains any of ``fragments``."""
    for mount in mounts(step):
        if mount.type not in ("cache", "tmpfs") or not mount.target:
            continue
        if covers(mount.target, directory, homes=homes):
            return True
        if any(fragment in mount.target for fragment in fragments):
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


@functools.lru_cache(maxsize=256)
def _whole_word(text: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"(?<![^\s='\"])" + re.escape(text) + rb"(?![^\s;&|)'\"\\])")


def at_word(
    ctx: LintContext, step: Step, word: Word, invocation: Invocation | None = None
) -> str | tuple[int, int, int, int] | None:
    """Where to mark ``word``: with the ``invocation`` it is an argument of, at its own place
    in that command (not in an earlier command or package name with the same text: `pip` of
    ``pip install --upgrade pip`` after ``apk add py3-pip``); else its first appearance."""
    script = step.script
    if invocation is None or script is None or not word.origin:
        return pick_at(ctx, step, word.origin, word.text)
    encoded = script.text.encode("utf-8", "surrogateescape")
    command = invocation.command
    own = encoded[command.start_byte : command.end_byte]
    text = word.origin.encode("utf-8", "surrogateescape")
    # The word as a whole argument (not inside another word: `pip3`, `py3-pip`).
    found = list(_whole_word(text).finditer(own))
    if not found:
        return pick_at(ctx, step, word.origin, word.text)
    # Its last appearance: packages come after the program and subcommand that may share its
    # name (`npm install -g npm`, `python3 -m pip install --upgrade pip`); but the commands of
    # an `sh -c` script share the span of the whole `sh -c '...'`, where the first is nearer.
    shared = sum(
        call.command.start_byte == command.start_byte and call.command.end_byte == command.end_byte
        for call in invocations(step)
    )
    chosen = found[0] if shared > 1 else found[-1]
    before = encoded[: command.start_byte + chosen.start()]
    # The instruction's source shows its flags before the script: the word in them (a cache
    # mount's target, `--mount=type=cache,target=/root/.cache/pip`) comes first there.
    instruction = step.instruction
    in_flags = sum(flag.count(word.origin) for flag in (*instruction.flags, *instruction.sub_flags))
    earlier = before.count(text) + in_flags
    place = ctx.locate(step, word.origin, earlier) if earlier else None
    return place or pick_at(ctx, step, word.origin, word.text)


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


def known_value(step: Step, name: str) -> str | None:
    """The value of an ARG or ENV the RUN sees, None when unset or unknown (in an ``ONBUILD
    RUN`` only ENV counts: this build's ARGs are unset in the child build)."""
    return ScriptScope(step).value(name)


def configured(ctx: LintContext, step: Step, pattern: re.Pattern[str] | LazyPattern[str]) -> bool:
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


# --- where a package manager's cache is ---------------------------------------------------

#: A cache moved somewhere the Dockerfile does not say.
UNKNOWN_PLACE = "?"


def cache_setting(scope: dict[str, Variable], name: str) -> str | None:
    """The value of the setting ``name`` in ``scope`` (a script's environment);
    :data:`UNKNOWN_PLACE` when the script sets it somewhere only it knows (``$(mktemp -d)``, a
    variable the Dockerfile does not set); None when unset, or set by the base image."""
    variable = scope.get(name)
    if variable is None:
        return None
    if variable.value is None:
        return UNKNOWN_PLACE if variable.kind == "shell" else None
    return variable.value


def cache_places(
    scope: ScriptScope, cache: Cache, manager: Manager, fillers: list[Invocation]
) -> list[str]:
    """Where ``cache`` is for the commands that fill it: moved by the manager's option or a
    variable, else its default places; ``[UNKNOWN_PLACE]`` when only the script knows (DK203
    and DL3042 judge the cache there)."""
    if manager.cache_option:
        for invocation in fillers:
            value = option_value(invocation, manager.cache_option)
            if value:
                suffix = cache.moved_by[0][1] if cache.moved_by else ""
                return [value + suffix]
    environment = scope.environment(fillers[0].command)
    for name, suffix in cache.moved_by:
        value = cache_setting(environment, name)
        if value == "/dev/null":
            return [value]
        if value:
            if name == "GOPATH":
                value = value.split(":", 1)[0]
            if value == UNKNOWN_PLACE or "$" in value or "`" in value:
                # Somewhere only the script knows (`$(mktemp -d)`): not judged.
                return [UNKNOWN_PLACE]
            return [value.rstrip("/") + suffix, f"${name}{suffix}"]
    out = []
    for path in cache.paths:
        expanded = expand_known(path, scope.base)
        out.append(normalize(expanded) if expanded != path else path)
    return out


# --- rpm-based package managers (yum, dnf, microdnf) -----------------------------------------

#: yum/dnf/microdnf options whose value is the next word.
RPM_VALUE_OPTIONS = value_options("yum")


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
    assigned = {a.name for a in assignments(step) if a.command_end is None}

    def blank(match: re.Match[str]) -> str:
        name = match.group(0).strip("${}")
        defined = name in step.variables or name in assigned
        return match.group(0) if defined else ""

    return word._replace(text=WHOLE_VARIABLE.sub(blank, word.text))


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
