"""The one way dockerlens reports bad input: a one-line message and exit code 2."""

from __future__ import annotations


class UserError(Exception):
    """Bad input (file, option, config, engine): printed as ``dockerlens: error: ...``, exit 2."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def format_message(self) -> str:
        return self.message
