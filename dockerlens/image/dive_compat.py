"""dive 0.13.1's efficiency score and wasted bytes, restated so `.dive-ci` thresholds keep working.

The definition (dive/filetree/efficiency.go), for each layer in order, for each *leaf* of that
layer's own file tree (a path with no entries below it in that layer), visited in name order:

* key = the path, with ``.wh.`` stripped from a whiteout's name;
* size = the tar header size; for a whiteout, the size of what it deletes in the layers below,
  summed over the whole subtree when that is a directory (0 for a file, 0 for a directory that
  no entry created explicitly); a whiteout of a path that does not exist below ends the walk of
  that layer (dive's behaviour, kept so the score matches dive's);
* per key: ``cum`` += size, ``min`` = the smallest size seen, ``count`` += 1 (the key is
  registered before the whiteout lookup, so a missing path leaves ``min = -1``: dive's score
  then counts one byte less in the numerator, and so does this one).

``efficiency = Σ min / Σ cum`` over all keys (1.0 when Σ cum is 0); the inefficient files are the
keys seen twice or more; ``wasted bytes = Σ cum`` over them (the live copy included);
``user wasted percent = wasted bytes / Σ sizes of layers 2..n`` (NaN with one layer). Opaque
directory markers are ignored. Unlike dive, layers are always taken in manifest order.

Why a second layer stack (``_DiveNode``) beside ``analysis._Stack``: this module is a
compatibility shim, kept apart on purpose. ``_Stack`` applies the OCI rules (whiteouts before a
layer's own entries, opaque directories, hard links keeping content alive, a file replaced by a
directory) and is what every dockerlens figure comes from. dive's score depends on dive's own
departures from those rules: it walks each layer's tree in name order, ignores opaque markers
and hard links, sizes a whiteout by the subtree it removes, and stops a layer's walk at a
whiteout of a missing path. Deriving these numbers from ``_Stack`` would mean teaching it each
of dive's departures behind flags, and every fix to the exact figures would risk moving the
dive-compatible ones that ``.dive-ci`` thresholds compare (tests/image/test_dive_compat.py and
test_engine_images.py check them against dive 0.13.1 itself). Only ``dive_figures`` is public.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from dockerlens.image.layerscan import OPAQUE_MARKER, Kind, LayerScan

_WHITEOUT = ".wh."
_DOUBLE_WHITEOUT = ".wh..wh.."


class _DiveNode:
    __slots__ = ("children", "is_dir", "size")

    def __init__(self) -> None:
        self.children: dict[str, _DiveNode] | None = None
        self.is_dir = False
        self.size = 0

    def copy(self) -> _DiveNode:
        """A deep copy (iterative: hostile archives can nest paths thousands deep)."""
        duplicate = _DiveNode()
        pending = [(self, duplicate)]
        while pending:
            original, copied = pending.pop()
            copied.is_dir = original.is_dir
            copied.size = original.size
            if original.children:
                copied.children = {}
                for name, child in original.children.items():
                    copied_child = _DiveNode()
                    copied.children[name] = copied_child
                    pending.append((child, copied_child))
        return duplicate


def _add_path(root: _DiveNode, parts: list[str], is_dir: bool, size: int) -> None:
    node = root
    last = len(parts) - 1
    for position, name in enumerate(parts):
        children = node.children
        child = children.get(name) if children is not None else None
        if child is None:
            if name.startswith(_DOUBLE_WHITEOUT):
                return
            child = _DiveNode()
            if children is None:
                node.children = children = {}
            children[name] = child
        node = child
        if position == last:
            node.is_dir = is_dir
            node.size = size


def _get(root: _DiveNode, parts: list[str]) -> _DiveNode | None:
    node = root
    for name in parts:
        if not node.children or name not in node.children:
            return None
        node = node.children[name]
    return node


def _remove(root: _DiveNode, parts: list[str]) -> None:
    parent = _get(root, parts[:-1])
    if parent is not None and parent.children:
        parent.children.pop(parts[-1], None)


def _subtree_size(node: _DiveNode) -> int:
    total = 0
    pending = [node]
    while pending:
        current = pending.pop()
        total += current.size
        if current.children:
            pending.extend(current.children.values())
    return total


def _post_order(root: _DiveNode) -> Iterator[tuple[tuple[str, ...], _DiveNode]]:
    """Every node but the root, children before parents, siblings in name order."""
    stack: list[tuple[_DiveNode, tuple[str, ...], Iterator[str]]] = [
        (root, (), iter(sorted(root.children or ())))
    ]
    while stack:
        node, parts, names = stack[-1]
        name = next(names, None)
        if name is None:
            stack.pop()
            if parts:
                yield parts, node
            continue
        assert node.children is not None
        child = node.children[name]
        stack.append((child, (*parts, name), iter(sorted(child.children or ()))))


def _layer_tree(scan: LayerScan) -> _DiveNode:
    root = _DiveNode()
    for path, kind, size, _ in scan.entries:
        if kind == Kind.WHITEOUT:
            slash = path.rfind("/")
            dive_path = f"{path[: slash + 1]}{_WHITEOUT}{path[slash + 1 :]}"
            _add_path(root, dive_path.split("/"), False, size)
        elif kind == Kind.OPAQUE:
            marker = f"{path}/{OPAQUE_MARKER}" if path else OPAQUE_MARKER
            _add_path(root, marker.split("/"), False, size)
        else:
            _add_path(root, path.split("/"), kind == Kind.DIRECTORY, size)
    return root


def _key(parts: tuple[str, ...]) -> list[str]:
    name = parts[-1]
    if name.startswith(_WHITEOUT):
        return [*parts[:-1], name[len(_WHITEOUT) :]]
    return list(parts)


def _stack(lower: _DiveNode, upper: _DiveNode) -> None:
    for parts, node in _post_order(upper):
        if parts[-1].startswith(_WHITEOUT):
            _remove(lower, _key(parts))
        else:
            _add_path(lower, list(parts), node.is_dir, node.size)


@dataclass(frozen=True, slots=True)
class InefficientPath:
    path: str
    count: int
    #: dive's "sizeBytes": every copy, the live one included
    cumulative_size: int


@dataclass(slots=True)
class DiveFigures:
    efficiency: float
    wasted_bytes: int
    user_wasted_percent: float
    size: int
    user_size: int
    inefficient: list[InefficientPath] = field(default_factory=list)
    #: layers whose walk dive cuts short at a whiteout of a missing path
    layers_cut_short: list[int] = field(default_factory=list)


def dive_figures(scans: Iterable[LayerScan]) -> DiveFigures:
    """dive's numbers for the layers ``scans`` (bottom first)."""
    records: dict[str, list[int]] = {}  # path -> [cum, min, count]
    inefficient_order: list[str] = []
    stacked: _DiveNode | None = None
    layer_sizes: list[int] = []
    cut_short: list[int] = []
    for index, scan in enumerate(scans):
        layer_sizes.append(scan.size)
        tree = _layer_tree(scan)
        lookup_tree = tree if stacked is None else stacked
        for parts, node in _post_order(tree):
            if node.children:
                continue
            key_parts = _key(parts)
            key = "/" + "/".join(key_parts)
            # dive registers the path before sizing it: a whiteout of a missing path leaves a
            # record with min -1, which lowers Σ min by one byte (and so the score) in dive too.
            record = records.setdefault(key, [0, -1, 0])
            if parts[-1].startswith(_WHITEOUT):
                previous = _get(lookup_tree, key_parts)
                if previous is None:
                    cut_short.append(index)
                    break
                size = _subtree_size(previous) if previous.is_dir else 0
            else:
                size = node.size
            record[0] += size
            if record[1] < 0 or size < record[1]:
                record[1] = size
            record[2] += 1
            if record[2] == 2:
                inefficient_order.append(key)
        if stacked is None:
            stacked = tree.copy()
        _stack(stacked, tree)

    minimum = sum(record[1] for record in records.values())
    discovered = sum(record[0] for record in records.values())
    efficiency = 1.0 if discovered == 0 else minimum / discovered
    inefficient = [
        InefficientPath(key, records[key][2], records[key][0]) for key in inefficient_order
    ]
    inefficient.sort(key=lambda item: (-item.cumulative_size, item.path))
    wasted = sum(item.cumulative_size for item in inefficient)
    size = sum(layer_sizes)
    user_size = size - layer_sizes[0] if layer_sizes else 0
    # Go's float division by zero: NaN for 0/0, +Inf otherwise.
    no_user_layers = math.inf if wasted else math.nan
    user_wasted = wasted / user_size if user_size else no_user_layers
    return DiveFigures(efficiency, wasted, user_wasted, size, user_size, inefficient, cut_short)
