"""Shell scripts of RUN instructions, parsed with tree-sitter-bash.

tree-sitter-bash ships wheels for every platform and parses a typical RUN in about 20 µs; bashlex
fails on common constructs. Only POSIX-like shells are parsed: PowerShell and cmd are recognised
and left alone.
"""

from __future__ import annotations

import enum
import functools
import os
import re
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

T = TypeVar("T")

DEFAULT_LINUX_SHELL = ("/bin/sh", "-c")
DEFAULT_WINDOWS_SHELL = ("cmd", "/S", "/C")


class ShellKind(enum.Enum):
    POSIX = "posix"
    POWERSHELL = "powershell"
    CMD = "cmd"
    OTHER = "other"


def shell_kind(shell: tuple[str, ...]) -> ShellKind:
    if not shell:
        return ShellKind.OTHER
    program = shell[0].replace("\\", "/").rsplit("/", 1)[-1].lower()
    program = program.removesuffix(".exe")
    if program in ("powershell", "pwsh"):
        return ShellKind.POWERSHELL
    if program == "cmd":
        return ShellKind.CMD
    if program in ("sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "busybox"):
        return ShellKind.POSIX
    return ShellKind.OTHER


class Redirect(NamedTuple):
    operator: str
    target: str


class Command(NamedTuple):
    """One simple command: ``apt-get install -y curl``."""

    name: str
    args: tuple[str, ...]
    #: 1-based line within the script, and the byte span of the command in it.
    line: int
    start_byte: int
    end_byte: int
    redirects: tuple[Redirect, ...] = ()
    #: How the command is joined to the one before it in its list: "&&", "||", ";", "|" or "".
    joined_by: str = ""
    in_subshell: bool = False

    @property
    def words(self) -> tuple[str, ...]:
        return (self.name, *self.args)


class ShellScript:
    """A parsed script: its syntax tree and the simple commands in it, in order."""

    # A plain class: a dataclass costs about a millisecond to make, at every start.
    def __init__(
        self, text: str, tree: Any, commands: tuple[Command, ...] = (), has_errors: bool = False
    ) -> None:
        self.text = text
        self.tree = tree
        self.commands = commands
        self.has_errors = has_errors
        self._derived: dict[Callable[[ShellScript], Any], Any] = {}

    def derived(self, compute: Callable[[ShellScript], T]) -> T:
        """``compute(self)``, worked out once: what rules read from the text alone is kept
        with the script, which the steps and files with the same text share (see
        :func:`parse_shell`)."""
        if compute not in self._derived:
            self._derived[compute] = compute(self)
        found: T = self._derived[compute]
        return found


@functools.cache
def _parser() -> Any:
    import tree_sitter

    return tree_sitter.Parser(tree_sitter.Language(_bash_language()))


def _bash_language() -> Any:
    """tree-sitter-bash's grammar, from its compiled module alone: the package's
    ``__init__`` imports ``importlib.resources`` (for queries dockerlens does not use), which
    cost 5-15 ms of every start."""
    import importlib.util

    try:
        package = importlib.util.find_spec("tree_sitter_bash")
        folders = list(package.submodule_search_locations or []) if package else []
        for folder in folders:
            for name in sorted(os.listdir(folder)):
                if name.startswith("_binding.") and name.endswith((".so", ".pyd")):
                    spec = importlib.util.spec_from_file_location(
                        "tree_sitter_bash._binding", os.path.join(folder, name)
                    )
                    if spec is not None and spec.loader is not None:
                        module = importlib.util.module_from_spec(spec)
                        spec.loader.exec_module(module)
                        return module.language()
    except (ImportError, OSError, AttributeError):
        pass  # an unusual layout: the package's own way below
    import tree_sitter_bash

    return tree_sitter_bash.language()


@functools.lru_cache(maxsize=4096)
def parse_shell(text: str) -> ShellScript:
    """The script's syntax tree and commands. Kept by text: a run of many Dockerfiles meets
    the same scripts again (a project's variants, ``sh -c`` strings), and the result is never
    changed by its users (its commands are a tuple)."""
    source = text.encode("utf-8", "surrogateescape")
    tree = _parser().parse(source)
    commands: list[Command] = []
    _collect(tree.root_node, source, commands, in_subshell=False)
    return ShellScript(text, tree, tuple(commands), tree.root_node.has_error)


_WORD_NODES = frozenset(
    {
        "word",
        "string",
        "raw_string",
        "concatenation",
        "simple_expansion",
        "expansion",
        "number",
        "ansi_c_string",
        "translated_string",
        "command_substitution",
        "arithmetic_expansion",
    }
)
_JOINERS = frozenset({"&&", "||", ";", "|", "&", "|&"})
#: What every command or process substitution starts with.
_SUBSTITUTION_START = re.compile(rb"\$\(|`|[<>]\(")


def _text(node: Any, source: bytes) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "surrogateescape")


def word_value(node: Any, source: bytes) -> str:
    """The word with its quotes removed (expansions kept as written)."""
    kind = node.type
    if kind == "raw_string":
        return _text(node, source)[1:-1]
    if kind == "string":
        inner = _text(node, source)
        return inner[1:-1] if len(inner) >= 2 else inner
    if kind == "concatenation":
        return "".join(word_value(child, source) for child in node.children)
    text = _text(node, source)
    if kind == "word" and "\\" in text:
        out = []
        chars = iter(text)
        for ch in chars:
            out.append(next(chars, "") if ch == "\\" else ch)
        return "".join(out)
    return text


def _collect(
    node: Any, source: bytes, out: list[Command], *, in_subshell: bool, joiner: str = ""
) -> None:
    for child in node.children:
        kind = child.type
        if kind in _JOINERS:
            joiner = kind
            continue
        if kind == "command":
            _substitutions(child, source, out)
            out.append(_command(child, source, joiner, in_subshell, ()))
        elif kind == "redirected_statement":
            body = child.child_by_field_name("body")
            redirects = tuple(
                Redirect(_redirect_operator(r, source), _redirect_target(r, source))
                for r in child.children
                if r.type in ("file_redirect", "heredoc_redirect", "herestring_redirect")
            )
            if body is not None and body.type == "command":
                _substitutions(body, source, out)
                out.append(_command(body, source, joiner, in_subshell, redirects))
            elif body is not None:
                before = len(out)
                _collect_nested(body, source, out, in_subshell, joiner)
                if redirects and len(out) > before:
                    # `a | b > f`: the redirect belongs to the pipeline's last command.
                    last = out[-1]
                    out[-1] = last._replace(redirects=last.redirects + redirects)
            for redirect in child.children:
                # `cat <<EOF | sh`: the pipeline after a heredoc start lives inside the redirect.
                if redirect.type == "heredoc_redirect":
                    for part in redirect.children:
                        if part.type in ("pipeline", "command", "list"):
                            _collect_nested(part, source, out, in_subshell, "|")
        else:
            _collect_nested(child, source, out, in_subshell, joiner)
        joiner = ""


def _collect_nested(
    node: Any, source: bytes, out: list[Command], in_subshell: bool, joiner: str
) -> None:
    if node.type == "command":
        _substitutions(node, source, out)
        out.append(_command(node, source, joiner, in_subshell, ()))
        return
    nested = in_subshell or node.type == "subshell"
    _collect(node, source, out, in_subshell=nested, joiner=joiner)


def _substitutions(command: Any, source: bytes, out: list[Command]) -> None:
    """Commands inside ``$(...)``, backticks or ``<(...)`` in a command's words, which run
    before it (in a subshell): ``echo $(apt-get install x)`` runs apt-get."""
    if not _SUBSTITUTION_START.search(source, command.start_byte, command.end_byte):
        return  # none in the command's text: most commands
    stack = [c for c in command.children if c.type != "command_name"]
    while stack:
        node = stack.pop(0)
        if node.type in ("command_substitution", "process_substitution"):
            _collect(node, source, out, in_subshell=True)
        elif node.type in ("string", "concatenation", "command_name"):
            stack[:0] = list(node.children)


def _redirect_operator(node: Any, source: bytes) -> str:
    for child in node.children:
        if not child.is_named:
            return _text(child, source)
    return ""


def _redirect_target(node: Any, source: bytes) -> str:
    dest = node.child_by_field_name("destination")
    if dest is not None:
        return word_value(dest, source)
    named = [c for c in node.children if c.is_named and c.type != "file_descriptor"]
    return word_value(named[-1], source) if named else ""


def _command(
    node: Any, source: bytes, joiner: str, in_subshell: bool, redirects: tuple[Redirect, ...]
) -> Command:
    name_node = node.child_by_field_name("name")
    name = word_value(name_node.children[0], source) if name_node is not None else ""
    args: list[str] = []
    own_redirects = list(redirects)
    for child in node.children:
        if child is name_node or child.type == "variable_assignment":
            continue
        if child.type == "file_redirect":
            own_redirects.append(
                Redirect(_redirect_operator(child, source), _redirect_target(child, source))
            )
        elif child.type in _WORD_NODES:
            args.append(word_value(child, source))
    return Command(
        name=name,
        args=tuple(args),
        line=node.start_point[0] + 1,
        start_byte=node.start_byte,
        end_byte=node.end_byte,
        redirects=tuple(own_redirects),
        joined_by=joiner,
        in_subshell=in_subshell,
    )
