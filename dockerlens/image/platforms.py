"""The platforms of one multi-platform index side by side: sizes, the layers they share, and the
files that differ between each platform's final file system and the first one's.

Files are compared as ``dockerlens diff`` compares two images (:func:`compare_files`): type, size,
link target, and the contents of same-size files from different layers. Nothing here prints.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.text import Text

from dockerlens.display import visible
from dockerlens.image.diff import (
    ADDED,
    MODIFIED,
    REMOVED,
    FileChange,
    change_counts,
    compare_files,
)
from dockerlens.image.diff_report import file_change_json
from dockerlens.image.pipeline import ImageResult, shown_count
from dockerlens.image.sources import platform_of
from dockerlens.image.units import human_size


@dataclass(frozen=True, slots=True)
class PlatformDifference:
    platform: str
    against: str
    files: list[FileChange]
    #: same-size files whose contents could not be hashed (counted as the same)
    unverified: int


@dataclass(frozen=True, slots=True)
class PlatformComparison:
    ref: str
    source: str
    #: the results of the index's platforms, in the order they were analysed
    results: list[ImageResult]
    #: position of each result in the report's ``images``
    positions: list[int]
    #: diff_ids every platform has (base layers built for no particular platform)
    shared_layers: list[str]
    differences: list[PlatformDifference]
    #: layer reads for these platforms (a layer they share is read once), and the layers read
    #: again to hash same-size files for the comparison
    layers_read: int = 0
    layers_hashed: int = 0
    bytes_hashed: int = 0

    @property
    def platforms(self) -> list[str]:
        return [platform_of(result.image) for result in self.results]


def compare_platforms(
    results: list[ImageResult], reads: Counter[str] | None = None
) -> list[PlatformComparison]:
    """One comparison per source and ref that gave results for more than one platform;
    ``reads``: times each layer was read (:attr:`ScanCache.reads`)."""
    groups: dict[tuple[str, str], list[int]] = {}
    for position, result in enumerate(results):
        groups.setdefault((result.image.source, result.ref), []).append(position)
    comparisons = []
    for (source, ref), positions in groups.items():
        members = [results[position] for position in positions]
        if len({platform_of(result.image) for result in members}) < 2:
            continue
        layers_hashed = bytes_hashed = 0
        if any(result.figures is None or result.figures.files is None for result in members):
            differences: list[PlatformDifference] = []
        else:
            first = members[0]
            differences = []
            for other in members[1:]:
                files, layers, hashed, unverified = compare_files(first, other)
                layers_hashed += layers
                bytes_hashed += hashed
                differences.append(
                    PlatformDifference(
                        platform_of(other.image), platform_of(first.image), files, unverified
                    )
                )
        in_all = set.intersection(*({layer.diff_id for layer in r.layers} for r in members))
        shared = [layer.diff_id for layer in members[0].layers if layer.diff_id in in_all]
        distinct = {layer.diff_id for result in members for layer in result.layers}
        layers_read = sum((reads or Counter())[diff_id] for diff_id in distinct)
        comparisons.append(
            PlatformComparison(
                ref,
                source,
                members,
                positions,
                shared,
                differences,
                layers_read,
                layers_hashed,
                bytes_hashed,
            )
        )
    return comparisons


def _platform_json(result: ImageResult, position: int) -> dict[str, Any]:
    figures = result.figures
    stored = [layer.stored_size for layer in result.layers]
    return {
        "platform": platform_of(result.image),
        "image": position,
        "id": result.image.id,
        "size": result.size,
        "stored_size": sum(s for s in stored if s is not None) if None not in stored else None,
        "final_size": figures.final_size if figures is not None else None,
        "final_files": figures.final_files if figures is not None else None,
        "wasted_bytes": figures.wasted_bytes if figures is not None else None,
        "layers": len(result.layers),
    }


def comparisons_json(comparisons: list[PlatformComparison], top: int) -> list[dict[str, Any]]:
    """``platform_comparison`` of the JSON report."""
    document = []
    for comparison in comparisons:
        sizes = {layer.diff_id: layer.size for layer in comparison.results[0].layers}
        differences = []
        for difference in comparison.differences:
            shown = shown_count(len(difference.files), top)
            differences.append(
                {
                    "platform": difference.platform,
                    "against": difference.against,
                    "counts": change_counts(difference.files),
                    "files": [file_change_json(change) for change in difference.files[:shown]],
                    "files_omitted": len(difference.files) - shown,
                    "unverified_files": difference.unverified,
                }
            )
        document.append(
            {
                "ref": comparison.ref,
                "source": comparison.source,
                "platforms": [
                    _platform_json(result, position)
                    for result, position in zip(
                        comparison.results, comparison.positions, strict=True
                    )
                ],
                "shared_layers": comparison.shared_layers,
                "shared_bytes": sum(sizes[diff_id] for diff_id in comparison.shared_layers),
                "differences": differences,
                "read": {
                    "layers": comparison.layers_read,
                    "distinct_layers": len(
                        {layer.diff_id for result in comparison.results for layer in result.layers}
                    ),
                    "layers_in_platforms": sum(len(r.layers) for r in comparison.results),
                    "layers_hashed": comparison.layers_hashed,
                    "bytes_hashed": comparison.bytes_hashed,
                },
            }
        )
    return document


def render_comparisons(console: Console, comparisons: list[PlatformComparison], top: int) -> None:
    """The text report's platform tables: sizes side by side, then each platform's differences
    from the first."""
    from dockerlens.image.render import _table as table_titled

    for comparison in comparisons:
        sizes = table_titled(f"Platforms of {visible(comparison.ref)}")
        for name in ("platform", "size", "final", "files", "wasted", "layers"):
            sizes.add_column(name, justify="left" if name == "platform" else "right")
        for result in comparison.results:
            figures = result.figures
            sizes.add_row(
                visible(platform_of(result.image)),
                human_size(result.size),
                human_size(figures.final_size) if figures is not None else "?",
                str(figures.final_files) if figures is not None else "?",
                human_size(figures.wasted_bytes) if figures is not None else "?",
                str(len(result.layers)),
            )
        console.print(sizes)
        shared_bytes = sum(
            layer.size
            for layer in comparison.results[0].layers
            if layer.diff_id in set(comparison.shared_layers)
        )
        console.print(
            f"{len(comparison.shared_layers)} layers ({human_size(shared_bytes)}) are the same "
            "in every platform, read once"
        )
        for difference in comparison.differences:
            counts = change_counts(difference.files)
            console.print(
                Text(
                    f"{visible(difference.platform)} against {visible(difference.against)}: "
                    f"{counts[ADDED]} added, {counts[REMOVED]} removed, "
                    f"{counts[MODIFIED]} modified",
                    style="bold",
                )
            )
            shown = shown_count(len(difference.files), top)
            if not shown:
                continue
            files = table_titled()
            for name in ("change", difference.against, difference.platform, "path"):
                files.add_column(visible(name), justify="left" if name == "path" else "right")
            for change in difference.files[:shown]:
                files.add_row(
                    change.change,
                    human_size(change.from_size) if change.from_size is not None else "-",
                    human_size(change.to_size) if change.to_size is not None else "-",
                    visible("/" + change.path),
                )
            console.print(files)
            if shown < len(difference.files):
                console.print(
                    f"… and {len(difference.files) - shown} more differing files; --top 0 shows all"
                )
        console.print()
