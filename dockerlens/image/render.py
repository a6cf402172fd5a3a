"""The text report: rich tables with human sizes and a bar per layer."""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table
from rich.text import Text

from dockerlens.image.pipeline import ImageResult
from dockerlens.image.sharing import Sharing, image_labels
from dockerlens.image.thresholds import RuleResult
from dockerlens.image.units import human_size

_BAR_WIDTH = 20


def _bar(size: int, largest: int) -> Text:
    if largest <= 0 or size <= 0:
        return Text("")
    cells = max(1, round(_BAR_WIDTH * size / largest))
    return Text("█" * cells, style="cyan")


def _short(digest: str) -> str:
    return digest.split(":")[-1][:12]


def render_image(console: Console, result: ImageResult, top: int) -> None:
    image = result.image
    console.print(
        Text(f"{result.ref}", style="bold"), Text(f"  {_short(image.id)}  {image.source}")
    )
    layers = Table(box=None, pad_edge=False, header_style="bold")
    layers.add_column("#", justify="right", no_wrap=True)
    layers.add_column("size", justify="right", no_wrap=True)
    layers.add_column("", no_wrap=True, min_width=_BAR_WIDTH)
    full = result.figures is not None
    if full:
        layers.add_column("+", justify="right")
        layers.add_column("~", justify="right")
        layers.add_column("-", justify="right")
        layers.add_column("wasted", justify="right")
    layers.add_column("diff_id")
    layers.add_column("instruction", overflow="ellipsis", no_wrap=True, max_width=70)
    largest = max((layer.size for layer in result.layers), default=0)
    for layer in result.layers:
        row: list[str | Text] = [
            str(layer.index + 1),
            human_size(layer.size),
            _bar(layer.size, largest),
        ]
        if layer.figures is not None:
            row += [
                str(layer.figures.files_added),
                str(layer.figures.files_changed),
                str(layer.figures.files_removed),
                human_size(layer.figures.wasted_bytes) if layer.figures.wasted_bytes else "",
            ]
        row += [_short(layer.diff_id), layer.instruction]
        layers.add_row(*row)
    console.print(layers)
    if not result.history_matches_layers:
        console.print(
            "note: the config history does not match the layers one to one; "
            "instructions may be missing",
            style="yellow",
        )
    figures, dive = result.figures, result.dive
    if figures is None or dive is None:
        console.print(f"image size {human_size(result.size)} (stored layer sizes, --layers-only)")
        console.print()
        return
    percent = dive.user_wasted_percent
    percent_text = "n/a (one layer)" if math.isnan(percent) else f"{percent:.2%}"
    console.print(
        f"image size {human_size(result.size)} in {len(result.layers)} layers; "
        f"final file system {human_size(figures.final_size)} in {figures.final_files} files"
    )
    console.print(
        Text(
            f"wasted {human_size(figures.wasted_bytes)} ({figures.wasted_bytes} B) "
            f"in {len(figures.wasted)} files",
            style="bold",
        )
    )
    console.print(
        f"dive-compatible: efficiency {dive.efficiency:.4%}, wasted bytes {dive.wasted_bytes}, "
        f"user wasted percent {percent_text}"
    )
    limit = None if top <= 0 else top
    if figures.wasted:
        table = Table(title="wasted", title_justify="left", box=None, header_style="bold")
        table.add_column("size", justify="right")
        table.add_column("path")
        table.add_column("added by")
        table.add_column("hidden by")
        table.add_column("why")
        for item in figures.wasted[:limit]:
            table.add_row(
                human_size(item.size),
                "/" + item.path,
                f"{item.added_in + 1}: {result.layers[item.added_in].instruction[:40]}",
                f"{item.hidden_in + 1}: {result.layers[item.hidden_in].instruction[:40]}",
                item.reason,
            )
        console.print(table)
    if figures.largest:
        table = Table(title="largest files", title_justify="left", box=None, header_style="bold")
        table.add_column("size", justify="right")
        table.add_column("path")
        table.add_column("layer", justify="right")
        for visible in figures.largest:
            table.add_row(human_size(visible.size), "/" + visible.path, str(visible.layer + 1))
        console.print(table)
    console.print()


def render_sharing(console: Console, results: list[ImageResult], sharing: Sharing) -> None:
    if len(results) < 2:
        return
    table = Table(title="images", title_justify="left", box=None, header_style="bold")
    table.add_column("image")
    table.add_column("size", justify="right")
    table.add_column("shared", justify="right")
    table.add_column("unique", justify="right")
    for label, result in zip(image_labels(results), results, strict=True):
        table.add_row(
            label,
            human_size(result.size),
            human_size(sharing.shared_bytes[label]),
            human_size(sharing.unique_bytes[label]),
        )
    console.print(table)
    if sharing.shared_layers:
        shared = Table(title="shared layers", title_justify="left", box=None, header_style="bold")
        shared.add_column("diff_id")
        shared.add_column("size", justify="right")
        shared.add_column("images")
        for layer in sharing.shared_layers:
            shared.add_row(_short(layer.diff_id), human_size(layer.size), ", ".join(layer.images))
        console.print(shared)
    console.print(
        f"bytes saved by sharing: {human_size(sharing.saved_bytes)} ({sharing.saved_bytes} B)"
    )
    console.print()


def render_rules(console: Console, rules: list[RuleResult]) -> None:
    if not rules:
        return
    for rule in rules:
        style = {"pass": "green", "fail": "bold red", "skip": "yellow"}[rule.status]
        console.print(
            Text(f"{rule.status.upper()}: ", style=style), Text(f"{rule.image}: {rule.message}")
        )
