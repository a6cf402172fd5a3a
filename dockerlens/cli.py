"""The ``dockerlens`` command line.

Each subcommand lives in its own module and is imported only when it runs: networkx and docker-py
each cost a fifth of a second to import, and a pre-commit hook pays start-up on every commit.
"""

from __future__ import annotations

import gc
import importlib
import signal

import click

from dockerlens import __version__
from dockerlens.errors import UserError
from dockerlens.termination import exit_on

#: subcommand name -> "module:attribute" of its click command.
COMMANDS: dict[str, str] = {
    "parse": "dockerlens.commands.parse_cmd:parse",
    "graph": "dockerlens.commands.graph_cmd:graph",
    "analyze": "dockerlens.commands.analyze_cmd:analyze",
    "diff": "dockerlens.commands.diff_cmd:diff",
    "lint": "dockerlens.commands.lint_cmd:lint",
    "rules": "dockerlens.commands.rules_cmd:rules",
    "lsp": "dockerlens.commands.lsp_cmd:lsp",
}


def _one_line(err: click.UsageError) -> UserError:
    """A usage error as every other error reads: one line, exit 2 (not click's usage, hint and
    message on three lines); where to look for the right usage goes at its end."""
    message = err.format_message().rstrip(".")
    if err.ctx is not None:
        message += f" (see '{err.ctx.command_path} --help')"
    return UserError(message)


class LazyGroup(click.Group):
    """Subcommands imported when they run; every usage error of the group and of its
    subcommands (an unknown option, a bad value, a missing argument) as one line."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: object,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise  # no arguments at all: the help, as click shows it
        except click.UsageError as err:
            raise _one_line(err) from None

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as err:
            raise _one_line(err) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name and err.name.startswith("dockerlens"):
                return None
            raise
        command: click.Command = getattr(module, attribute)
        return command


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "-V", "--version", prog_name="dockerlens")
def cli() -> None:
    """Lint Dockerfiles and analyse the layers of built container images.

    \b
    Exit codes: 0 success, 1 findings at or above the failure threshold (a
    Dockerfile that does not parse, whatever the threshold), 2 bad input (a
    missing or unreadable file, a bad option, an unreachable engine), each
    problem told on standard error as one line: `dockerlens: error: ...`.
    Run `dockerlens COMMAND --help` for a command's options.
    """


def main() -> None:
    # Ctrl-C and SIGTERM unwind like an exception (ShellCheck's processes and temporary folders
    # go too) and exit 130 / 143 as a shell reports them; a second signal during that clean-up
    # is ignored. KeyboardInterrupt instead left the exit status to a race: click's "Aborted!"
    # exit 1, or death by SIGINT when a second one arrived while unwinding.
    exit_on(signal.SIGINT, signal.SIGTERM)
    # Start-up makes many objects that live as long as the process (modules, classes, rules),
    # which the cyclic collector would go over again and again: 32 collections while `lint`
    # checks one file. What is loaded by now (click) is frozen out of its reach, and young
    # objects are collected less often: 5-10 ms less CPU at each start (measured in
    # bench/bench_lint.py), the same on 400 files.
    gc.freeze()
    gc.set_threshold(10_000)
    cli.main(prog_name="dockerlens")
