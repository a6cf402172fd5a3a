"""The ``dockerlens`` command line.

Each subcommand lives in its own module and is imported only when it runs: networkx and docker-py
each cost a fifth of a second to import, and a pre-commit hook pays start-up on every commit.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from dockerlens import __version__
from dockerlens.errors import UserError
from dockerlens.termination import exit_on

if TYPE_CHECKING:
    from dockerlens.arguments import Command

#: subcommand name -> "module:attribute" of its command.
COMMANDS: dict[str, str] = {
    "parse": "dockerlens.commands.parse_cmd:parse",
    "graph": "dockerlens.commands.graph_cmd:graph",
    "analyze": "dockerlens.commands.analyze_cmd:analyze",
    "diff": "dockerlens.commands.diff_cmd:diff",
    "lint": "dockerlens.commands.lint_cmd:lint",
    "rules": "dockerlens.commands.rules_cmd:rules",
    "lsp": "dockerlens.commands.lsp_cmd:lsp",
}

HELP = """Lint Dockerfiles and analyse the layers of built container images.

\b
Exit codes: 0 success, 1 findings at or above the failure threshold (a
Dockerfile that does not parse, whatever the threshold), 2 bad input (a
missing or unreadable file, a bad option, an unreachable engine), each
problem told on standard error as one line: `dockerlens: error: ...`.
Run `dockerlens COMMAND --help` for a command's options.
"""

HELP_OPTIONS = ("-h", "--help")
VERSION_OPTIONS = ("-V", "--version")


def load_command(name: str) -> Command | None:
    """The subcommand ``name``, its module imported; None when there is no such command."""
    target = COMMANDS.get(name)
    if target is None:
        return None
    module_name, attribute = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name and err.name.startswith("dockerlens"):
            return None
        raise
    command: Command = getattr(module, attribute)
    return command


def cli(args: Sequence[str], prog_name: str = "dockerlens") -> NoReturn:
    """Run the command line ``args`` (without the program's name) and exit with its status:
    0, 1 for findings, 2 for bad input, told as one line on standard error."""
    try:
        _dispatch(list(args), prog_name)
    except UserError as err:
        sys.stderr.write(f"dockerlens: error: {err.format_message()}\n")
        sys.exit(err.exit_code)
    except BrokenPipeError:
        # The reader went away (`| head`): nothing left to say, and nothing to say at exit.
        _silence_stdout()
        sys.exit(1)
    sys.exit(0)


def _dispatch(args: list[str], prog_name: str) -> None:
    if not args:  # the help, as a usage error: a bare `dockerlens` in a script is a mistake
        sys.stderr.write(_group_help(prog_name))
        sys.exit(2)
    first, rest = args[0], args[1:]
    if first in HELP_OPTIONS:
        sys.stdout.write(_group_help(prog_name))
        return
    if first in VERSION_OPTIONS:
        sys.stdout.write(f"dockerlens, version {__version__}\n")
        return
    see = f" (see '{prog_name} --help')"
    if first.startswith("-"):
        raise UserError(f"No such option {first.split('=', 1)[0]!r}{see}")
    command = load_command(first)
    if command is None:
        raise UserError(f"No such command {first!r}{see}")
    from dockerlens.arguments import UsageError

    prog = f"{prog_name} {first}"
    try:
        command.main(rest, prog)
    except UsageError as err:
        message = err.format_message().rstrip(".")
        raise UserError(f"{message} (see '{prog} --help')") from None


def _group_help(prog_name: str) -> str:
    from dockerlens.arguments import describe, help_width, two_columns

    width = help_width()
    options = [
        (", ".join(VERSION_OPTIONS), "Show the version and exit."),
        (", ".join(HELP_OPTIONS), "Show this message and exit."),
    ]
    limit = width - 6 - max(len(name) for name in COMMANDS)
    commands = []
    for name in sorted(COMMANDS):
        command = load_command(name)
        commands.append((name, _shortened(command.summary if command else "", limit)))
    return (
        f"Usage: {prog_name} [OPTIONS] COMMAND [ARGS]...\n\n"
        + describe(HELP, width)
        + "\nOptions:\n"
        + two_columns(options, width)
        + "\nCommands:\n"
        + two_columns(commands, width)
    )


def _shortened(summary: str, limit: int) -> str:
    """Up to the first sentence's end, else cut at a word with "..." to fit ``limit``."""
    words = summary.split()
    length = 0
    for index, word in enumerate(words):
        length += len(word) + (index > 0)
        if length > limit:
            break
        if word.endswith("."):
            return " ".join(words[: index + 1])
    else:
        return summary
    length = len("...")
    for index, word in enumerate(words):
        length += len(word) + (index > 0)
        if length > limit:
            return " ".join(words[:index]) + "..."
    return summary


def _silence_stdout() -> None:
    stdout = sys.stdout
    if stdout is None:
        return
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), stdout.fileno())


def main() -> None:
    # Ctrl-C and SIGTERM unwind like an exception (ShellCheck's processes and temporary folders
    # go too) and exit 130 / 143 as a shell reports them; a second signal during that clean-up
    # is ignored. KeyboardInterrupt instead left the exit status to a race: an "Aborted!"
    # exit 1, or death by SIGINT when a second one arrived while unwinding.
    exit_on(signal.SIGINT, signal.SIGTERM)
    # Start-up makes many objects that live as long as the process (modules, classes, rules),
    # which the cyclic collector would go over again and again: 32 collections while `lint`
    # checks one file. What is loaded by now is frozen out of its reach, and young objects are
    # collected less often: 5-10 ms less CPU at each start (measured in bench/bench_lint.py),
    # the same on 400 files.
    gc.freeze()
    gc.set_threshold(10_000)
    try:
        cli(sys.argv[1:])
    except SystemExit as done:
        if sys.getprofile() is not None or sys.gettrace() is not None:
            raise  # a profiler or coverage writes its data at the interpreter's own exit
        if threading.active_count() > 1:
            raise  # a pool's thread still working (the language server's): let it finish
        exit_now(done.code)


def exit_now(code: object) -> NoReturn:
    """End the process with ``code`` as :func:`sys.exit` would, without the interpreter's
    clean-up: tearing down some 200 modules and the objects they hold takes 15 ms, a tenth of
    a lint run's start-up, to free memory the operating system takes back anyway (mypy ends
    the same way). What that clean-up does that matters is done here: the exit handlers run
    and standard output and error are flushed. Only for a run of the command line, after
    every ``finally`` block and context manager of the command has run; the pools the
    commands use are shut down by then."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): the message on standard error, status 1
        sys.stderr.write(f"{code}\n")
        status = 1
    atexit._run_exitfuncs()
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:  # the reader went away after the last write (`| head`)
        status = status or 1
    except OSError:
        status = 120  # what the interpreter's own flush failure exits with
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.flush()
    os._exit(status)
