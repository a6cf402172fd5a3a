"""The instruction graph: stages, instructions, images and variables as a networkx DiGraph.

Node ids are strings so that every export (dot, mermaid, json) can use them as they are:
``stage:<path>:<index>``, ``instr:<path>:<line>``, ``image:<reference>``.

Edge kinds: ``contains`` (stage -> its FROM), ``next`` (layer order within a stage), ``from``
(base stage or image -> stage), ``copy-from`` / ``mount-from`` (stage or image -> instruction),
``defines`` (ARG/ENV -> an instruction that reads the variable; attribute ``var``).

:func:`mark_stages` adds ``needed`` / ``unused`` to stage nodes (dot draws an unused stage dashed,
mermaid gives it the class ``unused``); :func:`stages_only` keeps stages and images, with the
``COPY --from`` / ``RUN --mount=from`` edges lifted from instructions to their stages.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from dockerlens.imageref import parse_image_ref
from dockerlens.model import Dockerfile, MissedStage, StageReference, Step


def stage_id(df: Dockerfile, index: int) -> str:
    return f"stage:{df.path}:{index}"


def instruction_id(df: Dockerfile, line: int) -> str:
    return f"instr:{df.path}:{line}"


def image_id(reference: str) -> str:
    return f"image:{reference}"


def build_graph(df: Dockerfile, graph: nx.DiGraph | None = None) -> nx.DiGraph:
    graph = graph if graph is not None else nx.DiGraph()
    for step in df.steps:
        if step.stage is None:
            _add_instruction(graph, df, step)
    for stage in df.stages:
        graph.add_node(
            stage_id(df, stage.index),
            kind="stage",
            path=df.path,
            index=stage.index,
            name=stage.name,
            base=stage.base,
            platform=stage.platform,
            label=f"stage {stage.label}",
        )
        previous = None
        for step_index in stage.steps:
            node = _add_instruction(graph, df, df.steps[step_index])
            if previous is None:
                graph.add_edge(stage_id(df, stage.index), node, kind="contains")
            else:
                graph.add_edge(previous, node, kind="next")
            previous = node
    for ref in df.references:
        _add_reference(graph, df, ref)
    for step in df.steps:
        for name in sorted(step.uses):
            variable = step.variables.get(name)
            if variable is None or variable.defined_at is None:
                continue
            source = df.steps[variable.defined_at]
            graph.add_edge(
                instruction_id(df, source.line),
                instruction_id(df, step.line),
                kind="defines",
                var=name,
            )
    return graph


def _add_instruction(graph: nx.DiGraph, df: Dockerfile, step: Step) -> str:
    node = instruction_id(df, step.line)
    graph.add_node(
        node,
        kind="instruction",
        path=df.path,
        line=step.line,
        keyword=step.keyword,
        stage=step.stage,
        label=f"{step.line}: {_short(step.instruction.original)}",
    )
    return node


def _add_reference(graph: nx.DiGraph, df: Dockerfile, ref: StageReference) -> None:
    kind = {"from": "from", "copy": "copy-from", "mount": "mount-from"}[ref.kind]
    target = (
        stage_id(df, ref.stage)
        if ref.kind == "from"
        else instruction_id(df, df.steps[ref.step].line)
    )
    if ref.target_stage is not None:
        source = stage_id(df, ref.target_stage)
    elif ref.image is not None:
        source = image_id(str(ref.image))
        graph.add_node(source, kind="image", reference=str(ref.image), label=str(ref.image))
    elif ref.kind == "from" and ref.text.lower() == "scratch":
        return
    else:
        source = image_id(ref.text)
        graph.add_node(source, kind="image", reference=ref.text, label=ref.text, resolved=False)
    graph.add_edge(source, target, kind=kind, undefined=df.missed_stage(ref) is not None)


def _short(text: str, limit: int = 60) -> str:
    first = text.split("\n", 1)[0]
    return first if len(first) <= limit else first[: limit - 1] + "…"


@dataclass(frozen=True)
class StageReport:
    target: int
    needed: list[int]
    unused: list[int]
    #: References that most likely miss the stage they mean, each with why
    #: (:meth:`Dockerfile.missed_stage`, which DL3022 and DL3023 report from too).
    undefined: list[tuple[StageReference, MissedStage]]


def stage_report(df: Dockerfile, target: str | None = None) -> StageReport:
    """The stages ``target`` (default: the last) needs, those it does not, and bad references."""
    if not df.stages:
        return StageReport(-1, [], [], [])
    if target is None:
        target_index = len(df.stages) - 1
    else:
        stage = df.resolve_stage(target)
        if stage is None:
            raise KeyError(target)
        target_index = stage.index
    deps = nx.DiGraph()
    deps.add_nodes_from(range(len(df.stages)))
    for ref in df.references:
        if ref.target_stage is not None:
            deps.add_edge(ref.stage, ref.target_stage)
    needed = sorted(nx.descendants(deps, target_index) | {target_index})
    unused = [i for i in range(len(df.stages)) if i not in needed]
    missed = ((ref, df.missed_stage(ref)) for ref in df.references)
    undefined = [(ref, reason) for ref, reason in missed if reason is not None]
    return StageReport(target_index, needed, unused, undefined)


def mark_stages(graph: nx.DiGraph, df: Dockerfile, report: StageReport) -> None:
    """Say on each stage node of ``df`` whether the report's target needs it."""
    for index in range(len(df.stages)):
        node = graph.nodes[stage_id(df, index)]
        node["needed"] = index in report.needed
        node["unused"] = index in report.unused


_STAGE_EDGES = ("from", "copy-from", "mount-from")


def stages_only(graph: nx.DiGraph) -> nx.DiGraph:
    """Stages and images (and the files of a build order): which stage uses which, no
    instructions. An edge to an instruction goes to its stage; parallel kinds are joined."""
    view = nx.DiGraph()
    for node, data in graph.nodes(data=True):
        if data.get("kind") != "instruction":
            view.add_node(node, **data)
    for a, b, data in graph.edges(data=True):
        kind = data.get("kind")
        if kind == "builds-from":
            view.add_edge(a, b, **data)
            continue
        if kind not in _STAGE_EDGES:
            continue
        target = graph.nodes[b]
        if target.get("kind") == "instruction":
            if target.get("stage") is None:
                continue
            b = f"stage:{target['path']}:{target['stage']}"
        if view.has_edge(a, b):
            kinds = view.edges[a, b]["kind"].split(", ")
            if kind not in kinds:
                view.edges[a, b]["kind"] = ", ".join([*kinds, kind])
        else:
            view.add_edge(a, b, kind=kind, undefined=data.get("undefined", False))
    return view


class BuildOrderError(ValueError):
    pass


def build_order(
    files: Iterable[Dockerfile], images: Mapping[str, str]
) -> tuple[nx.DiGraph, list[str]]:
    """Which Dockerfile builds an image another uses FROM, and an order to build them in.

    ``images`` maps a Dockerfile's path to the image name it builds. Returns the graph of files
    (edge A -> B when B is built FROM A's image) and a topological order of the paths.
    """
    files = list(files)
    produced: dict[str, str] = {}
    for path, name in images.items():
        image = parse_image_ref(name)
        if image is not None:
            produced[str(image)] = path
    graph = nx.DiGraph()
    for df in files:
        graph.add_node(df.path, image=images.get(df.path))
    for df in files:
        for ref in df.references:
            if ref.image is None:
                continue
            producer = produced.get(str(ref.image))
            if producer is not None and producer != df.path:
                graph.add_edge(producer, df.path, image=str(ref.image))
    try:
        order = list(nx.lexicographical_topological_sort(graph))
    except nx.NetworkXUnfeasible:
        cycle = " -> ".join(a for a, _ in nx.find_cycle(graph))
        raise BuildOrderError(f"the Dockerfiles build each other in a cycle: {cycle}") from None
    return graph, order


def to_json(graph: nx.DiGraph) -> str:
    data = nx.node_link_data(graph, edges="edges")
    return json.dumps(data, indent=2, default=str)


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_DOT_SHAPES = {"stage": "box", "instruction": "note", "image": "cylinder"}
_DOT_STYLES = {"next": "solid", "contains": "bold", "from": "bold", "defines": "dotted"}


def to_dot(graph: nx.DiGraph) -> str:
    lines = ["digraph dockerlens {", "  rankdir=LR;"]
    for node, data in graph.nodes(data=True):
        shape = _DOT_SHAPES.get(data.get("kind", ""), "ellipse")
        style = ", style=dashed, color=gray" if data.get("unused") else ""
        lines.append(
            f"  {_dot_quote(node)} [label={_dot_quote(_label(node, data))}, shape={shape}{style}];"
        )
    for a, b, data in graph.edges(data=True):
        kind = data.get("kind", "")
        label = data.get("var", kind)
        style = _DOT_STYLES.get(kind, "dashed")
        lines.append(
            f"  {_dot_quote(a)} -> {_dot_quote(b)} [label={_dot_quote(label)}, style={style}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid(graph: nx.DiGraph) -> str:
    ids = {node: f"n{i}" for i, node in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    unused = []
    for node, data in graph.nodes(data=True):
        label = _label(node, data).replace('"', "#quot;")
        kind = data.get("kind")
        left, right = {"stage": ("[", "]"), "image": ("[(", ")]")}.get(kind or "", ("(", ")"))
        lines.append(f'  {ids[node]}{left}"{label}"{right}')
        if data.get("unused"):
            unused.append(ids[node])
    for a, b, data in graph.edges(data=True):
        label = str(data.get("var", data.get("kind", ""))).replace('"', "#quot;")
        arrow = "-.->" if data.get("kind") == "defines" else "-->"
        lines.append(f'  {ids[a]} {arrow}|"{label}"| {ids[b]}')
    if unused:
        lines.append("  classDef unused stroke-dasharray: 5 5,color:#888")
        lines.append(f"  class {','.join(unused)} unused")
    return "\n".join(lines) + "\n"


def _label(node: str, data: Mapping[str, object]) -> str:
    label = str(data.get("label", node))
    return f"{label} (unused)" if data.get("unused") else label
