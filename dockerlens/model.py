"""What a Dockerfile means: stages, the variables each instruction sees, shells and scripts.

Built once per file from the parser's instructions; the linter's rules and the instruction graph
read it and never re-derive it. Variable scoping follows BuildKit's dispatcher: ARGs before the
first FROM are visible only to FROM lines unless a stage re-declares them; ARG and ENV are per
stage; a stage built FROM another inherits its ENV (not its ARGs); ENV wins over ARG.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from dockerlens.imageref import ImageRef, parse_image_ref
from dockerlens.semantics.expansion import expand_word as expand_word
from dockerlens.semantics.facts import StepFacts
from dockerlens.shell import (
    DEFAULT_LINUX_SHELL,
    DEFAULT_WINDOWS_SHELL,
    ShellKind,
    ShellScript,
    parse_shell,
    shell_kind,
)
from dockerlens.syntax.parser import Instruction, ParseResult

#: ARGs BuildKit defines in the global scope without a declaration.
AUTOMATIC_PLATFORM_ARGS = (
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "BUILDOSVERSION",
    "TARGETOSVERSION",
)
#: Proxy ARGs every build knows (and does not record in the image history).
PREDEFINED_ARGS = frozenset(
    {
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "FTP_PROXY",
        "ftp_proxy",
        "NO_PROXY",
        "no_proxy",
        "ALL_PROXY",
        "all_proxy",
    }
)
#: Instructions whose arguments BuildKit expands itself (RUN, CMD... leave it to the shell).
EXPANDED_KEYWORDS = frozenset(
    {
        "ADD",
        "COPY",
        "ENV",
        "EXPOSE",
        "FROM",
        "LABEL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
        "ARG",
    }
)
_WINDOWS_BASE = re.compile(
    r"(^|/)(windows|windowsservercore|nanoserver|servercore)([/:@-]|$)|windowsservercore|nanoserver",
    re.IGNORECASE,
)
_SHELL_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))")


class Variable(NamedTuple):
    name: str
    value: str | None
    #: Index into ``Dockerfile.instructions`` of the ARG/ENV that set it; None when inherited
    #: from an image or predefined.
    defined_at: int | None
    kind: str  # "arg" | "env" | "image" (set by the base image, value unknown)


class Step:
    """An instruction in its context: its stage, and the variables and shell it sees.

    The model's classes are plain classes, not dataclasses: every run makes them at start-up,
    where a dataclass costs about a millisecond to make. Each is the only one of its kind in
    its file, so they compare by identity.
    """

    def __init__(
        self,
        index: int,
        instruction: Instruction,
        stage: int | None,
        variables: dict[str, Variable],
        shell: tuple[str, ...],
        escape: str = "\\",
        expanded: tuple[str, ...] = (),
        expanded_flags: tuple[str, ...] = (),
        uses: frozenset[str] = frozenset(),
        undefined: frozenset[str] = frozenset(),
    ) -> None:
        self.index = index
        self.instruction = instruction
        #: The keyword that runs (RUN for ``ONBUILD RUN``): what the engine dispatches on, and
        #: what most rules ask first.
        self.keyword = instruction.effective_keyword
        self.stage = stage
        self.variables = variables
        self.shell = shell
        #: The file's escape character, which expansion honours.
        self.escape = escape
        #: The expanded words for instructions BuildKit expands (``value`` otherwise).
        self.expanded = expanded
        #: Expanded flags (``--from=$X`` ...), same order as ``instruction.flags``; for
        #: ``ONBUILD RUN --mount=...``, the wrapped instruction's flags (``sub_flags``) as
        #: written.
        self.expanded_flags = expanded_flags
        #: Names this instruction reads, and those it reads but nobody defined.
        self.uses = uses
        self.undefined = undefined
        self._script: ShellScript | None = None
        self._script_done = False
        #: Views derived from this step that several rules ask for (its commands, wrappers
        #: removed...), computed once by the helper that owns each.
        self.facts = StepFacts()

    def __repr__(self) -> str:
        return f"Step({self.index}, {self.keyword}, line {self.line})"

    @property
    def line(self) -> int:
        return self.instruction.start_line

    def value_of(self, name: str) -> str | None:
        variable = self.variables.get(name)
        return variable.value if variable else None

    def expand(self, word: str) -> str:
        """The word as BuildKit expands it with the variables this instruction sees."""
        return expand_word(word, self.variables, self.escape)[0]

    def flag(self, name: str) -> str | None:
        """The (expanded) value of ``--name=value``; "" for a bare ``--name``; None if absent."""
        prefix = f"--{name}"
        for flag in self.expanded_flags or self.instruction.flags:
            if flag == prefix:
                return ""
            if flag.startswith(prefix + "="):
                return flag[len(prefix) + 1 :]
        return None

    @property
    def shell_kind(self) -> ShellKind:
        return shell_kind(self.shell)

    @property
    def script(self) -> ShellScript | None:
        """The shell syntax tree of a shell-form RUN (heredoc bodies included), else None."""
        if not self._script_done:
            self._script_done = True
            text = shell_text(self.instruction)
            if text is not None and self.shell_kind is ShellKind.POSIX:
                self._script = parse_shell(text)
        return self._script


def shell_text(instruction: Instruction) -> str | None:
    """The text a POSIX shell runs for a shell-form RUN, or None (exec form, not RUN)."""
    if instruction.effective_keyword != "RUN" or instruction.json or not instruction.value:
        return None
    command = instruction.value[0]
    docs = instruction.heredocs
    if docs and command.strip() == _heredoc_word(command):
        body = docs[0].body()
        first = body.split("\n", 1)[0]
        if first.startswith("#!") and not re.search(r"\b(sh|bash|ash|dash)\b", first):
            return None
        return body
    if not docs:
        return command
    parts = [command, "\n"]
    for doc in docs:
        parts += [doc.content, doc.name, "\n"]
    return "".join(parts)


def _heredoc_word(command: str) -> str:
    match = re.match(r"^\s*(\d*<<-?\s*\S+)\s*$", command)
    return match.group(1) if match else ""


class Stage:
    def __init__(
        self,
        index: int,
        name: str | None,
        base_text: str,
        base: str,
        base_ref: ImageRef | None,
        base_stage: int | None,
        platform: str | None,
        steps: list[int] | None = None,
        used_by: set[int] | None = None,
        shell: tuple[str, ...] = DEFAULT_LINUX_SHELL,
    ) -> None:
        self.index = index
        self.name = name
        #: The base as written and as expanded with the global ARGs.
        self.base_text = base_text
        self.base = base
        #: The normalised image reference, None for ``scratch``, a stage or an unresolved
        #: variable.
        self.base_ref = base_ref
        #: Index of the earlier stage this one is built FROM, if any.
        self.base_stage = base_stage
        self.platform = platform
        #: Indexes into ``Dockerfile.steps``: the FROM first.
        self.steps: list[int] = steps if steps is not None else []
        #: Stages that use this one (FROM, COPY --from, RUN --mount=from).
        self.used_by: set[int] = used_by if used_by is not None else set()
        self.shell = shell

    def __repr__(self) -> str:
        return f"Stage({self.index}, {self.name!r}, base {self.base!r})"

    @property
    def is_scratch(self) -> bool:
        return self.base.lower() == "scratch"

    @property
    def label(self) -> str:
        return self.name if self.name is not None else str(self.index)


class StageReference:
    """A use of another stage or image: FROM, ``COPY --from`` or ``RUN --mount=from=``."""

    def __init__(
        self,
        step: int,
        stage: int,
        kind: str,
        text: str,
        target_stage: int | None,
        image: ImageRef | None,
        undefined: bool = False,
    ) -> None:
        self.step = step
        self.stage = stage
        self.kind = kind  # "from" | "copy" | "mount"
        self.text = text
        self.target_stage = target_stage
        #: The image used when the reference names no stage.
        self.image = image
        #: True when it looks like a stage reference that does not resolve (a bad index, a
        #: name of a later stage).
        self.undefined = undefined

    def __repr__(self) -> str:
        return f"StageReference({self.kind} {self.text!r} in stage {self.stage})"


class MissedStage(NamedTuple):
    """A reference that most likely misses the stage it means (:meth:`Dockerfile.missed_stage`)."""

    reason: str
    own_stage: bool = False
    #: The earlier stage a bare name is one typo away from.
    suggestion: str | None = None


#: ``$TARGETARCH``, ``${BUILDOS}``...: values that depend on the platform being built.
_PLATFORM_ARG = r"\$\{?(" + "|".join(AUTOMATIC_PLATFORM_ARGS) + r")\b"


class Dockerfile:
    def __init__(
        self,
        path: str,
        parse: ParseResult,
        steps: list[Step],
        stages: list[Stage],
        global_args: dict[str, Variable],
        references: list[StageReference],
    ) -> None:
        self.path = path
        self.parse = parse
        self.steps = steps
        self.stages = stages
        self.global_args = global_args
        self.references = references
        #: The shell a ``# hadolint shell=`` pragma gave a step, by step index.
        self.pragma_shells: dict[int, str] = {}

    @property
    def instructions(self) -> list[Instruction]:
        return self.parse.instructions

    def stage_by_name(self, name: str) -> Stage | None:
        lowered = name.lower()
        for stage in self.stages:
            if stage.name is not None and stage.name.lower() == lowered:
                return stage
        return None

    def missed_stage(self, ref: StageReference) -> MissedStage | None:
        """Why ``ref`` most likely misses the stage it means, or None when it is a stage or an
        image. The one place that decides: DL3022 and DL3023 report these for ``COPY --from``,
        ``dockerlens graph`` lists them for every kind of reference."""
        text = ref.text
        if ref.target_stage is not None or not text:
            return None
        stage = self.stages[ref.stage]
        if ref.kind != "from" and (
            (text.isdigit() and int(text) == stage.index)
            or (stage.name is not None and text.lower() == stage.name.lower())
        ):
            return MissedStage("names its own stage", own_stage=True)
        if "$" in text or any(re.search(_PLATFORM_ARG, w) for w in self._written_from(ref)):
            return None  # only the build knows the value
        if text.isdigit():
            return MissedStage(f"stage {text} is not an earlier stage")
        if ref.undefined:
            return MissedStage(f"stage {text!r} is only defined later")
        if ref.image is None and ref.kind != "from":  # a bad base image is the FROM rules' job
            return MissedStage(f"{text!r} is neither a stage nor a valid image reference")
        near = self._near_stage(text, before=ref.stage)
        if near is not None:
            return MissedStage(f"no stage {text!r}: did you mean {near!r}?", suggestion=near)
        return None

    def _written_from(self, ref: StageReference) -> list[str]:
        """The words of the instruction as written that name what ``ref`` refers to."""
        instruction = self.steps[ref.step].instruction
        if ref.kind == "from":
            return list(instruction.value[:1])
        prefix = "--from=" if ref.kind == "copy" else "--mount="
        return [flag for flag in instruction.flags if flag.startswith(prefix)]

    def _near_stage(self, text: str, before: int) -> str | None:
        """An earlier stage name ``text`` is probably a typo of, when ``text`` is a bare name."""
        if any(c in text for c in ":@/."):
            return None
        lowered = {s.name.lower(): s.name for s in self.stages[:before] if s.name is not None}
        import difflib  # only when a name does not resolve

        close = difflib.get_close_matches(text.lower(), list(lowered), n=1, cutoff=0.8)
        return lowered[close[0]] if close else None

    def resolve_stage(self, text: str, before: int | None = None) -> Stage | None:
        """The stage ``text`` names (a name or an index), among stages before ``before``."""
        limit = len(self.stages) if before is None else before
        if text.isdigit():
            index = int(text)
            return self.stages[index] if index < limit else None
        stage = self.stage_by_name(text)
        return stage if stage is not None and stage.index < limit else None


def build_model(
    parse_result: ParseResult,
    path: str = "Dockerfile",
    build_args: Mapping[str, str] | None = None,
    shell_pragmas: Sequence[tuple[int, str]] = (),
) -> Dockerfile:
    """Walk the instructions once, as BuildKit's dispatcher would, and record what each sees.

    ``shell_pragmas`` are ``# hadolint shell=NAME`` comments (line, shell): the RUNs after one
    (to the next SHELL or the stage's end) are written for that shell; before the first FROM
    it sets every stage's default. They are applied here, before any script is read.
    """
    dockerfile = _Builder(parse_result, path, dict(build_args or {})).build()
    _apply_shell_pragmas(dockerfile, shell_pragmas)
    return dockerfile


def _apply_shell_pragmas(dockerfile: Dockerfile, pragmas: Sequence[tuple[int, str]]) -> None:
    steps = dockerfile.steps
    for line, shell in pragmas:
        first_after = next((s for s in steps if s.line > line), None)
        if first_after is None:
            continue
        every_stage = first_after.stage is None or (
            first_after.keyword == "FROM" and first_after.stage == 0
        )
        shelled: set[int | None] = set()
        for step in steps[first_after.index :]:
            if not every_stage and step.stage != first_after.stage:
                break
            if step.keyword == "SHELL" and step.instruction.sub_cmd is None:
                shelled.add(step.stage)
            if step.stage in shelled:
                continue
            dockerfile.pragma_shells[step.index] = shell
            step.shell = (shell,)


class _Builder:
    def __init__(self, parse_result: ParseResult, path: str, build_args: dict[str, str]) -> None:
        self.result = parse_result
        self.path = path
        self.build_args = build_args
        self.escape = parse_result.escape_token
        # Their values depend on the machine and the --platform of the build: unknown unless
        # given, so `FROM base-$TARGETARCH` stays unresolved rather than becoming `base-`.
        self.global_args: dict[str, Variable] = {
            name: Variable(name, build_args.get(name), None, "arg")
            for name in AUTOMATIC_PLATFORM_ARGS
        }
        self.stages: list[Stage] = []
        self.steps: list[Step] = []
        self.references: list[StageReference] = []
        self.stage_env: list[dict[str, Variable]] = []

    def expand(self, word: str, scope: Mapping[str, Variable]) -> tuple[str, set[str], set[str]]:
        return expand_word(word, scope, self.escape)

    def build(self) -> Dockerfile:
        scope: dict[str, Variable] = {}
        stage: Stage | None = None
        for index, instruction in enumerate(self.result.instructions):
            keyword = instruction.keyword
            if keyword == "FROM":
                stage = self.start_stage(index, instruction)
                scope = dict(self.stage_env[stage.index])
                continue
            visible = dict(scope) if stage is not None else dict(self.global_args)
            step = Step(
                index=index,
                instruction=instruction,
                stage=stage.index if stage is not None else None,
                variables=visible,
                shell=stage.shell if stage is not None else DEFAULT_LINUX_SHELL,
                escape=self.escape,
            )
            self.steps.append(step)
            if stage is not None:
                stage.steps.append(index)
            self.annotate(step, visible)
            if keyword == "ARG":
                self.declare_args(index, instruction, scope if stage is not None else None)
            elif keyword == "ENV" and stage is not None:
                for key, value, _sep in instruction.pairs:
                    expanded, _, _ = self.expand(value, scope)
                    scope[key] = Variable(key, expanded, index, "env")
                    self.stage_env[stage.index][key] = scope[key]
            elif keyword == "SHELL" and stage is not None and instruction.json:
                stage.shell = tuple(instruction.value)
            if stage is not None and keyword in ("COPY", "ADD", "RUN"):
                self.record_uses_of_stages(step, stage)
        for ref in self.references:
            if ref.target_stage is not None:
                self.stages[ref.target_stage].used_by.add(ref.stage)
            elif not ref.text.isdigit():
                # A name that is only defined at or after the stage using it: BuildKit would
                # pull an image of that name, which is almost never what was meant.
                # A base is looked up among earlier stages only: `FROM node AS node` is the image.
                first = ref.stage + 1 if ref.kind == "from" else ref.stage
                ref.undefined = any(s.index >= first for s in self.stages_named(ref.text))
        return Dockerfile(
            path=self.path,
            parse=self.result,
            steps=self.steps,
            stages=self.stages,
            global_args=self.global_args,
            references=self.references,
        )

    def annotate(self, step: Step, visible: Mapping[str, Variable]) -> None:
        instruction = step.instruction
        keyword = instruction.keyword
        uses: set[str] = set()
        undefined: set[str] = set()

        def expand(word: str) -> str:
            text, matched, unmatched = self.expand(word, visible)
            uses.update(matched, unmatched)
            undefined.update(unmatched)
            return text

        if instruction.sub_cmd is not None:
            # ONBUILD: the wrapped instruction's flags, as written (like its words: they are
            # expanded in the child build, with its variables).
            step.expanded_flags = instruction.sub_flags
        else:
            step.expanded_flags = tuple(expand(flag) for flag in instruction.flags)
        if keyword in EXPANDED_KEYWORDS:
            words: list[str] = []
            if keyword in ("ENV", "LABEL"):
                for key, value, _sep in instruction.pairs:
                    words += [expand(key), expand(value)]
            elif keyword == "ARG":
                for word in instruction.value:
                    name, has_default, default = word.partition("=")
                    words.append(name + ("=" + expand(default) if has_default else ""))
            else:
                words = [expand(word) for word in instruction.value]
            step.expanded = tuple(words)
        else:
            step.expanded = instruction.value
            if keyword == "RUN" or instruction.effective_keyword == "RUN":
                for text in (*instruction.value, *(h.content for h in instruction.heredocs)):
                    for match in _SHELL_VAR.finditer(text):
                        name = match.group(1) or match.group(2)
                        if name in visible:
                            uses.add(name)
        step.uses = frozenset(uses)
        step.undefined = frozenset(undefined - PREDEFINED_ARGS)

    def declare_args(
        self, index: int, instruction: Instruction, scope: dict[str, Variable] | None
    ) -> None:
        for word in instruction.value:
            name, has_default, default = word.partition("=")
            if scope is None:
                value: str | None
                if name in self.build_args:
                    value = self.build_args[name]
                elif has_default:
                    value, _, _ = self.expand(default, self.global_args)
                else:
                    value = None
                self.global_args[name] = Variable(name, value, index, "arg")
                continue
            if name in scope and scope[name].kind == "env":
                continue  # ENV always wins over ARG
            if name in self.build_args:
                value = self.build_args[name]
            elif has_default:
                value, _, _ = self.expand(default, scope)
            elif name in self.global_args:
                value = self.global_args[name].value
            else:
                value = None
            scope[name] = Variable(name, value, index, "arg")

    def start_stage(self, index: int, instruction: Instruction) -> Stage:
        words = list(instruction.value)
        name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
        base_text = words[0] if words else ""
        base, matched, unmatched = self.expand(base_text, self.global_args)
        platform = None
        for flag in instruction.flags:
            if flag.startswith("--platform="):
                platform, _, _ = self.expand(flag.partition("=")[2], self.global_args)
        stage_index = len(self.stages)
        base_stage = None
        for earlier in self.stages:
            if earlier.name is not None and earlier.name.lower() == base.lower():
                base_stage = earlier.index
        is_scratch = base.lower() == "scratch"
        base_ref = None
        if base_stage is None and not is_scratch and not unmatched:
            base_ref = parse_image_ref(base)
        # BuildKit gives every Linux stage a PATH, from the image or its default.
        inherited: dict[str, Variable] = {"PATH": Variable("PATH", None, None, "image")}
        if base_stage is not None:
            inherited = dict(self.stage_env[base_stage])
            shell = self.stages[base_stage].shell
        elif _WINDOWS_BASE.search(base):
            shell = DEFAULT_WINDOWS_SHELL
        else:
            shell = DEFAULT_LINUX_SHELL
        stage = Stage(
            index=stage_index,
            name=name,
            base_text=base_text,
            base=base,
            base_ref=base_ref,
            base_stage=base_stage,
            platform=platform,
            steps=[index],
            shell=shell,
        )
        self.stages.append(stage)
        self.stage_env.append(inherited)
        step = Step(
            index=index,
            instruction=instruction,
            stage=stage_index,
            variables=dict(self.global_args),
            shell=shell,
            escape=self.escape,
            expanded=(base, *words[1:]),
            expanded_flags=tuple(self.expand(f, self.global_args)[0] for f in instruction.flags),
            uses=frozenset(matched | unmatched),
            undefined=frozenset(unmatched - PREDEFINED_ARGS),
        )
        self.steps.append(step)
        self.references.append(
            StageReference(
                step=index,
                stage=stage_index,
                kind="from",
                text=base,
                target_stage=base_stage,
                image=base_ref,
            )
        )
        return stage

    def stages_named(self, name: str) -> list[Stage]:
        lowered = name.lower()
        return [s for s in self.stages if s.name is not None and s.name.lower() == lowered]

    def record_uses_of_stages(self, step: Step, stage: Stage) -> None:
        sources: list[tuple[str, str]] = []
        copy_from = step.flag("from")
        if copy_from is not None and step.keyword in ("COPY", "ADD"):
            sources.append(("copy", copy_from))
        if step.keyword == "RUN":
            for flag in step.expanded_flags:
                if flag.startswith("--mount="):
                    for option in flag[len("--mount=") :].split(","):
                        key, _, value = option.partition("=")
                        if key.strip().lower() == "from" and value:
                            sources.append(("mount", value))
        for kind, text in sources:
            target = None
            undefined = False
            if text.isdigit():
                index = int(text)
                if index < stage.index:
                    target = index
                else:
                    undefined = True
            else:
                earlier = [s for s in self.stages_named(text) if s.index < stage.index]
                if earlier:
                    target = earlier[-1].index
            image = parse_image_ref(text) if target is None and not undefined else None
            self.references.append(
                StageReference(
                    step=step.index,
                    stage=stage.index,
                    kind=kind,
                    text=text,
                    target_stage=target,
                    image=image,
                    undefined=undefined,
                )
            )
