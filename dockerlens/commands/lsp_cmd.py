"""``dockerlens lsp``: serve editors over the Language Server Protocol."""

from __future__ import annotations

from pathlib import Path

from dockerlens import arguments
from dockerlens.errors import UserError
from dockerlens.lint.config import CommandLine, ConfigResolver


@arguments.command("lsp")
@arguments.option(
    "--stdio",
    is_flag=True,
    help="Talk over standard input and output (the default and only transport; accepted "
    "because editors pass it).",
)
@arguments.option(
    "--config",
    type=arguments.Path(path_type=Path),
    help="Use this configuration file for every document instead of looking for one.",
)
@arguments.option("--no-config", is_flag=True, help="Ignore every configuration file.")
@arguments.option(
    "--shellcheck/--no-shellcheck",
    default=None,
    help="Check RUN scripts with ShellCheck (SC codes) when it is installed (default: on, "
    "unless the configuration turns it off).",
)
@arguments.option(
    "--debounce",
    type=arguments.IntRange(min=0, max=10_000),
    default=0,
    show_default=True,
    metavar="MS",
    help="Wait this long after a change before linting (changes made while a document is "
    "being linted are always linted together afterwards).",
)
def lsp(
    stdio: bool, config: Path | None, no_config: bool, shellcheck: bool | None, debounce: int
) -> None:
    """Run the language server (for editors; see docs/editors.md).

    Diagnostics as you type, quick fixes and "fix all" code actions, and each rule's
    documentation on hover. Configuration is found as `dockerlens lint` finds it, from each
    document's workspace folder. Needs the `lsp` extra: pip install 'dockerlens[lsp]'.
    """
    if no_config and config is not None:
        raise UserError("--config and --no-config cannot be used together")
    try:
        from dockerlens.lsp.server import serve
    except ImportError as err:
        if err.name is None or not err.name.startswith(("pygls", "lsprotocol")):
            raise
        raise UserError(
            "dockerlens lsp needs pygls, which is not installed: pip install 'dockerlens[lsp]'"
        ) from None
    command_line = CommandLine(config=config, no_config=no_config, shellcheck=shellcheck)
    if config is not None:  # the one file every document uses: a mistake in it is said now
        ConfigResolver(command_line).for_file(Path.cwd() / "Dockerfile")
    serve(command_line, debounce / 1000)
