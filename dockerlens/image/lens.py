"""The joined report: an analysed image seen through the Dockerfile that built it.

:mod:`dockerlens.image.attribution` says which line made each layer; this module adds the
layers' measured figures up per line (bytes added, bytes a later line hides, files written) and
shows them: keys added to the analyze JSON report, a table at the top of the text report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from dockerlens.display import visible
from dockerlens.errors import UserError
from dockerlens.image.attribution import (
    REASON_NO_DOCKERFILE,
    Attribution,
    SourceLine,
    attribute,
    stage_chain,
)
from dockerlens.image.pipeline import ImageResult
from dockerlens.image.units import human_size
from dockerlens.model import Dockerfile


@dataclass(slots=True)
class InstructionCost:
    source: SourceLine
    layers: list[int]
    bytes_added: int
    #: bytes its layers store that a later layer hides (None without layer content)
    bytes_wasted: int | None
    #: regular files and links its layers add or change (None without layer content)
    files: int | None
    #: line of the instruction that hid some of its bytes -> those bytes
    hidden_by: dict[int, int] = field(default_factory=dict)


def load_dockerfile(path: str, build_args: Mapping[str, str] | None = None) -> Dockerfile:
    """The model of the Dockerfile at ``path`` (a UserError when it cannot be read or parsed)."""
    from dockerlens.model import build_model
    from dockerlens.sources import read_source
    from dockerlens.syntax.parser import parse

    source = read_source(path)
    result = parse(source.text)
    if result.error is not None:
        error = result.error
        raise UserError(f"{path}:{error.line}: not a valid Dockerfile: {error.message}")
    return build_model(result, source.path, build_args)


def dockerfile_option(
    path: str | None, target: str | None, build_args: tuple[str, ...]
) -> tuple[Dockerfile, str | None] | None:
    """``--dockerfile PATH [--target STAGE] [--build-arg NAME=VALUE]`` checked and read."""
    if path is None:
        if target is not None or build_args:
            raise UserError("--target and --build-arg need --dockerfile")
        return None
    return read_dockerfile(path, target, build_args), target


def read_dockerfile(path: str, target: str | None, build_args: tuple[str, ...]) -> Dockerfile:
    """The Dockerfile an image was built from, with its ``NAME=VALUE`` build arguments; a
    UserError when it cannot be read or has no stage ``target``."""
    values = {}
    for item in build_args:
        name, equals, value = item.partition("=")
        if not equals or not name:
            raise UserError(f"--build-arg {item!r}: expected NAME=VALUE")
        values[name] = value
    dockerfile = load_dockerfile(path, values)
    try:
        stage_chain(dockerfile, target)
    except KeyError:
        raise UserError(f"{dockerfile.path}: no stage named {target!r}") from None
    return dockerfile


def attribute_results(
    results: list[ImageResult], dockerfile: tuple[Dockerfile, str | None] | None
) -> list[Attribution]:
    """Each image traced to the Dockerfile (none without ``--dockerfile``)."""
    if dockerfile is None:
        return []
    return [attribute_result(result, *dockerfile) for result in results]


def attribute_result(
    result: ImageResult, dockerfile: Dockerfile, target: str | None
) -> Attribution:
    return attribute(result.image.config.get("history"), len(result.layers), dockerfile, target)


def instruction_costs(result: ImageResult, attribution: Attribution) -> list[InstructionCost]:
    """The layers' figures summed per instruction, in build order (the base image first)."""
    line_of_layer = {
        index: layer.source.line
        for index, layer in enumerate(attribution.layers)
        if layer.source is not None and not layer.source.from_base
    }
    costs = []
    for source, layers in attribution.instructions:
        measured = [result.layers[index] for index in layers]
        figures = [layer.figures for layer in measured]
        complete = all(item is not None for item in figures) and result.figures is not None
        cost = InstructionCost(
            source,
            layers,
            sum(layer.size for layer in measured),
            sum(item.wasted_bytes for item in figures if item is not None) if complete else None,
            sum(item.files_added + item.files_changed for item in figures if item is not None)
            if complete
            else None,
        )
        costs.append(cost)
    owner = {
        layer: position
        for position, (_, layers) in enumerate(attribution.instructions)
        for layer in layers
    }
    for wasted in result.figures.wasted if result.figures is not None else []:
        position = owner.get(wasted.added_in)
        if position is not None:
            hidden_by = costs[position].hidden_by
            line = line_of_layer.get(wasted.hidden_in, 0)
            hidden_by[line] = hidden_by.get(line, 0) + wasted.size
    return costs


def _layer_json(attribution: Attribution, index: int) -> dict[str, Any]:
    layer = attribution.layers[index]
    return {
        "dockerfile": (
            {**layer.source.to_json(), "matched_by": layer.matched_by}
            if layer.source is not None
            else None
        ),
        "dockerfile_reason": layer.reason,
        "dockerfile_note": layer.note,
    }


def annotate_report(
    document: dict[str, Any],
    results: list[ImageResult],
    attributions: list[Attribution],
) -> None:
    """Add the Dockerfile's view to the analyze JSON report ``document`` (keys only added).

    Without a Dockerfile (no ``attributions``) every layer's ``dockerfile`` is null, with the
    reason ``no-dockerfile``, and images get ``"dockerfile": null``."""
    if not attributions:
        for image in document["images"]:
            image["dockerfile"] = None
            for layer in image["layers"]:
                layer.update(
                    {
                        "dockerfile": None,
                        "dockerfile_reason": REASON_NO_DOCKERFILE,
                        "dockerfile_note": None,
                    }
                )
        return
    for image, result, attribution in zip(document["images"], results, attributions, strict=True):
        for layer in image["layers"]:
            layer.update(_layer_json(attribution, layer["index"]))
        image["dockerfile"] = {
            "path": attribution.path,
            "target": attribution.target,
            "matched": attribution.matched,
            "reason": attribution.reason,
            "message": attribution.message,
            "instructions": [
                {
                    **cost.source.to_json(),
                    "instruction": cost.source.text,
                    "layers": cost.layers,
                    "bytes_added": cost.bytes_added,
                    "bytes_wasted": cost.bytes_wasted,
                    "files": cost.files,
                    "wasted_hidden_by": [
                        {"line": line or None, "bytes": size}
                        for line, size in sorted(cost.hidden_by.items())
                    ],
                }
                for cost in instruction_costs(result, attribution)
            ],
        }


def render_lenses(
    console: Console, results: list[ImageResult], attributions: list[Attribution]
) -> None:
    """The per-instruction tables of every image, first in the text report."""
    for result, attribution in zip(results, attributions, strict=False):
        render_lens(console, result, attribution)


def render_lens(console: Console, result: ImageResult, attribution: Attribution) -> None:
    """The table a person reads first: what each Dockerfile line costs in this image."""
    console.print(
        Text(visible(result.ref), style="bold"),
        Text(f"  by line of {visible(attribution.path)}", style="bold"),
    )
    if not attribution.matched:
        console.print(Text(f"not attributed: {visible(attribution.message)}", style="yellow"))
        console.print()
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("line", justify="right", no_wrap=True)
    table.add_column("added", justify="right", no_wrap=True)
    table.add_column("wasted", justify="right", no_wrap=True)
    table.add_column("files", justify="right", no_wrap=True)
    table.add_column("instruction", overflow="ellipsis", no_wrap=True, max_width=60)
    table.add_column("wasted bytes hidden by", no_wrap=True)
    costs = instruction_costs(result, attribution)
    for number, cost in enumerate(costs, start=1):
        source = cost.source
        where = (
            str(source.line)
            if source.line == source.end_line
            else f"{source.line}-{source.end_line}"
        )
        text = visible(f"{source.text} (base image)" if source.from_base else source.text)
        hidden = ", ".join(
            f"line {line}" if line else "an unattributed layer" for line in sorted(cost.hidden_by)
        )
        table.add_row(
            where,
            human_size(cost.bytes_added),
            "" if not cost.bytes_wasted else human_size(cost.bytes_wasted),
            "" if cost.files is None else str(cost.files),
            text,
            hidden,
            end_section=number == len(costs),
        )
    wasted = [cost.bytes_wasted for cost in costs if cost.bytes_wasted is not None]
    files = [cost.files for cost in costs if cost.files is not None]
    table.add_row(
        "",
        human_size(sum(cost.bytes_added for cost in costs)),
        human_size(sum(wasted)) if wasted else "",
        str(sum(files)) if files else "",
        "total",
        "",
    )
    console.print(table)
    # Layers are numbered from 0 in the text report, as JSON's "index".
    unattributed = [index for index, layer in enumerate(attribution.layers) if layer.source is None]
    if unattributed:
        console.print(
            f"layers not attributed: {', '.join(map(str, unattributed))} "
            "(the history fits more than one instruction)",
            style="yellow",
        )
    console.print(Text(visible(attribution.message)))
    console.print()
