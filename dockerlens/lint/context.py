"""What a rule may look at besides the instruction in hand: the file, its stages, its source."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from dockerlens.lint.pragmas import Pragmas
from dockerlens.model import Dockerfile, Stage, Step


@dataclass
class LintContext:
    """The shared state of one linted file. The engine builds it; rules only read it."""

    dockerfile: Dockerfile
    lines: list[str]
    #: The file's ignore and shell pragmas (DL1001 reports the inline ones).
    pragmas: Pragmas = field(default_factory=lambda: Pragmas([], []))
    #: Shell named by a ``# hadolint shell=`` pragma, per step index (engine-applied).
    pragma_shells: dict[int, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return self.dockerfile.path

    @property
    def stages(self) -> list[Stage]:
        return self.dockerfile.stages

    @property
    def steps(self) -> list[Step]:
        return self.dockerfile.steps

    def stage_of(self, step: Step) -> Stage | None:
        return self.dockerfile.stages[step.stage] if step.stage is not None else None

    def stage_steps(self, stage: Stage) -> list[Step]:
        return [self.dockerfile.steps[i] for i in stage.steps]

    @property
    def final_stage(self) -> Stage | None:
        return self.dockerfile.stages[-1] if self.dockerfile.stages else None

    def is_final(self, stage: Stage | None) -> bool:
        return stage is not None and stage is self.final_stage

    @functools.cached_property
    def base_stages(self) -> frozenset[int]:
        """Stages some other stage is built FROM (their layers end up in that image)."""
        return frozenset(s.base_stage for s in self.stages if s.base_stage is not None)

    def ships_layers(self, stage: Stage | None) -> bool:
        """True when the stage's layers can end up in an image: the final stage, or a FROM base.

        A stage read only through ``COPY --from`` leaves its layers behind, so layer-bloat rules
        that follow hadolint (DL3009, DL3060) stay silent there.
        """
        return stage is not None and (self.is_final(stage) or stage.index in self.base_stages)

    def source(self, step: Step) -> list[str]:
        """The source lines of the instruction (heredoc bodies included)."""
        instruction = step.instruction
        return self.lines[instruction.start_line - 1 : instruction.end_line]

    def locate(self, step: Step, text: str) -> tuple[int, int, int, int] | None:
        """(line, column, end_line, end_column) of the first ``text`` in the instruction."""
        if not text:
            return None
        start = step.instruction.start_line
        for offset, line in enumerate(self.source(step)):
            column = line.find(text)
            if column >= 0:
                return (start + offset, column + 1, start + offset, column + 1 + len(text))
        return None
