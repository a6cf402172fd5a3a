"""Layers shared between images, and the graph of which images share which base.

Two images share a base when their layer lists start with the same diff_ids: the engine and
registries store such a prefix once. The graph keeps, for every group of images, the deepest
prefix they have in common (a *base*), with an edge to each deeper base or image built on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dockerlens.display import visible
from dockerlens.image.pipeline import ImageResult

if TYPE_CHECKING:
    import networkx


@dataclass(frozen=True, slots=True)
class SharedLayer:
    diff_id: str
    size: int
    images: list[str]


@dataclass(slots=True)
class Sharing:
    shared_layers: list[SharedLayer]
    #: bytes stored once instead of once per image: Σ size * (uses - 1)
    saved_bytes: int
    #: per image label: bytes in layers no other analysed image has
    unique_bytes: dict[str, int]
    #: per image label: bytes in layers some other analysed image has too
    shared_bytes: dict[str, int]


def image_labels(results: list[ImageResult]) -> list[str]:
    """One distinct label per result (the ref, numbered when a ref comes twice)."""
    labels: list[str] = []
    for result in results:
        label = result.ref
        number = 2
        while label in labels:
            label = f"{result.ref}#{number}"
            number += 1
        labels.append(label)
    return labels


def compute_sharing(results: list[ImageResult]) -> Sharing:
    labels = image_labels(results)
    users: dict[str, list[str]] = {}
    sizes: dict[str, int] = {}
    for label, result in zip(labels, results, strict=True):
        for layer in result.layers:
            holders = users.setdefault(layer.diff_id, [])
            if label not in holders:
                holders.append(label)
            sizes[layer.diff_id] = layer.size
    shared = [
        SharedLayer(diff_id, sizes[diff_id], holders)
        for diff_id, holders in users.items()
        if len(holders) > 1
    ]
    shared.sort(key=lambda layer: (-layer.size * len(layer.images), layer.diff_id))
    saved = sum(layer.size * (len(layer.images) - 1) for layer in shared)
    unique: dict[str, int] = {}
    in_common: dict[str, int] = {}
    for label, result in zip(labels, results, strict=True):
        seen: set[str] = set()
        unique[label] = in_common[label] = 0
        for layer in result.layers:
            if layer.diff_id in seen:
                continue
            seen.add(layer.diff_id)
            if len(users[layer.diff_id]) > 1:
                in_common[label] += layer.size
            else:
                unique[label] += layer.size
    return Sharing(shared, saved, unique, in_common)


def sharing_graph(results: list[ImageResult]) -> networkx.DiGraph:
    """A DiGraph of bases (shared layer prefixes) and images; edges point from base to user."""
    import networkx

    labels = image_labels(results)
    # A trie of layer chains: node id per (parent node, diff_id).
    node_ids: dict[tuple[int, str], int] = {}
    passing: dict[int, list[str]] = {}
    node_info: dict[int, tuple[int, int, str, str]] = {}  # depth, cumulative size, diff_id, instr
    paths: dict[str, list[int]] = {}
    for label, result in zip(labels, results, strict=True):
        parent = 0
        cumulative = 0
        path = []
        for depth, layer in enumerate(result.layers, start=1):
            key = (parent, layer.diff_id)
            if key not in node_ids:
                node_ids[key] = len(node_ids) + 1
            node = node_ids[key]
            cumulative += layer.size
            node_info[node] = (depth, cumulative, layer.diff_id, layer.instruction)
            passing.setdefault(node, []).append(label)
            path.append(node)
            parent = node
        paths[label] = path

    graph = networkx.DiGraph()
    base_names: dict[int, str] = {}
    for label, result in zip(labels, results, strict=True):
        graph.add_node(
            f"image:{label}", kind="image", label=label, layers=len(result.layers), size=result.size
        )
        path = paths[label]
        kept = [
            node
            for position, node in enumerate(path)
            if len(passing[node]) > 1
            and (position == len(path) - 1 or len(passing[path[position + 1]]) < len(passing[node]))
        ]
        previous: str | None = None
        for node in kept:
            if node not in base_names:
                depth, cumulative, diff_id, instruction = node_info[node]
                base_names[node] = f"base:{diff_id.split(':')[-1][:12]}@{depth}"
                graph.add_node(
                    base_names[node],
                    kind="base",
                    label=f"{depth} layers",
                    layers=depth,
                    size=cumulative,
                    top_diff_id=diff_id,
                    top_instruction=instruction,
                    images=sorted(passing[node]),
                )
            if previous is not None:
                graph.add_edge(previous, base_names[node])
            previous = base_names[node]
        if previous is not None:
            graph.add_edge(previous, f"image:{label}")
    return graph


def _human(size: int) -> str:
    from dockerlens.image.units import human_size

    return human_size(size)


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _dot_label(text: str) -> str:
    """``text`` as a dot string: each line break becomes dot's own ``\\n`` escape (a centred line
    break), and backslashes and quotes in the text are escaped so they print as themselves."""
    return "\\n".join(_quote(line) for line in text.split("\n"))


def export_graph(graph: networkx.DiGraph, fmt: str) -> str:
    """The sharing graph as Graphviz dot, Mermaid, or node-link JSON."""
    if fmt == "json":
        import networkx

        data = networkx.node_link_data(graph, edges="edges")
        return json.dumps(data, indent=2, sort_keys=True)

    def caption(node: str, attrs: dict[str, Any]) -> str:
        if attrs["kind"] == "image":
            name = visible(attrs["label"])  # a hand-written archive can tag anything
            return f"{name}\n{attrs['layers']} layers, {_human(attrs['size'])}"
        return (
            f"shared base: {attrs['layers']} layers, {_human(attrs['size'])}\n"
            f"{len(attrs['images'])} images"
        )

    ordered = sorted(graph.nodes)
    if fmt == "dot":
        lines = ["digraph sharing {", "  rankdir=LR;"]
        for node in ordered:
            attrs = graph.nodes[node]
            shape = "box" if attrs["kind"] == "image" else "ellipse"
            lines.append(
                f'  "{_quote(node)}" [shape={shape}, label="{_dot_label(caption(node, attrs))}"];'
            )
        for source, target in sorted(graph.edges):
            lines.append(f'  "{_quote(source)}" -> "{_quote(target)}";')
        lines.append("}")
        return "\n".join(lines) + "\n"
    if fmt == "mermaid":
        ids = {node: f"n{position}" for position, node in enumerate(ordered)}
        lines = ["graph LR"]
        for node in ordered:
            attrs = graph.nodes[node]
            text = caption(node, attrs).replace('"', "#quot;").replace("\n", "<br/>")
            lines.append(
                f'  {ids[node]}["{text}"]'
                if attrs["kind"] == "image"
                else f'  {ids[node]}(["{text}"])'
            )
        for source, target in sorted(graph.edges):
            lines.append(f"  {ids[source]} --> {ids[target]}")
        return "\n".join(lines) + "\n"
    raise ValueError(f"unknown graph format {fmt!r}")
