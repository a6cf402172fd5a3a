"""``dockerlens graph``: the instruction graph of one or more Dockerfiles."""

from __future__ import annotations

import json

from dockerlens import arguments
from dockerlens.console import echo
from dockerlens.errors import UserError


@arguments.command("graph")
@arguments.argument("paths", nargs=-1, required=True, metavar="PATH...")
@arguments.option(
    "--format",
    "output_format",
    type=arguments.Choice(["dot", "mermaid", "json"]),
    default="dot",
    show_default=True,
    help="dot (Graphviz), mermaid (flowchart), or json (networkx node-link data plus a summary).",
)
@arguments.option("--target", help="The stage to build (name or index); default: the last stage.")
@arguments.option(
    "--image",
    "images",
    multiple=True,
    metavar="PATH=NAME",
    help="The image a Dockerfile builds, to find which Dockerfile another one is built FROM "
    "and a build order. Repeatable; adds to `images` in [tool.dockerlens] of pyproject.toml "
    "or .dockerlens.toml (found from the current directory upward).",
)
@arguments.option(
    "--stages",
    "stages_view",
    is_flag=True,
    help="Only stages and images: which stage is built FROM, or copies or mounts from, which "
    "(no instructions, no variables).",
)
@arguments.option(
    "--build-arg",
    "build_args",
    multiple=True,
    metavar="NAME=VALUE",
    help="A build argument, as `docker build --build-arg`. Repeatable.",
)
def graph(
    paths: tuple[str, ...],
    output_format: str,
    target: str | None,
    images: tuple[str, ...],
    build_args: tuple[str, ...],
    stages_view: bool,
) -> None:
    """Print the instruction graph: stages, instructions in layer order, FROM / COPY --from /
    RUN --mount=from edges, and ARG/ENV definition -> use edges.

    Stages the target does not need are marked unused (dashed in dot and mermaid). The JSON
    form adds, per file, the stages the target needs, unused stages and references that most
    likely miss a stage (the ones DL3022 reports, with why); with several files and --image,
    the build order. A file BuildKit rejects (an empty one included) is reported on stderr
    with its line, as `parse` does, and the exit status is 1.
    """
    from pathlib import Path

    import networkx as nx

    from dockerlens import graph as graphs
    from dockerlens.model import build_model
    from dockerlens.project_config import image_mapping
    from dockerlens.sources import read_source
    from dockerlens.syntax.parser import parse

    image_map = image_mapping(Path.cwd())
    for item in images:
        path, name = _pair(item, "--image")
        image_map[str(Path(path))] = name
    args = dict(_pair(item, "--build-arg") for item in build_args)
    models = []
    combined = nx.DiGraph()
    summaries = []
    errors = []
    for path in paths:
        source = read_source(str(Path(path)))
        result = parse(source.text)
        if result.error is not None:
            errors.append(f"{source.path}:{result.error.line}: parse error: {result.error.message}")
        model = build_model(result, source.path, args)
        models.append(model)
        graphs.build_graph(model, combined)
        try:
            report = graphs.stage_report(model, target)
        except KeyError:
            raise UserError(f"{source.path}: no stage named {target!r}") from None
        graphs.mark_stages(combined, model, report)
        summaries.append(
            {
                "path": source.path,
                "error": result.error.to_dict() if result.error else None,
                "target": report.target,
                "needed_stages": report.needed,
                "unused_stages": report.unused,
                "undefined_stage_references": [
                    {
                        "line": model.steps[ref.step].line,
                        "kind": ref.kind,
                        "reference": ref.text,
                        "reason": missed.reason,
                    }
                    for ref, missed in report.undefined
                ],
            }
        )
    order = None
    if len(models) > 1 or image_map:
        try:
            files_graph, order = graphs.build_order(models, image_map)
        except graphs.BuildOrderError as err:
            raise UserError(str(err)) from None
        for a, b, data in files_graph.edges(data=True):
            combined.add_edge(f"file:{a}", f"file:{b}", kind="builds-from", image=data["image"])
    if stages_view:
        combined = graphs.stages_only(combined)
    if output_format == "json":
        data = json.loads(graphs.to_json(combined))
        data["files"] = summaries
        data["build_order"] = order
        echo(json.dumps(data, indent=2))
    elif output_format == "mermaid":
        echo(graphs.to_mermaid(combined), nl=False)
    else:
        echo(graphs.to_dot(combined), nl=False)
    for error in errors:
        echo(error, err=True)
    if errors:
        raise SystemExit(1)


def _pair(item: str, option: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key:
        raise UserError(f"{option} takes NAME=VALUE, got {item!r}")
    return key, value
