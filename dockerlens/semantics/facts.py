"""The views of a Dockerfile that several rules ask for, computed once and kept where the
engine can see them: typed slots, each filled by the one helper that owns it, instead of a
dictionary any module may write to.

Rules and plugins read these views through their helpers (:func:`dockerlens.lint.commands.
commands`, :func:`dockerlens.lint.packages.invocations`, :func:`dockerlens.lint.layers.
workdirs`...), never through the slots: the slots are the engine's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from dockerlens.lint.layers import Copy
    from dockerlens.lint.packages import Invocation
    from dockerlens.shell import Command


class StepFacts:
    """One step's views. Every step has one (:attr:`dockerlens.model.Step.facts`), empty
    until a helper fills a slot."""

    __slots__ = (
        "by_program",
        "commands",
        "copies",
        "effective_commands",
        "invocations",
        "mentionable_text",
        "wrapped_commands",
    )

    def __init__(self) -> None:
        #: :func:`dockerlens.lint.commands.commands`
        self.commands: Sequence[Command] | None = None
        #: :func:`dockerlens.lint.commands.effective_commands`, without and with wrappers.
        self.effective_commands: list[Command] | None = None
        self.wrapped_commands: list[Command] | None = None
        #: :func:`dockerlens.lint.packages.invocations`, and by program name.
        self.invocations: tuple[Invocation, ...] | None = None
        self.by_program: dict[str, list[Invocation]] | None = None
        #: :func:`mentionable_text`: what the engine matches ``Rule.run_mentions`` against.
        self.mentionable_text: str | None = None
        #: :func:`dockerlens.lint.layers.copy_of`, per working directory.
        self.copies: dict[str | None, Copy | None] | None = None


class FileFacts:
    """One linted file's views (:attr:`dockerlens.lint.context.LintContext.facts`)."""

    __slots__ = ("build_context", "declared_by", "inferred_context", "stage_copies", "workdirs")

    def __init__(self) -> None:
        #: :func:`dockerlens.lint.layers.build_context`: the folder above the Dockerfile's
        #: taken for its build context, once inferred (the result cache checks that folder).
        self.inferred_context: Path | None = None
        #: The bake or Compose file that declares the build context, when one does.
        self.declared_by: Path | None = None
        #: :func:`dockerlens.lint.layers.build_context` once worked out, in a 1-tuple (its
        #: answer may be None): the search stats the folders above the Dockerfile's.
        self.build_context: tuple[Path | None] | None = None
        #: :func:`dockerlens.lint.layers.workdirs`
        self.workdirs: dict[int, str] | None = None
        #: :func:`dockerlens.lint.layers.stage_copies`, per stage index.
        self.stage_copies: dict[int, list[Copy]] = {}
