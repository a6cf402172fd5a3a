"""Which stages a stage may be built FROM, and which stages a build produces.

:meth:`LintContext.lineage <dockerlens.lint.context.LintContext.lineage>` follows the ``FROM``
the model resolves. A base written with variables only the build knows (``FROM
base-$TARGETARCH``) resolves to no stage there; the rules that judge what an image holds
(labels, health checks, variables) read it here as *any* earlier stage whose name fits.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from dockerlens.lint.context import LintContext
from dockerlens.model import AUTOMATIC_PLATFORM_ARGS, Stage

_VARIABLE = re.compile(r"\$(?:\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)")


def possible_bases(ctx: LintContext, stage: Stage) -> list[Stage]:
    """The earlier stages this one may be built FROM: the one it names, or, for a base with
    variables the model cannot resolve (``FROM base-$TARGETARCH``), every earlier stage whose
    name fits (a global ``ARG`` with a value stands for that value, as in the model; any other
    variable for any text)."""
    if stage.base_stage is not None:
        return [ctx.stages[stage.base_stage]]
    if "$" not in stage.base_text:
        return []
    parts: list[str] = []
    position = 0
    for match in _VARIABLE.finditer(stage.base_text):
        parts.append(re.escape(stage.base_text[position : match.start()]))
        name = match.group(0).strip("${}")
        variable = ctx.dockerfile.global_args.get(name)
        if variable is None or variable.value is None or name in AUTOMATIC_PLATFORM_ARGS:
            parts.append(".*")
        else:
            parts.append(re.escape(variable.value))
        position = match.end()
    parts.append(re.escape(stage.base_text[position:]))
    if not "".join(p for p in parts if p != ".*"):
        return []
    pattern = re.compile("".join(parts), re.IGNORECASE)
    return [
        s
        for s in ctx.stages[: stage.index]
        if s.name is not None and pattern.fullmatch(s.name) is not None
    ]


def possible_ancestors(ctx: LintContext, stage: Stage) -> list[Stage]:
    """Every stage this one may be built on, directly or not (:func:`possible_bases`, repeated)."""
    out: list[Stage] = []
    seen: set[int] = set()  # by index: comparing stages field by field is slow
    todo = [stage]
    while todo:
        for base in possible_bases(ctx, todo.pop()):
            if base.index not in seen:
                seen.add(base.index)
                out.append(base)
                todo.append(base)
    return out


def inherited_names(ctx: LintContext, stage: Stage) -> list[str]:
    """The ARG names of the stages this one may be built FROM (BuildKit carries them over),
    and their ENV names too when the base is named by a variable (``FROM
    base-${TARGETARCH}``, whose stages the model does not follow)."""
    names: list[str] = []
    for ancestor in possible_ancestors(ctx, stage):
        for step in ctx.stage_steps(ancestor):
            if step.instruction.sub_cmd is not None:
                continue
            if step.keyword == "ARG":
                names += [w.partition("=")[0] for w in step.instruction.value]
            elif step.keyword == "ENV" and stage.base_stage is None:
                names += [key for key, _value, _sep in step.instruction.pairs]
    return names


def inherited(ctx: LintContext, stage: Stage, own: Callable[[Stage], set[str]]) -> set[str]:
    """What a stage has, counting what it inherits: its own, plus what every stage it may be
    built FROM has (what all of them have, when there are several candidates)."""
    memo: dict[int, set[str]] = {}

    def visit(current: Stage, seen: frozenset[int]) -> set[str]:
        if current.index in memo:
            return memo[current.index]
        found = set(own(current))
        parents = [p for p in possible_bases(ctx, current) if p.index not in seen]
        if parents:
            found |= set.intersection(*(visit(p, seen | {p.index}) for p in parents))
        memo[current.index] = found
        return found

    return visit(stage, frozenset({stage.index}))


def target_stages(ctx: LintContext) -> list[Stage]:
    """The stages whose image a build produces: those no later stage builds on or copies
    from. The final stage is one; a stage read through ``COPY --from`` or used as a base is
    not (what it holds is judged in the stages that use it)."""
    used = {s.index for s in ctx.stages if s.used_by}
    used |= {p.index for s in ctx.stages for p in possible_bases(ctx, s)}
    return [stage for stage in ctx.stages if stage.index not in used]
