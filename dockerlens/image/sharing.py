"""Layers shared between images, and the graph of which images share which base.

Two images share a base when their layer lists start with the same diff_ids: the engine and
registries store such a prefix once. The graph keeps, for every group of images, the deepest
prefix they have in common (a *base*), with an edge to each deeper base or image built on it.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dockerlens.display import visible
from dockerlens.image.analysis import instruction_of
from dockerlens.image.pipeline import ImageResult

if TYPE_CHECKING:
    import networkx


@dataclass(frozen=True, slots=True)
class SharedLayer:
    diff_id: str
    size: int
    images: list[str]


@dataclass(frozen=True, slots=True)
class Base:
    """A layer prefix several images start with, as the sharing graph names it."""

    id: str
    layers: int
    size: int
    top_diff_id: str
    top_instruction: str
    images: list[str]
    #: the shallower base this one is built on (None: it starts from nothing shared)
    built_on: str | None

    @property
    def saved_bytes(self) -> int:
        """Bytes stored once instead of once per image: size * (images - 1)."""
        return self.size * (len(self.images) - 1)


@dataclass(frozen=True, slots=True)
class DuplicateVariant:
    top_diff_id: str
    images: list[str]
    #: bytes of its layers that the kept variant (the first, most used) does not hold
    duplicated_bytes: int


@dataclass(frozen=True, slots=True)
class DuplicateBase:
    """Layer prefixes built again instead of shared: the same instructions, layer by layer, with
    sizes within :data:`DUPLICATE_SIZE_TOLERANCE`, but different diff_ids. The first variant
    (used by most images) is the one the others could have been built on."""

    layers: int
    instructions: list[str]
    variants: list[DuplicateVariant]

    @property
    def duplicated_bytes(self) -> int:
        return sum(variant.duplicated_bytes for variant in self.variants)


@dataclass(slots=True)
class Sharing:
    shared_layers: list[SharedLayer]
    #: bytes stored once instead of once per image: Σ size * (uses - 1)
    saved_bytes: int
    #: per image label: bytes in layers no other analysed image has
    unique_bytes: dict[str, int]
    #: per image label: bytes in layers some other analysed image has too
    shared_bytes: dict[str, int]
    #: the shared layer prefixes (bases), most used first; empty for fewer than two images
    bases: list[Base] = field(default_factory=list)
    duplicates: list[DuplicateBase] = field(default_factory=list)


def image_labels(results: list[ImageResult]) -> list[str]:
    """One distinct label per result (the ref, numbered when a ref comes twice)."""
    labels: list[str] = []
    refs = Counter(result.ref for result in results)
    for result in results:
        base = result.ref
        if refs[base] > 1 and result.image.platform is not None:
            # The platforms of one index: each is named by its platform.
            base = f"{result.ref} ({result.image.platform})"
        label = base
        number = 2
        while label in labels:
            label = f"{base}#{number}"
            number += 1
        labels.append(label)
    return labels


def some_images(images: list[str], named: int) -> str:
    """The first ``named`` image names and how many more: a fleet's base may have a thousand."""
    left_out = len(images) - named
    return ", ".join(images[:named]) + (f" and {left_out} more" if left_out > 0 else "")


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
    if len(results) < 2:
        return Sharing(shared, saved, unique, in_common)
    return Sharing(
        shared, saved, unique, in_common, bases_of(sharing_graph(results)), duplicates(results)
    )


def bases_of(graph: networkx.DiGraph) -> list[Base]:
    """The base nodes of :func:`sharing_graph`, most used first, then largest."""
    bases = []
    for node, attrs in graph.nodes(data=True):
        if attrs["kind"] != "base":
            continue
        below = [p for p in graph.predecessors(node) if graph.nodes[p]["kind"] == "base"]
        bases.append(
            Base(
                node,
                attrs["layers"],
                attrs["size"],
                attrs["top_diff_id"],
                attrs["top_instruction"],
                attrs["images"],
                below[0] if below else None,
            )
        )
    bases.sort(key=lambda base: (-len(base.images), -base.size, base.id))
    return bases


#: Two layers made by the same instruction count as one rebuilt when their sizes differ by at
#: most this fraction: the same files compress to a few bytes more or less when only their
#: timestamps changed, and registries and layouts know only the compressed size.
DUPLICATE_SIZE_TOLERANCE = 0.01


@dataclass(slots=True)
class _Chain:
    """A node of the trie of layer chains (by diff_id): one distinct layer prefix."""

    parent: _Chain | None
    diff_id: str
    size: int
    depth: int
    #: some image has more layers above this prefix (it is a base, not only an image)
    built_on: bool = False

    def layers(self) -> list[_Chain]:
        chain: list[_Chain] = []
        node: _Chain | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]


def _same_recipe_sizes(first: _Chain, second: _Chain) -> bool:
    for one, other in zip(first.layers(), second.layers(), strict=True):
        if one.diff_id == other.diff_id:
            continue
        if abs(one.size - other.size) > DUPLICATE_SIZE_TOLERANCE * max(one.size, other.size):
            return False
    return True


def duplicates(results: list[ImageResult]) -> list[DuplicateBase]:
    """Layer prefixes that images rebuilt instead of sharing (see :class:`DuplicateBase`).

    Layer content is not read, so "the same layer" means: made by the same history command
    (``created_by``, compared exactly) with a size within the tolerance. A rebuilt prefix counts
    only when some image is built on one of its variants (two images that merely end alike are
    two images), and each image reports only its deepest rebuilt prefix. Layers without a
    history command end the comparison."""
    labels = image_labels(results)
    chains: dict[tuple[int, str], _Chain] = {}
    recipes: dict[tuple[int, str], int] = {}
    recipe_steps: dict[int, tuple[int, str]] = {}  # recipe node -> (parent node, created_by)
    # recipe node -> chain node -> images that reach the chain node through the recipe node
    variants: dict[int, dict[int, tuple[_Chain, list[str]]]] = {}
    paths: dict[str, list[tuple[int, _Chain]]] = {}
    for label, result in zip(labels, results, strict=True):
        chain: _Chain | None = None
        recipe = 0
        path = paths.setdefault(label, [])
        for position, layer in enumerate(result.layers):
            key = (id(chain), layer.diff_id)
            if key not in chains:
                depth = 1 if chain is None else chain.depth + 1
                chains[key] = _Chain(chain, layer.diff_id, layer.size, depth)
            chain = chains[key]
            if position + 1 < len(result.layers):
                chain.built_on = True
            if layer.created_by is None or len(path) < position:
                continue
            step = (recipe, layer.created_by)
            if step not in recipes:
                recipes[step] = len(recipes) + 1
                recipe_steps[recipes[step]] = step
            recipe = recipes[step]
            users = variants.setdefault(recipe, {}).setdefault(id(chain), (chain, []))[1]
            if label not in users:
                users.append(label)
            path.append((recipe, chain))

    clusters: dict[tuple[int, int], list[tuple[_Chain, list[str]]]] = {}
    for recipe, found in variants.items():
        if len(found) < 2:
            continue
        groups: list[list[tuple[_Chain, list[str]]]] = []
        for variant in sorted(found.values(), key=lambda item: (-len(item[1]), item[0].diff_id)):
            for group in groups:
                if _same_recipe_sizes(group[0][0], variant[0]):
                    group.append(variant)
                    break
            else:
                groups.append([variant])
        for group in groups:
            if len(group) > 1 and any(chain.built_on for chain, _ in group):
                for chain, _ in group:
                    clusters[(recipe, id(chain))] = group

    reported: dict[int, tuple[int, list[tuple[_Chain, list[str]]]]] = {}
    for path in paths.values():
        deepest = [(recipe, chain) for recipe, chain in path if (recipe, id(chain)) in clusters]
        if deepest:
            recipe, chain = deepest[-1]
            group = clusters[(recipe, id(chain))]
            reported[id(group)] = (recipe, group)
    found_duplicates = []
    for recipe, group in reported.values():
        commands: list[str] = []
        node = recipe
        while node:
            node, created_by = recipe_steps[node]
            commands.append(instruction_of(created_by))
        kept = group[0][0]
        stored = {link.diff_id for link in kept.layers()}
        found_variants = []
        for chain, images in group:
            extra = 0
            for link in chain.layers():
                if link.diff_id not in stored:
                    stored.add(link.diff_id)
                    extra += link.size
            found_variants.append(DuplicateVariant(chain.diff_id, sorted(images), extra))
        if any(variant.duplicated_bytes for variant in found_variants):
            found_duplicates.append(DuplicateBase(kept.depth, commands[::-1], found_variants))
    found_duplicates.sort(key=lambda item: (-item.duplicated_bytes, -item.layers))
    return found_duplicates


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
                name = f"base:{diff_id.split(':')[-1][:12]}@{depth}"
                # Different prefixes may end with the same layer (a common top layer).
                number = 2
                while graph.has_node(name):
                    name = f"base:{diff_id.split(':')[-1][:12]}@{depth}#{number}"
                    number += 1
                base_names[node] = name
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
