"""``dockerlens diff``'s reports: the JSON document and the text tables.

JSON keys named in issue 13 are a contract: ``from``, ``to``, ``size.from/to/change`` (content
bytes of the final file systems), ``layers.shared/only_from/only_to`` (diff_ids) and
``files[].path/change/from_size/to_size/to_layer/added_by``. Keys may be added, never renamed.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from dockerlens.display import visible
from dockerlens.image.diff import (
    ADDED,
    MODIFIED,
    REMOVED,
    FileChange,
    ImageDiff,
    change_counts,
    directory_totals,
)
from dockerlens.image.pipeline import ImageResult, shown_count
from dockerlens.image.render import _instruction as clipped_instruction
from dockerlens.image.render import _table as table_titled
from dockerlens.image.units import human_size, signed_size

#: History commands can be kilobytes long: the text shows this much of one.
_INSTRUCTION_CHARS = 120
#: Directory totals are shown when the changed files spread over at least this many directories.
_DIRECTORIES_WORTH_SHOWING = 3


def _instruction(result: ImageResult, index: int | None) -> str | None:
    if index is None or not 0 <= index < len(result.layers):
        return None
    return result.layers[index].instruction


def _summary(result: ImageResult) -> dict[str, Any]:
    figures = result.figures
    return {
        "ref": result.ref,
        "id": result.image.id,
        "tags": result.image.tags,
        "source": result.image.source,
        "size": result.size,
        "final_size": figures.final_size if figures is not None else None,
        "final_files": figures.final_files if figures is not None else None,
        "wasted_bytes": figures.wasted_bytes if figures is not None else None,
        "layers": [
            {
                "index": layer.index,
                "diff_id": layer.diff_id,
                "size": layer.size,
                "created_by": layer.created_by,
                "instruction": layer.instruction,
            }
            for layer in result.layers
        ],
    }


def file_change_json(change: FileChange) -> dict[str, Any]:
    """A changed path as JSON, without the layers that made it (``diff`` adds them)."""
    return {
        "path": "/" + change.path,
        "change": change.change,
        "from_size": change.from_size,
        "to_size": change.to_size,
        "size_change": change.size_change,
        "from_type": change.from_kind,
        "to_type": change.to_kind,
        "content_differs": change.content_differs,
    }


def _file_json(diff: ImageDiff, change: FileChange) -> dict[str, Any]:
    removed = change.change == REMOVED
    return {
        **file_change_json(change),
        "to_layer": change.to_layer,
        "added_by": None if removed else _instruction(diff.after, change.to_layer),
        "removed_by": _instruction(diff.after, change.to_layer) if removed else None,
        "from_layer": change.from_layer,
    }


def counts(diff: ImageDiff) -> dict[str, int]:
    return change_counts(diff.files)


def diff_json(diff: ImageDiff, top: int, growth: dict[str, Any] | None) -> dict[str, Any]:
    before_size, after_size = diff.final_sizes
    before_image, after_image = diff.image_sizes
    shown = shown_count(len(diff.files), top)
    document: dict[str, Any] = {
        "from": _summary(diff.before),
        "to": _summary(diff.after),
        "size": {"from": before_size, "to": after_size, "change": after_size - before_size},
        "image_size": {
            "from": before_image,
            "to": after_image,
            "change": after_image - before_image,
        },
        "layers": {
            "shared": diff.layers.shared,
            "only_from": diff.layers.only_from,
            "only_to": diff.layers.only_to,
        },
        "counts": counts(diff),
        "files": [_file_json(diff, change) for change in diff.files[:shown]],
        "files_omitted": len(diff.files) - shown,
        "unverified_files": diff.unverified,
        "read": {
            "layers": diff.read.layers,
            "bytes": diff.read.bytes,
            "layers_in_both_images": diff.read.layers_in_both,
            "layers_hashed": diff.read.layers_hashed,
            "bytes_hashed": diff.read.bytes_hashed,
            "layers_from_cache": diff.read.layers_from_cache,
            "digests_from_cache": diff.read.digests_from_cache,
        },
        "max_growth": growth,
    }
    return document


def render_diff(console: Console, diff: ImageDiff, top: int) -> None:
    before_size, after_size = diff.final_sizes
    before_image, after_image = diff.image_sizes
    found = counts(diff)
    headline = Text(f"{visible(diff.before.ref)} -> {visible(diff.after.ref)}: ", style="bold")
    headline.append(
        f"{signed_size(after_size - before_size)} (final file system {human_size(before_size)} -> "
        f"{human_size(after_size)}; image {human_size(before_image)} -> "
        f"{human_size(after_image)}, {signed_size(after_image - before_image)})"
    )
    console.print(headline)
    console.print(
        f"{found[ADDED]} added, {found[REMOVED]} removed, {found[MODIFIED]} modified; "
        f"layers: {len(diff.layers.shared)} shared, {len(diff.layers.only_from)} only in FROM, "
        f"{len(diff.layers.only_to)} only in TO"
    )
    _layers(console, diff)
    _directories(console, diff, top)
    _files_table(console, diff, top)
    if diff.unverified:
        console.print(
            f"{diff.unverified} same-size files could not be hashed (a streamed source without "
            "digests) and count as unchanged"
        )


def _layers(console: Console, diff: ImageDiff) -> None:
    only = (
        ("FROM", diff.before, set(diff.layers.only_from)),
        ("TO", diff.after, set(diff.layers.only_to)),
    )
    if not any(ids for _, _, ids in only):
        return
    table = table_titled("Layers that differ")
    for name, justify in (("image", "left"), ("#", "right"), ("size", "right")):
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    table.add_column("instruction", overflow="fold", min_width=10)
    for side, result, ids in only:
        for layer in result.layers:
            if layer.diff_id in ids:
                table.add_row(
                    side,
                    str(layer.index),
                    human_size(layer.size),
                    clipped_instruction(layer.instruction, _INSTRUCTION_CHARS),
                )
    console.print()
    console.print(table)


def _directories(console: Console, diff: ImageDiff, top: int) -> None:
    totals = directory_totals(diff.files)
    if len(totals) < _DIRECTORIES_WORTH_SHOWING:
        return
    table = table_titled("By directory")
    table.add_column("change", justify="right", no_wrap=True)
    table.add_column("files", justify="right", no_wrap=True)
    table.add_column("directory", overflow="fold")
    shown = shown_count(len(totals), top)
    for directory, net, count in totals[:shown]:
        table.add_row(signed_size(net), str(count), visible("/" + directory))
    console.print()
    console.print(table)
    if shown < len(totals):
        console.print(f"… and {len(totals) - shown} more directories (--top 0: all)")


def _files_table(console: Console, diff: ImageDiff, top: int) -> None:
    if not diff.files:
        console.print("The final file systems hold the same files.")
        return
    table = table_titled("Files by change")
    table.add_column("change", justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("path", overflow="fold")
    table.add_column("TO layer", justify="right", no_wrap=True)
    table.add_column("instruction", overflow="fold", min_width=10)
    shown = shown_count(len(diff.files), top)
    for change in diff.files[:shown]:
        instruction = _instruction(diff.after, change.to_layer)
        table.add_row(
            signed_size(change.size_change),
            change.change,
            visible("/" + change.path),
            "" if change.to_layer is None else str(change.to_layer),
            clipped_instruction(instruction, _INSTRUCTION_CHARS) if instruction is not None else "",
        )
    console.print()
    console.print(table)
    if shown < len(diff.files):
        console.print(f"… and {len(diff.files) - shown} more files (--top 0: all)")
