"""What rules ask of a RUN: its commands, their flags and arguments, its mounts.

Flag reading follows hadolint so that codes carried over mean the same thing: any word starting
with ``-`` is a flag; ``--name=value`` is the flag ``name``; ``-abc`` is the flags a, b and c;
``--`` and ``-`` are not flags.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from dockerlens.model import Step
from dockerlens.shell import Command, ShellKind, parse_shell

ARCHIVE_EXTENSIONS = (
    ".tar",
    ".Z",
    ".bz2",
    ".gz",
    ".lz",
    ".lzma",
    ".tZ",
    ".tb2",
    ".tbz",
    ".tbz2",
    ".tgz",
    ".tlz",
    ".tpz",
    ".txz",
    ".xz",
)


def commands(step: Step) -> list[Command]:
    """The simple commands a RUN runs, in order (exec form and ``sh -c`` strings included).

    Empty for non-POSIX shells (PowerShell, cmd), whose scripts are not sh.
    """
    script = step.script
    if script is not None:
        return script.commands
    instruction = step.instruction
    if step.keyword != "RUN" or not instruction.json or not instruction.value:
        return []
    words = instruction.value
    inline = _dash_c_script(words)
    if inline is not None:
        return parse_shell(inline).commands
    if step.shell_kind is not ShellKind.POSIX and not words[0].startswith("/"):
        return []
    return [Command(name=words[0], args=tuple(words[1:]), line=1, start_byte=0, end_byte=0)]


_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "mksh"})


def _dash_c_script(words: tuple[str, ...]) -> str | None:
    """The script of ``["bash", "-o", "pipefail", "-ec", "script"]``, else None."""
    if not words or posixpath.basename(words[0]) not in _SHELLS:
        return None
    index = 1
    while index < len(words) and words[index].startswith("-"):
        word = words[index]
        if word in ("-o", "+o"):
            index += 2
            continue
        if not word.startswith("--") and "c" in word[1:]:
            return words[index + 1] if index + 1 < len(words) else None
        index += 1
    return None


def flags(command: Command) -> list[str]:
    out: list[str] = []
    for arg in command.args:
        if arg in ("-", "--") or not arg.startswith("-"):
            continue
        if arg.startswith("--"):
            out.append(arg[2:].split("=", 1)[0])
        else:
            out.extend(arg[1:])
    return out


def has_flag(command: Command, *names: str) -> bool:
    present = flags(command)
    return any(name in present for name in names)


def has_args(command: Command, *words: str) -> bool:
    return any(word in command.args for word in words)


def is_command(command: Command, name: str, *subcommands: str) -> bool:
    """``name`` (by basename) with any of ``subcommands`` among its arguments (hadolint's
    ``cmdHasArgs``); with no subcommands, just the name."""
    if posixpath.basename(command.name) != name:
        return False
    return not subcommands or has_args(command, *subcommands)


def args_without_flags(command: Command, with_values: Iterable[str] = ()) -> list[str]:
    """Arguments that are not flags, also dropping the value after each flag in ``with_values``
    (``-t bookworm``), unless written ``--flag=value``."""
    takes_value = set(with_values)
    out: list[str] = []
    skip_next = False
    for arg in command.args:
        if skip_next:
            skip_next = False
            continue
        if arg in ("-", "--") or not arg.startswith("-"):
            out.append(arg)
            continue
        if "=" in arg:
            continue
        name = arg[2:] if arg.startswith("--") else arg[1:]
        if name in takes_value or (not arg.startswith("--") and name[-1:] in takes_value):
            skip_next = True
    return out


def words_after(command: Command, word: str) -> list[str]:
    """The arguments after the first ``word`` (``install``)."""
    args = list(command.args)
    return args[args.index(word) + 1 :] if word in args else []


@dataclass(frozen=True)
class Mount:
    type: str
    target: str
    options: dict[str, str]


def mounts(step: Step) -> list[Mount]:
    """``RUN --mount=...`` flags, parsed (BuildKit's defaults: type=bind)."""
    out = []
    for flag in step.expanded_flags or step.instruction.flags:
        if not flag.startswith("--mount="):
            continue
        options: dict[str, str] = {}
        for part in _split_csv(flag[len("--mount=") :]):
            key, _, value = part.partition("=")
            options[key.strip().lower()] = value.strip()
        target = options.get("target") or options.get("dst") or options.get("destination") or ""
        out.append(Mount(options.get("type", "bind"), target, options))
    return out


def _split_csv(text: str) -> Iterator[str]:
    part: list[str] = []
    quote = ""
    for char in text:
        if quote:
            if char == quote:
                quote = ""
            else:
                part.append(char)
        elif char in "\"'":
            quote = char
        elif char == ",":
            yield "".join(part)
            part = []
        else:
            part.append(char)
    if part:
        yield "".join(part)


def has_cache_mount(step: Step, fragment: str) -> bool:
    """A cache or tmpfs mount whose target contains ``fragment`` (hadolint's test): what it
    writes there stays out of the layer."""
    return any(m.type in ("cache", "tmpfs") and fragment in m.target for m in mounts(step))


def is_archive(path: str) -> bool:
    return posixpath.basename(path.rstrip("/")).endswith(ARCHIVE_EXTENSIONS)


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))
