"""The one way dockerlens reports bad input: a one-line message and exit code 2."""

from __future__ import annotations

import click


class UserError(click.ClickException):
    """Bad input (file, option, config, engine): printed as ``dockerlens: error: ...``, exit 2."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message

    def show(self, file: object = None) -> None:
        click.echo(f"dockerlens: error: {self.format_message()}", err=True)
