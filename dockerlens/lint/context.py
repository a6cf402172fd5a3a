"""What a rule may look at besides the instruction in hand: the file, its stages, its source."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from dockerlens.lint.pragmas import Pragmas
from dockerlens.model import Dockerfile, Stage, Step
from dockerlens.semantics.facts import FileFacts
from dockerlens.shell import DEFAULT_WINDOWS_SHELL

#: Paths meaning "no file": the Dockerfile came on standard input and has no context.
NO_CONTEXT = frozenset({"", "-", "<stdin>"})


class LintContext:
    """The shared state of one linted file. The engine builds it; rules only read it."""

    # A plain class: a dataclass costs about a millisecond to make, at every start.
    def __init__(
        self, dockerfile: Dockerfile, lines: list[str], pragmas: Pragmas | None = None
    ) -> None:
        self.dockerfile = dockerfile
        self.lines = lines
        #: The file's ignore and shell pragmas (DL1001 reports the inline ones).
        self.pragmas = pragmas if pragmas is not None else Pragmas([], [])
        #: Shell named by a ``# hadolint shell=`` pragma, per step index (applied when the
        #: model was built).
        self.pragma_shells: dict[int, str] = dockerfile.pragma_shells
        #: Views of the whole file several rules ask for (working directories...), computed
        #: once by the helper that owns each, as ``Step.facts`` is per step.
        self.facts = FileFacts()

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

    def own_steps(self, stage: Stage, keyword: str) -> list[Step]:
        """The stage's ``keyword`` instructions, ``ONBUILD`` triggers left out (they run in the
        images built FROM this one, not in it)."""
        return [
            step
            for step in self.stage_steps(stage)
            if step.keyword == keyword and step.instruction.sub_cmd is None
        ]

    def lineage(self, stage: Stage | None) -> list[Stage]:
        """The stage, then the stage it is built ``FROM``, and so on up to the one built on an
        image (or ``scratch``): whatever these stages do is in its image. Empty for None.

        Only the ``FROM`` the model resolves counts (``base_stage``); a base only the build can
        name (``FROM base-$TARGETARCH``) ends the chain (see :mod:`dockerlens.lint.stages`).
        """
        chain: list[Stage] = []
        seen: set[int] = set()
        while stage is not None and stage.index not in seen:
            seen.add(stage.index)
            chain.append(stage)
            stage = self.stages[stage.base_stage] if stage.base_stage is not None else None
        return chain

    def root_stage(self, stage: Stage) -> Stage:
        """The last of :meth:`lineage`: the stage whose ``FROM`` names an image or ``scratch``."""
        return self.lineage(stage)[-1]

    def steps_before(self, step: Step) -> Iterator[Step]:
        """What ran before ``step`` in its image: the earlier steps of its stage, in order, then
        every step of the stage it is built ``FROM``, and so on (:meth:`lineage`). ``ONBUILD``
        triggers are included; filter on ``instruction.sub_cmd`` to leave them out."""
        for number, stage in enumerate(self.lineage(self.stage_of(step))):
            for other in self.stage_steps(stage):
                if number == 0 and other.index >= step.index:
                    break
                yield other

    def ran_before(self, step: Step, keyword: str) -> bool:
        """A ``keyword`` instruction (not an ``ONBUILD`` trigger) came before ``step`` in its
        image: earlier in its stage, or anywhere in the stages it is built ``FROM``."""
        return any(
            other.keyword == keyword and other.instruction.sub_cmd is None
            for other in self.steps_before(step)
        )

    def is_windows(self, stage: Stage | None) -> bool:
        """The stage builds a Windows image (its root stage is built on a Windows base)."""
        if stage is None:
            return False
        root = self.root_stage(stage)
        return bool(root.steps) and self.steps[root.steps[0]].shell == DEFAULT_WINDOWS_SHELL

    def user_at(self, step: Step) -> str | None:
        """The ``USER`` a step runs as, as written after expansion (``app``, ``1000:1000``),
        from the last ``USER`` before it in its image (:meth:`steps_before`); None when no
        ``USER`` came before it (root, unless the base image says otherwise)."""
        for stage_number, stage in enumerate(self.lineage(self.stage_of(step))):
            steps = [
                other
                for other in self.stage_steps(stage)
                if other.keyword == "USER"
                and other.instruction.sub_cmd is None
                and (stage_number > 0 or other.index < step.index)
            ]
            if steps:
                last = steps[-1]
                words = last.expanded or last.instruction.value
                return words[0] if words else None
        return None

    @property
    def final_stage(self) -> Stage | None:
        return self.dockerfile.stages[-1] if self.dockerfile.stages else None

    def is_final(self, stage: Stage | None) -> bool:
        return stage is not None and stage is self.final_stage

    @functools.cached_property
    def base_stages(self) -> frozenset[int]:
        """Stages some other stage is built FROM (their layers end up in that image)."""
        return frozenset(s.base_stage for s in self.stages if s.base_stage is not None)

    @functools.cached_property
    def shipped_stages(self) -> frozenset[int]:
        """The final stage and the stages it is built ``FROM``, down to its base image."""
        return frozenset(s.index for s in self.lineage(self.final_stage))

    def ships_layers(self, stage: Stage | None) -> bool:
        """True when the stage's layers end up in the final image: the final stage and its
        ``FROM`` ancestry. A stage read only through ``COPY --from``, or the base of a stage
        that does not ship (a ``test`` stage built ``FROM build``), leaves its layers behind.
        """
        return stage is not None and stage.index in self.shipped_stages

    def layer_kept(self, step: Step) -> bool:
        """True when what ``step`` writes can end up in an image, as hadolint judges it (for
        DL3009, DL3060): an ONBUILD step (it runs in a child image), a step before any FROM (not
        a buildable file, DL3061 reports it), or a step of the final stage or of any stage some
        other stage is built ``FROM``."""
        stage = self.stage_of(step)
        if step.instruction.sub_cmd is not None or stage is None:
            return True
        return self.is_final(stage) or stage.index in self.base_stages

    def source(self, step: Step) -> list[str]:
        """The source lines of the instruction (heredoc bodies included)."""
        instruction = step.instruction
        return self.lines[instruction.start_line - 1 : instruction.end_line]

    def word_span(self, step: Step, index: int) -> tuple[int, int, int] | None:
        """(line, column, end column) of the ``index``-th argument of a one-line instruction
        (flags not counted), when the source shows it exactly as parsed: where a fix may
        rewrite it."""
        instruction = step.instruction
        if instruction.start_line != instruction.end_line:
            return None
        text = self.lines[instruction.start_line - 1]
        words: list[tuple[int, int]] = []
        position = 0
        while position < len(text):
            while position < len(text) and text[position] in " \t\ufeff":
                position += 1
            start = position
            while position < len(text) and text[position] not in " \t":
                position += 1
            if position > start:
                words.append((start, position))
        args = [w for w in words[1:] if not text[w[0] : w[1]].startswith("--")]
        if index >= len(args):
            return None
        start, end = args[index]
        if text[start:end] != instruction.value[index]:
            return None
        return instruction.start_line, start + 1, end + 1

    def locate(
        self, step: Step, text: str, occurrence: int = 0
    ) -> tuple[int, int, int, int] | None:
        """(line, column, end_line, end_column) of ``text`` in the instruction: its first
        appearance, or the one after ``occurrence`` others (-1: the last, where an
        instruction's last argument is). Comment lines inside the instruction (which the
        builder drops) are not looked in."""
        if not text:
            return None
        start = step.instruction.start_line
        found: tuple[int, int, int, int] | None = None
        for offset, line in enumerate(self.source(step)):
            if offset and line.lstrip().startswith("#"):
                continue
            column = line.find(text)
            while column >= 0:
                found = (start + offset, column + 1, start + offset, column + 1 + len(text))
                if occurrence == 0:
                    return found
                occurrence -= 1
                column = line.find(text, column + len(text))
        return found if occurrence < 0 else None
        start = step.instruction.start_line
        for offset, line in enumerate(self.source(step)):
            if offset and line.lstrip().startswith("#"):
                continue
            column = line.find(text)
            while column >= 0:
                if occurrence == 0:
                    return (start + offset, column + 1, start + offset, column + 1 + len(text))
                occurrence -= 1
                column = line.find(text, column + len(text))
        return None
