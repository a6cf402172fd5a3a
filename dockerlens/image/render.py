"""The text report: rich tables with human sizes and a bar per layer.

Everything an image holds (paths, history, tags) is printed literally: rich markup and emoji
codes are off, control characters are made visible (``dockerlens.display``). Layers are numbered
as JSON's ``index`` (from 0). The report of one image is a list of sections
(:data:`IMAGE_SECTIONS`), each a function of the console, the image's result and ``--top``: a
new table is one more function in that list.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable

from rich.console import Console
from rich.table import Table
from rich.text import Text

from dockerlens.display import visible
from dockerlens.image.pipeline import ImageResult, shown_count
from dockerlens.image.sharing import Sharing, image_labels, some_images
from dockerlens.image.thresholds import RuleResult
from dockerlens.image.units import human_size

_BAR_WIDTH = 20
#: Logs of CI jobs are not terminals: tables get this room instead of rich's 80 columns.
_WIDTH_WITHOUT_TERMINAL = 160
#: History commands can be kilobytes long: the table shows this much of one.
_INSTRUCTION_CHARS = 160

Section = Callable[[Console, ImageResult, int], None]


def make_console(is_terminal: bool, *, stderr: bool = False) -> Console:
    """A console for analyze's output: literal text, ``NO_COLOR`` honoured (no bold either),
    ``COLUMNS`` honoured, 160 columns when not a terminal and ``COLUMNS`` is not set."""
    width = None if is_terminal or os.environ.get("COLUMNS") else _WIDTH_WITHOUT_TERMINAL
    no_color = os.environ.get("NO_COLOR", "") != ""
    return Console(
        stderr=stderr,
        markup=False,
        emoji=False,
        highlight=False,
        width=width,
        color_system=None if no_color else "auto",
    )


def render_report(
    console: Console,
    results: list[ImageResult],
    sharing: Sharing,
    rules: list[RuleResult],
    top: int,
) -> None:
    for result in results:
        render_image(console, result, top)
    render_sharing(console, results, sharing)
    render_rules(console, rules)


def render_image(console: Console, result: ImageResult, top: int) -> None:
    """The report of one image: its sections, then a blank line."""
    for section in IMAGE_SECTIONS:
        section(console, result, top)
    console.print()


def _bar(size: int, largest: int, width: int) -> Text:
    if largest <= 0 or size <= 0 or width <= 0:
        return Text("")
    cells = max(1, round(width * size / largest))
    return Text("█" * cells, style="cyan")


def _short(digest: str) -> str:
    # A hand-written config can hold any string where a digest belongs.
    return visible(digest.split(":")[-1][:12])


def _instruction(text: str, limit: int = _INSTRUCTION_CHARS) -> str:
    shown = visible(text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _table(title: str | None = None) -> Table:
    # One space between columns: 80 columns must hold the layer table's numbers.
    return Table(
        title=title,
        title_justify="left",
        box=None,
        pad_edge=False,
        collapse_padding=True,
        header_style="bold",
    )


def _header(console: Console, result: ImageResult, top: int) -> None:
    image = result.image
    platform = f"  {visible(image.platform)}" if image.platform is not None else ""
    console.print(
        Text(visible(result.ref), style="bold"),
        Text(f"{platform}  {_short(image.id)}  {visible(image.source)}"),
    )


def _layer_table(console: Console, result: ImageResult, top: int) -> None:
    # The bar gives way first, then the instruction column shrinks and wraps; the numbers stay.
    bar_width = min(_BAR_WIDTH, max(0, (console.width - 80) // 2))
    layers = _table()
    layers.add_column("#", justify="right", no_wrap=True)
    layers.add_column("size", justify="right", no_wrap=True)
    if bar_width:
        layers.add_column("", no_wrap=True, min_width=bar_width)
    full = result.figures is not None
    if full:
        for name in ("+", "~", "-", "wasted"):
            layers.add_column(name, justify="right", no_wrap=True)
    layers.add_column("diff_id", no_wrap=True)
    layers.add_column("instruction", overflow="fold", min_width=10)
    largest = max((layer.size for layer in result.layers), default=0)
    for layer in result.layers:
        known = layer.figures is not None or layer.stored_size is not None
        row: list[str | Text] = [str(layer.index), human_size(layer.size) if known else "?"]
        if bar_width:
            row.append(_bar(layer.size, largest, bar_width))
        if layer.figures is not None:
            row += [
                str(layer.figures.files_added),
                str(layer.figures.files_changed),
                str(layer.figures.files_removed),
                human_size(layer.figures.wasted_bytes) if layer.figures.wasted_bytes else "",
            ]
        row += [_short(layer.diff_id), _instruction(layer.instruction)]
        layers.add_row(*row)
    console.print(layers)


def _history_note(console: Console, result: ImageResult, top: int) -> None:
    if result.history_note is not None:
        console.print(f"note: {visible(result.history_note)}", style="yellow")


def _totals(console: Console, result: ImageResult, top: int) -> None:
    figures, dive = result.figures, result.dive
    if figures is None or dive is None:
        console.print(f"image size {human_size(result.size)} (stored layer sizes, --layers-only)")
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


def _layer_label(result: ImageResult, index: int) -> str:
    return f"{index}: {_instruction(result.layers[index].instruction, 40)}"


def _more(console: Console, left_out: int, what: str) -> None:
    if left_out > 0:
        console.print(f"… and {left_out} more {what}; --top 0 shows all")


def _wasted_table(console: Console, result: ImageResult, top: int) -> None:
    figures = result.figures
    if figures is None or not figures.wasted:
        return
    shown = shown_count(len(figures.wasted), top)
    table = _table("wasted")
    table.add_column("size", justify="right", no_wrap=True)
    table.add_column("path", overflow="fold")
    table.add_column("added by", overflow="fold")
    table.add_column("hidden by", overflow="fold")
    table.add_column("why", overflow="fold")
    for item in figures.wasted[:shown]:
        table.add_row(
            human_size(item.size),
            visible("/" + item.path),
            _layer_label(result, item.added_in),
            _layer_label(result, item.hidden_in),
            item.reason,
        )
    console.print(table)
    _more(console, len(figures.wasted) - shown, "wasted files")


def _largest_table(console: Console, result: ImageResult, top: int) -> None:
    figures = result.figures
    if figures is None or not figures.largest:
        return
    table = _table("largest files")
    table.add_column("size", justify="right", no_wrap=True)
    table.add_column("layer", justify="right", no_wrap=True)
    table.add_column("path", overflow="fold")
    for item in figures.largest:
        table.add_row(human_size(item.size), str(item.layer), visible("/" + item.path))
    console.print(table)
    _more(console, figures.final_files - len(figures.largest), "files")


def _secrets_table(console: Console, result: ImageResult, top: int) -> None:
    """Every secret in any layer (never cut by ``--top``: each one is a finding)."""
    figures = result.figures
    if figures is None or figures.secrets is None:
        return
    if not figures.secrets:
        console.print(f"secrets: none found ({figures.secret_files_read} files read)")
        return
    table = _table(f"secrets ({len(figures.secrets)}; values never shown)")
    table.add_column("kind", no_wrap=True)
    table.add_column("path", overflow="fold")
    table.add_column("line", justify="right", no_wrap=True)
    table.add_column("added by", overflow="fold")
    table.add_column("final file system", overflow="fold")
    for found in figures.secrets:
        if found.visible:
            state = Text("visible", style="bold red")
        elif found.hidden_in is not None:
            state = Text(f"hidden by {_layer_label(result, found.hidden_in)}")
        else:
            state = Text("hidden")
        table.add_row(
            found.secret.kind,
            visible("/" + found.path),
            str(found.secret.line),
            _layer_label(result, found.layer),
            state,
        )
    console.print(table)


#: The report of one image, in order.
IMAGE_SECTIONS: list[Section] = [
    _header,
    _layer_table,
    _history_note,
    _totals,
    _wasted_table,
    _largest_table,
    _secrets_table,
]


def render_sharing(console: Console, results: list[ImageResult], sharing: Sharing) -> None:
    if len(results) < 2:
        return
    table = _table("images")
    table.add_column("image", overflow="fold")
    table.add_column("size", justify="right", no_wrap=True)
    table.add_column("shared", justify="right", no_wrap=True)
    table.add_column("unique", justify="right", no_wrap=True)
    for label, result in zip(image_labels(results), results, strict=True):
        table.add_row(
            visible(label),
            human_size(result.size),
            human_size(sharing.shared_bytes[label]),
            human_size(sharing.unique_bytes[label]),
        )
    console.print(table)
    if sharing.shared_layers:
        shared = _table("shared layers")
        shared.add_column("diff_id", no_wrap=True)
        shared.add_column("size", justify="right", no_wrap=True)
        shared.add_column("images", overflow="fold")
        for layer in sharing.shared_layers:
            shared.add_row(
                _short(layer.diff_id), human_size(layer.size), _some_images(layer.images)
            )
        console.print(shared)
    console.print(
        f"bytes saved by sharing: {human_size(sharing.saved_bytes)} ({sharing.saved_bytes} B)"
    )
    _bases_table(console, sharing)
    _duplicates_table(console, sharing)
    console.print()


#: A fleet's layer may be in a thousand images: the text names this many of them.
_IMAGES_NAMED = 5


def _some_images(images: list[str]) -> str:
    return visible(some_images(images, _IMAGES_NAMED))


def _bases_table(console: Console, sharing: Sharing) -> None:
    if not sharing.bases:
        return
    bases = _table("bases (layer prefixes images share)")
    for name in ("layers", "size", "images", "saved"):
        bases.add_column(name, justify="right", no_wrap=True)
    bases.add_column("top layer", no_wrap=True)
    bases.add_column("its instruction", overflow="fold", min_width=10)
    for base in sharing.bases:
        bases.add_row(
            str(base.layers),
            human_size(base.size),
            str(len(base.images)),
            human_size(base.saved_bytes),
            _short(base.top_diff_id),
            _instruction(base.top_instruction),
        )
    console.print(bases)


def _duplicates_table(console: Console, sharing: Sharing) -> None:
    if not sharing.duplicates:
        return
    table = _table("bases built again instead of shared (same instructions and sizes)")
    table.add_column("layers", justify="right", no_wrap=True)
    table.add_column("again", justify="right", no_wrap=True)
    table.add_column("shared by", overflow="fold")
    table.add_column("built again by", overflow="fold")
    table.add_column("top instruction", overflow="fold", min_width=10)
    for duplicate in sharing.duplicates:
        kept, *others = duplicate.variants
        table.add_row(
            str(duplicate.layers),
            human_size(duplicate.duplicated_bytes),
            _some_images(kept.images),
            _some_images([image for variant in others for image in variant.images]),
            _instruction(duplicate.instructions[-1]),
        )
    console.print(table)


def render_rules(console: Console, rules: list[RuleResult]) -> None:
    for rule in rules:
        style = {"pass": "green", "fail": "bold red", "skip": "yellow"}[rule.status]
        console.print(
            Text(f"{rule.status.upper()}:", style=style),
            Text(visible(f"{rule.image}: {rule.message}")),
        )
