"""What rules ask of a RUN: its commands, their flags and arguments, its mounts.

Two views of the commands:

* :func:`commands` is the simple commands as the script is written (hadolint's view, where
  ``sudo apt-get install x`` is the command ``sudo``), those inside ``$(...)``, backticks,
  ``<(...)`` and a heredoc's pipeline included.
* :func:`effective_commands` is what actually runs: the command behind a wrapper (``sudo``,
  ``env``, ``xargs``, ``gosu user``, ``timeout 10``, ``nice``...) and the commands of a nested
  ``sh -c '...'`` or ``su user -c '...'`` script. Use it where a rule is about a program
  running at all, whoever starts it.

A program is known by its base name (:func:`program`): ``/usr/bin/curl`` is curl.

Flag reading follows hadolint so that codes carried over mean the same thing: any word starting
with ``-`` is a flag; ``--name=value`` is the flag ``name``; ``-abc`` is the flags a, b and c;
``--`` and ``-`` are not flags.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from dockerlens.lazyre import LazyPattern
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
    facts = step.facts
    if facts.commands is None:
        facts.commands = _commands(step)
    return list(facts.commands)


def _commands(step: Step) -> Sequence[Command]:
    script = step.script
    if script is not None:
        return script.commands
    instruction = step.instruction
    if step.keyword != "RUN" or not instruction.json or not instruction.value:
        return []
    words = instruction.value
    inline = shell_script(words) if basename(words[0]) in SHELLS else None
    if inline is not None:
        return parse_shell(inline).commands
    if step.shell_kind is not ShellKind.POSIX and not words[0].startswith("/"):
        return []
    return [Command(name=words[0], args=tuple(words[1:]), line=1, start_byte=0, end_byte=0)]


def program(command: Command) -> str:
    """The program a command runs, by its base name: ``/usr/bin/sudo`` is ``sudo``."""
    return basename(command.name)


def basename(path: str) -> str:
    """``posixpath.basename`` of a str, without its checks: it runs for every command word."""
    return path.rpartition("/")[2]


#: POSIX shells, by base name.
SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "mksh"})


def shell_script(words: Sequence[str]) -> str | None:
    """The script of ``sh -c SCRIPT`` (any of :data:`SHELLS`, by base name, with options such
    as ``-o pipefail``, ``-e`` or ``-ec`` around the ``-c``) or of ``su [user] -c SCRIPT``
    (``runuser`` too); None for any other command."""
    name = basename(words[0]) if words else ""
    if name in SHELLS:
        saw_c = False
        index = 1
        while index < len(words):
            word = words[index]
            if word in ("-o", "+o"):
                index += 2
                continue
            if word.startswith(("-", "+")) and not word.startswith("--"):
                saw_c = saw_c or "c" in word[1:]
            elif not word.startswith("--"):
                return word if saw_c else None
            index += 1
        return None
    if name in ("su", "runuser"):
        for index, word in enumerate(words):
            if word in ("-c", "--command") and index + 1 < len(words):
                return words[index + 1]
            if word.startswith("--command="):
                return word.partition("=")[2]
    return None


# --- what runs: wrappers and nested scripts ----------------------------------------------------


class _Wrapper(NamedTuple):
    """A program that runs the command given after its own options (and operands)."""

    #: Options that take the next word as their value (short ones as single letters).
    values: frozenset[str] = frozenset()
    #: Words after the options and before the command (``gosu USER cmd``).
    operands: int = 0
    #: ``NAME=value`` words may come before the command.
    assignments: bool = False
    #: Options with which it runs nothing (``command -v``, ``sudo -l``).
    not_with: frozenset[str] = frozenset()


def _w(
    values: str = "", operands: int = 0, assignments: bool = False, not_with: str = ""
) -> _Wrapper:
    return _Wrapper(frozenset(values.split()), operands, assignments, frozenset(not_with.split()))


_WRAPPERS: dict[str, _Wrapper] = {
    "sudo": _w(
        "u g h p C D r t T U user group host prompt close-from chdir role type "
        "command-timeout other-user",
        assignments=True,
        not_with="l v V e K list validate version edit remove-timestamp",
    ),
    "doas": _w("u C"),
    "env": _w("u C S unset chdir split-string", assignments=True),
    "xargs": _w(
        "a d E I L n P s arg-file delimiter eof replace max-lines max-args max-procs "
        "max-chars process-slot-var"
    ),
    "nice": _w("n adjustment"),
    "nohup": _w(),
    "time": _w("f o format output"),
    "command": _w(not_with="v V"),
    "exec": _w("a"),
    "stdbuf": _w("i o e input output error"),
    "timeout": _w("s k signal kill-after", operands=1),
    "gosu": _w(operands=1),
    "su-exec": _w(operands=1),
    "eatmydata": _w(),
}
#: Wrappers and nested scripts are followed this many levels deep.
_MAX_DEPTH = 4
_ASSIGNMENT = LazyPattern(r"[A-Za-z_][A-Za-z0-9_]*=")


def unwrap(words: Sequence[str]) -> list[str] | None:
    """The words of the command a wrapper runs (``sudo -u app make`` -> ``make``); [] when it
    runs nothing (``sudo -l``, ``command -v x``, a bare ``env``); None when ``words`` is no
    wrapper."""
    if not words:
        return None
    spec = _WRAPPERS.get(basename(words[0]))
    if spec is None:
        return None
    index = 1
    while index < len(words):
        word = words[index]
        if word == "--":
            index += 1
            break
        if word == "-" or not word.startswith("-"):
            break
        if word.startswith("--"):
            name, has_value, _ = word[2:].partition("=")
            if name in spec.not_with:
                return []
            if not has_value and name in spec.values:
                index += 1
        else:
            for position, letter in enumerate(word[1:]):
                if letter in spec.not_with:
                    return []
                if letter in spec.values:
                    if position == len(word) - 2:
                        index += 1
                    break
        index += 1
    if spec.assignments:
        while index < len(words) and _ASSIGNMENT.match(words[index]):
            index += 1
    index += spec.operands
    return list(words[index:])


def unwrapped(command: Command, *, wrappers: bool = False) -> Iterator[Command]:
    """What ``command`` runs: itself; for a wrapper, the command it runs; for ``sh -c SCRIPT``
    or ``su -c SCRIPT``, the commands of the script; and so on, a few levels deep. With
    ``wrappers``, each wrapper and each ``sh -c`` is given as well, before what it runs.

    The commands keep ``command``'s line and bytes (a nested script's point at the whole
    ``sh -c '...'``), and a nested script's commands are ``in_subshell``: they run in a shell
    of their own.
    """
    yield from _unwrapped(command, 0, wrappers)


def _unwrapped(command: Command, depth: int, wrappers: bool) -> Iterator[Command]:
    written = list(command.words)
    words = written
    while depth < _MAX_DEPTH:
        inner = unwrap(words)
        if inner is None:
            break
        if wrappers:
            yield command._replace(name=words[0], args=tuple(words[1:]))
        if not inner:
            return
        words = inner
        depth += 1
    if words is written:
        current = command  # no wrapper: most commands
    else:
        current = command._replace(name=words[0] if words else "", args=tuple(words[1:]))
    script = shell_script(words) if depth < _MAX_DEPTH else None
    if script is None:
        yield current
        return
    if wrappers:
        yield current
    for nested in parse_shell(script).commands:
        inside = nested._replace(
            line=command.line,
            start_byte=command.start_byte,
            end_byte=command.end_byte,
            in_subshell=True,
        )
        yield from _unwrapped(inside, depth + 1, wrappers)


def effective_commands(step: Step, *, wrappers: bool = False) -> list[Command]:
    """The commands a RUN runs, through wrappers and into nested ``sh -c`` scripts
    (:func:`unwrapped` of each of :func:`commands`). Names stay as written: compare them with
    :func:`program` or :func:`is_command`."""
    facts = step.facts
    found = facts.wrapped_commands if wrappers else facts.effective_commands
    if found is None:
        found = [
            inner for command in commands(step) for inner in unwrapped(command, wrappers=wrappers)
        ]
        if wrappers:
            facts.wrapped_commands = found
        else:
            facts.effective_commands = found
    return list(found)


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
    if basename(command.name) != name:
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


class Mount(NamedTuple):
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


def is_archive(path: str) -> bool:
    return posixpath.basename(path.rstrip("/")).endswith(ARCHIVE_EXTENSIONS)


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


#: Commands that verify a download: checksums and signatures.
_CHECKERS = frozenset(
    {
        "sha1sum",
        "sha224sum",
        "sha256sum",
        "sha384sum",
        "sha512sum",
        "shasum",
        "md5sum",
        "b2sum",
        "cksum",
        "gpgv",
        "minisign",
        "signify",
        "cosign",
    }
)


#: Per interpreter (its name without a version): the option that runs inline code, and a
#: digest computed in it: PHP's ``hash_file('sha384', ...)`` (Composer's documented installer
#: check), Python's ``hashlib``, Node's ``createHash``, Ruby's and Perl's ``Digest``.
_INLINE_DIGEST = {
    "php": ("-r", LazyPattern(r"\bhash(?:_file)?\s*\(")),
    "python": ("-c", LazyPattern(r"\bhashlib\b")),
    "node": ("-e", LazyPattern(r"\bcreateHash\s*\(")),
    "nodejs": ("-e", LazyPattern(r"\bcreateHash\s*\(")),
    "ruby": ("-e", LazyPattern(r"\bDigest::")),
    "perl": ("-e", LazyPattern(r"\bDigest::")),
}
#: The digest is compared with something (``===``, ``!=``, ``hash_equals``, ``assert``).
_COMPARES = LazyPattern(r"[=!]==?|\bhash_equals\b|\bassert\b")


def verifies_download(command: Command) -> bool:
    """The command checks a checksum or a signature (``sha256sum -c``, ``gpg --verify``,
    ``cosign verify-blob``, ``php -r "...hash_file('sha384', ...)..."``...)."""
    name = basename(command.name)
    if name in _CHECKERS:
        return True
    if name in ("gpg", "gpg2"):
        return any(a in ("--verify", "--verify-files") for a in command.args)
    if name == "openssl":
        return any(a.startswith("-verify") for a in command.args)
    inline = _INLINE_DIGEST.get(name.rstrip("0123456789."))
    if inline is None or inline[0] not in command.args[:-1]:
        return False
    code = command.args[command.args.index(inline[0]) + 1]
    return inline[1].search(code) is not None and _COMPARES.search(code) is not None


#: Commands whose output is one word (no blank, no glob character), by program; None: with any
#: arguments, else only with one of these: ``$(nproc)``, ``$(uname -m)``, ``$(id -u)``.
_ONE_WORD: dict[str, frozenset[str] | None] = {
    "nproc": None,
    "arch": None,
    "whoami": None,
    "pwd": None,
    "mktemp": None,
    "getconf": None,
    "uname": frozenset({"-m", "-r", "-s", "-p", "-i", "-o", "-n"}),
    "id": frozenset({"-u", "-g", "-un", "-gn", "-nu", "-ng"}),
    "dpkg": frozenset({"--print-architecture"}),
    "lsb_release": frozenset({"-cs", "-sc", "-rs", "-sr", "-is", "-si"}),
}


def prints_one_word(command: Command) -> bool:
    """The command prints a single word, so an unquoted ``$(...)`` of it cannot split."""
    name = basename(command.name)
    if name not in _ONE_WORD or command.redirects:
        return False
    allowed = _ONE_WORD[name]
    return allowed is None or (len(command.args) == 1 and command.args[0] in allowed)


#: A sed script that quits: ``q``, ``1q``, ``/^$/q``, ``s/a/b/;q``.
_SED_QUITS = LazyPattern(r"(?:.*;\s*)?(?:\d+|/[^/]*/)?q\d*")


def reads_part_of_its_input(command: Command) -> bool:
    """The command may stop reading before its input ends (``head``, ``grep -q``, ``grep
    -m1``, ``awk '{...; exit}'``, ``sed q``): a command writing into it may die of SIGPIPE."""
    name = basename(command.name)
    args = command.args
    if name == "head":
        return True
    if name in ("grep", "egrep", "fgrep"):
        return any(
            a.startswith(("--quiet", "--silent", "--max-count"))
            or (a.startswith("-") and not a.startswith("--") and bool({"q", "m"} & set(a[1:])))
            for a in args
        )
    if name in ("awk", "gawk", "mawk"):
        return any("exit" in a for a in args)
    if name == "sed":
        return any(_SED_QUITS.fullmatch(a) for a in args)
    return False
