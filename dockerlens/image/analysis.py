"""Stacks an image's layers the way the engine does (OCI rules) and accounts for every byte.

Wasted bytes are file content stored in some layer that the final file system cannot see:
deleted by a whiteout, hidden by an opaque directory, or replaced by a later entry at the same path
(in a later layer or later in the same layer; a chmod/chown copy-up stores the whole file again).
Each layer's whiteouts apply to the layers below it only, so they are applied before its entries.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from dockerlens.image.layerscan import Entry, Kind, LayerScan
from dockerlens.secrets import Secret

REASON_DELETED = "deleted"
REASON_OPAQUE = "hidden by opaque directory"
REASON_OVERWRITTEN = "overwritten"
REASON_REPLACED = "replaced by another type"


class _Node:
    """A path of the stacked file system. ``children`` is not None exactly for directories."""

    __slots__ = ("children", "kind", "layer", "links", "owner", "size")

    def __init__(self, kind: Kind, layer: int, size: int) -> None:
        self.kind = kind
        self.layer = layer
        self.size = size
        self.children: dict[str, _Node] | None = {} if kind == Kind.DIRECTORY else None
        #: for a regular file: how many visible names reach its content (itself + hard links)
        self.links = 1
        #: for a hard link: the regular file whose content it names
        self.owner: _Node | None = None


@dataclass(frozen=True, slots=True)
class WastedFile:
    path: str
    size: int
    added_in: int
    hidden_in: int
    reason: str


@dataclass(frozen=True, slots=True)
class VisibleFile:
    path: str
    size: int
    layer: int


@dataclass(frozen=True, slots=True)
class LayerSecretFound:
    """A secret in the content a layer stores, and whether the final file system shows it."""

    path: str
    secret: Secret
    layer: int
    #: a name of the final file system (the path, or a hard link to it) still reaches it
    visible: bool
    #: the layer that took it out of sight (deleted, hid or replaced it); None when visible
    hidden_in: int | None


@dataclass(frozen=True, slots=True)
class FinalFile:
    """A path of the final file system (not a directory), as the layer that made it wrote it."""

    kind: Kind
    #: content bytes of a regular file; 0 for links and special files
    size: int
    layer: int
    #: a link's target; "" otherwise
    link: str
    #: SHA-256 of the content, when the layer was read with ``digest`` for this path
    digest: bytes | None


@dataclass(slots=True)
class LayerFigures:
    index: int
    size: int
    entries: int = 0
    files_added: int = 0
    files_changed: int = 0
    files_removed: int = 0
    #: bytes this layer stores that a later layer (or a later entry of its own) hides
    wasted_bytes: int = 0
    #: whiteouts naming a path that no lower layer has (harmless; dive aborts the layer on them)
    whiteouts_of_missing_paths: int = 0


@dataclass(slots=True)
class ImageFigures:
    layers: list[LayerFigures]
    wasted: list[WastedFile] = field(default_factory=list)
    #: content bytes of the regular files the final file system shows
    final_size: int = 0
    final_files: int = 0
    largest: list[VisibleFile] = field(default_factory=list)
    #: secrets in any layer, bottom layer first; None when content was not read for them
    secrets: list[LayerSecretFound] | None = None
    #: files whose content was read for secrets, over every layer
    secret_files_read: int = 0
    #: path -> the final file system's entry, with ``keep_files`` (None otherwise)
    files: dict[str, FinalFile] | None = None

    @property
    def size(self) -> int:
        return sum(layer.size for layer in self.layers)

    @property
    def wasted_bytes(self) -> int:
        return sum(item.size for item in self.wasted)


class _Stack:
    def __init__(self) -> None:
        self.root = _Node(Kind.DIRECTORY, -1, 0)
        self.wasted: list[WastedFile] = []
        #: regular files already out of sight whose content a visible hard link still names
        self._pending_paths: dict[int, str] = {}
        self.layers: list[LayerFigures] = []
        #: (path, layer, secret, node) of each file whose content holds a secret
        self.secrets: list[tuple[str, int, Secret, _Node]] = []
        #: the layer that took each watched node out of sight
        self._hidden_in: dict[int, int] = {}

    def _lookup(self, path: str) -> tuple[_Node | None, _Node | None, str]:
        """(parent directory node, node, basename) of an existing path, without creating."""
        parent = self.root
        parts = path.split("/")
        for part in parts[:-1]:
            children = parent.children
            child = children.get(part) if children is not None else None
            if child is None or child.children is None:
                return None, None, parts[-1]
            parent = child
        children = parent.children
        assert children is not None
        return parent, children.get(parts[-1]), parts[-1]

    def _release(self, node: _Node, path: str, hidden_in: int, reason: str) -> None:
        """A name of some content went out of sight; the content is wasted once no name is left."""
        owner = node.owner if node.kind == Kind.HARDLINK else node
        if owner is None:
            return
        owner.links -= 1
        if owner.links == 0:
            self._hidden_in[id(owner)] = hidden_in
        if owner is node and owner.links > 0:
            self._pending_paths[id(owner)] = path
        if owner.links == 0 and owner.size > 0:
            owner_path = self._pending_paths.pop(id(owner), path) if owner is not node else path
            self.wasted.append(WastedFile(owner_path, owner.size, owner.layer, hidden_in, reason))
            self.layers[owner.layer].wasted_bytes += owner.size

    def _hide(self, node: _Node, path: str, hidden_in: int, reason: str) -> int:
        """Take ``node`` and everything under it out of sight; returns how many files that was."""
        files = 0
        pending: list[tuple[_Node, str]] = [(node, path)]
        while pending:
            current, current_path = pending.pop()
            if current.children is not None:
                pending.extend(
                    (child, f"{current_path}/{name}") for name, child in current.children.items()
                )
                continue
            files += 1
            if current.kind in (Kind.FILE, Kind.HARDLINK):
                self._release(current, current_path, hidden_in, reason)
        return files

    def apply(self, index: int, scan: LayerScan) -> LayerFigures:
        figures = LayerFigures(index, scan.size, len(scan.entries))
        self.layers.append(figures)
        entries = scan.entries
        # Whiteouts and opaque markers hide lower layers only: apply them before this layer's
        # own entries, whatever their order in the tar.
        for entry in entries:
            if entry.kind == Kind.WHITEOUT:
                parent, node, name = self._lookup(entry.path)
                if node is None or parent is None or parent.children is None:
                    figures.whiteouts_of_missing_paths += 1
                    continue
                figures.files_removed += self._hide(node, entry.path, index, REASON_DELETED)
                del parent.children[name]
            elif entry.kind == Kind.OPAQUE:
                if entry.path:
                    _, node, _ = self._lookup(entry.path)
                else:
                    node = self.root
                if node is None or node.children is None:
                    continue
                for name, child in node.children.items():
                    child_path = f"{entry.path}/{name}" if entry.path else name
                    figures.files_removed += self._hide(child, child_path, index, REASON_OPAQUE)
                node.children = {}
        secret_of = {item.entry: item.secret for item in scan.secrets or ()}
        for position, entry in enumerate(entries):
            if entry.kind < Kind.WHITEOUT:
                node = self._add(index, entry, figures)
                if position in secret_of and node is not None:
                    self.secrets.append((entry.path, index, secret_of[position], node))
        return figures

    def found_secrets(self) -> list[LayerSecretFound]:
        return [
            LayerSecretFound(
                path,
                secret,
                layer,
                node.links > 0,
                None if node.links > 0 else self._hidden_in.get(id(node)),
            )
            for path, layer, secret, node in self.secrets
        ]

    def _directory_for(self, path: str, index: int) -> dict[str, _Node]:
        """The children of ``path``'s parent directory, creating missing directories on the way."""
        parent = self.root
        slash = path.rfind("/")
        if slash < 0:
            assert parent.children is not None
            return parent.children
        walked = ""
        for part in path[:slash].split("/"):
            walked = f"{walked}/{part}" if walked else part
            children = parent.children
            assert children is not None
            child = children.get(part)
            if child is None or child.children is None:
                if child is not None:
                    # A file (or link) stood where this entry needs a directory.
                    self._hide(child, walked, index, REASON_REPLACED)
                child = _Node(Kind.DIRECTORY, index, 0)
                children[part] = child
            parent = child
        assert parent.children is not None
        return parent.children

    def _add(self, index: int, entry: Entry, figures: LayerFigures) -> _Node | None:
        """Add ``entry``; returns its node (None for a directory already there)."""
        path, kind, size, link = entry
        children = self._directory_for(path, index)
        name = path[path.rfind("/") + 1 :]
        existing = children.get(name)
        if kind == Kind.DIRECTORY:
            if existing is not None and existing.children is not None:
                return None  # the same directory again (metadata, or a parent of new entries)
            if existing is not None:
                self._hide(existing, path, index, REASON_REPLACED)
                figures.files_changed += 1
            directory = _Node(Kind.DIRECTORY, index, 0)
            children[name] = directory
            return directory
        if existing is not None:
            reason = REASON_OVERWRITTEN if existing.children is None else REASON_REPLACED
            self._hide(existing, path, index, reason)
            figures.files_changed += 1
        else:
            figures.files_added += 1
        node = _Node(kind, index, size if kind == Kind.FILE else 0)
        if kind == Kind.HARDLINK:
            _, target, _ = self._lookup(link)
            owner = target.owner if target is not None and target.kind == Kind.HARDLINK else target
            if owner is not None and owner.kind == Kind.FILE and owner.links > 0:
                node.owner = owner
                owner.links += 1
        children[name] = node
        return node

    def visible_nodes(self) -> Iterator[tuple[str, _Node]]:
        """Every path of the final file system but directories, with its node."""
        pending: list[tuple[_Node, str]] = [(self.root, "")]
        while pending:
            node, path = pending.pop()
            if node.children is not None:
                for name, child in node.children.items():
                    pending.append((child, f"{path}/{name}" if path else name))
            else:
                yield path, node

    def visible_files(self) -> Iterator[VisibleFile]:
        for path, node in self.visible_nodes():
            if node.kind == Kind.FILE:
                yield VisibleFile(path, node.size, node.layer)


def analyze_layers(
    scans: Iterator[LayerScan] | list[LayerScan], top: int = 20, *, keep_files: bool = False
) -> ImageFigures:
    """Stack ``scans`` (bottom first) and account for every byte of file content.

    ``top`` bounds the list of largest final files (0: all of them). ``keep_files`` keeps every
    path of the final file system but directories in ``figures.files`` (``dockerlens diff``).
    """
    stack = _Stack()
    read_secrets = False
    files_read = 0
    layer_links: list[dict[str, str]] = []
    layer_digests: list[dict[str, bytes]] = []
    for index, scan in enumerate(scans):
        stack.apply(index, scan)
        read_secrets = read_secrets or scan.secrets is not None
        files_read += scan.files_sniffed
        if keep_files:
            layer_links.append(
                {path: link for path, kind, _, link in scan.entries if link and kind < Kind.SPECIAL}
            )
            layer_digests.append(scan.digests)
    files: dict[str, FinalFile] | None = None
    if keep_files:
        files = {
            path: FinalFile(
                node.kind,
                node.size,
                node.layer,
                layer_links[node.layer].get(path, ""),
                layer_digests[node.layer].get(path),
            )
            for path, node in stack.visible_nodes()
        }
    visible = list(stack.visible_files())
    final_size = sum(item.size for item in visible)
    final_files = len(visible)

    def by_size(item: VisibleFile) -> tuple[int, str]:
        return item.size, item.path

    if top > 0:
        largest = heapq.nlargest(top, visible, key=by_size)
    else:
        largest = sorted(visible, key=by_size, reverse=True)
    wasted = sorted(stack.wasted, key=lambda item: (-item.size, item.path))
    secrets = stack.found_secrets() if read_secrets else None
    return ImageFigures(
        stack.layers, wasted, final_size, final_files, largest, secrets, files_read, files
    )


def layer_history(config: dict[str, Any], layer_count: int) -> tuple[list[str | None], bool]:
    """The ``created_by`` of each layer, from the config history, skipping empty layers.

    Returns the list and whether history and layers agree in number (a builder that mislabels
    ``empty_layer`` makes them disagree; the layers then keep what could be matched in order).
    """
    history = config.get("history")
    commands: list[str | None] = []
    if isinstance(history, list):
        for item in history:
            if isinstance(item, dict) and not item.get("empty_layer", False):
                created_by = item.get("created_by")
                commands.append(created_by if isinstance(created_by, str) else None)
    consistent = len(commands) == layer_count
    commands = (commands + [None] * layer_count)[:layer_count]
    return commands, consistent


def instruction_of(created_by: str | None) -> str:
    """``created_by`` as users read it: no shell wrapper, ``#(nop)`` or BuildKit tag."""
    if not created_by:
        return "(missing)"
    text = created_by.strip()
    text = text.removesuffix("# buildkit").rstrip()
    if " -c #(nop) " in text:
        # The legacy builder writes the SHELL in force before the marker: "/bin/sh -c #(nop) ".
        return text.split(" -c #(nop) ", 1)[1].strip()
    if text.startswith("/bin/sh -c "):
        return "RUN " + text[len("/bin/sh -c ") :].strip()
    if text.startswith("|") and " /bin/sh -c " in text:
        # BuildKit records a RUN with build args as "|2 A=1 B=2 /bin/sh -c ..."
        return "RUN " + text.split(" /bin/sh -c ", 1)[1].strip()
    return text
