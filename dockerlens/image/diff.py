"""What changed between two images: their layers by diff_id, and their final file systems path by
path. Nothing here prints.

Layers with the same diff_id are the same bytes: each distinct layer is read once (the analyzer's
:class:`~dockerlens.image.pipeline.ScanCache`), headers only where the source can seek, and with
the layer index cache (:mod:`dockerlens.image.layer_index`) a layer any earlier run read is not
read at all: two versions of an image that share a base seen before cost the layers that differ.

A path present in both final file systems is *modified* when its type, its content size or its
link target differs, or when both are regular files of the same size from layers with different
diff_ids whose contents hash differently (SHA-256). Those contents are hashed in a second, narrow
pass over only the layers that hold such files, reading only those files; layers streamed once
(the Engine's export, compressed archives) were hashed as they passed. The same path from the
same diff_id is the same entry of the same tar, so it is never hashed. Mode, owner and mtime are
not compared: a rebuild that rewrote identical bytes is no change.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from dockerlens.image.analysis import FinalFile
from dockerlens.image.archive import StreamStore
from dockerlens.image.layer_index import LayerIndex
from dockerlens.image.layerscan import Kind
from dockerlens.image.model import ImageInput
from dockerlens.image.pipeline import ImageResult, LayerProgress, ScanCache, analyze_image

ADDED = "added"
REMOVED = "removed"
MODIFIED = "modified"

KIND_NAMES = {
    Kind.FILE: "file",
    Kind.SYMLINK: "symlink",
    Kind.HARDLINK: "hardlink",
    Kind.SPECIAL: "special",
}


@dataclass(frozen=True, slots=True)
class FileChange:
    #: from the root, without the leading "/"
    path: str
    change: str
    from_size: int | None
    to_size: int | None
    from_kind: str | None
    to_kind: str | None
    from_layer: int | None
    #: the TO layer holding the new version; for a removed path, the TO layer that deleted it
    #: (whiteout, opaque directory, replaced by a directory) when one did
    to_layer: int | None
    #: True when same-size contents were hashed and differ; None when no hashing was needed
    content_differs: bool | None = None

    @property
    def size_change(self) -> int:
        return (self.to_size or 0) - (self.from_size or 0)


@dataclass(frozen=True, slots=True)
class LayerSets:
    """diff_ids (each once, in image order) in both images, only in FROM, only in TO."""

    shared: list[str]
    only_from: list[str]
    only_to: list[str]


@dataclass(frozen=True, slots=True)
class ReadCounts:
    #: distinct layers read, and the bytes of their uncompressed tar streams
    layers: int
    bytes: int
    #: layers of FROM plus layers of TO: what analysing both separately reads
    layers_in_both: int
    #: layers read a second time to hash same-size files, and their tar bytes
    layers_hashed: int
    bytes_hashed: int
    #: layers, and hashed files, taken from the layer index cache instead of being read
    layers_from_cache: int = 0
    digests_from_cache: int = 0


@dataclass(frozen=True, slots=True)
class ImageDiff:
    before: ImageResult
    after: ImageResult
    layers: LayerSets
    #: largest change first (absolute size change, then path)
    files: list[FileChange]
    read: ReadCounts
    #: same-size files whose contents could not be hashed (counted as unchanged)
    unverified: int

    @property
    def final_sizes(self) -> tuple[int, int]:
        return _final_size(self.before), _final_size(self.after)

    @property
    def image_sizes(self) -> tuple[int, int]:
        return self.before.size, self.after.size


def _final_size(result: ImageResult) -> int:
    return result.figures.final_size if result.figures is not None else 0


def _files(result: ImageResult) -> dict[str, FinalFile]:
    assert result.figures is not None and result.figures.files is not None
    return result.figures.files


def _unique(diff_ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(diff_ids))


def layer_sets(before: ImageInput, after: ImageInput) -> LayerSets:
    before_ids = _unique(layer.diff_id for layer in before.layers)
    after_ids = _unique(layer.diff_id for layer in after.layers)
    in_before, in_after = set(before_ids), set(after_ids)
    return LayerSets(
        [diff_id for diff_id in before_ids if diff_id in in_after],
        [diff_id for diff_id in before_ids if diff_id not in in_after],
        [diff_id for diff_id in after_ids if diff_id not in in_before],
    )


def _same_entry(
    before: FinalFile, after: FinalFile, before_image: ImageInput, after_image: ImageInput
) -> bool | None:
    """True/False when the two final entries are known equal/different; None when only their
    contents can tell (same-size regular files from different layers)."""
    if before.kind != after.kind or before.size != after.size or before.link != after.link:
        return False
    if before_image.layers[before.layer].diff_id == after_image.layers[after.layer].diff_id:
        return True
    if before.kind != Kind.FILE or before.size == 0:
        return True
    return None


class _ContentHasher:
    """Hashes the same-size files whose equality the headers cannot settle: each layer holding
    one is read again, once, hashing only those paths."""

    def __init__(self, index: LayerIndex | None) -> None:
        self._index = index
        self._wanted: dict[str, tuple[ImageInput, int, set[str]]] = {}
        self._digests: dict[tuple[str, str], bytes] = {}
        self.layers = 0
        self.bytes = 0

    def want(self, image: ImageInput, file: FinalFile, path: str) -> None:
        if file.digest is not None:
            return
        diff_id = image.layers[file.layer].diff_id
        self._wanted.setdefault(diff_id, (image, file.layer, set()))[2].add(path)

    def run(self) -> None:
        for diff_id, (image, index, paths) in self._wanted.items():
            if self._index is not None:
                for path, digest in self._index.digests(diff_id, paths).items():
                    self._digests[diff_id, path] = digest
                    paths.discard(path)
                if not paths:
                    continue
            scan = image.scan_layer(index, digest=paths.__contains__)
            self.layers += 1
            self.bytes += scan.tar_bytes
            found = {path: scan.digests[path] for path in paths if path in scan.digests}
            for path, digest in found.items():
                self._digests[diff_id, path] = digest
            if self._index is not None:
                self._index.add_digests(diff_id, found)

    def digest(self, image: ImageInput, file: FinalFile, path: str) -> bytes | None:
        if file.digest is not None:
            return file.digest
        return self._digests.get((image.layers[file.layer].diff_id, path))


def _removed_in(result: ImageResult) -> dict[str, int]:
    """Path -> the layer that took it out of sight, for the contents an image wastes."""
    if result.figures is None:
        return {}
    return {item.path: item.hidden_in for item in result.figures.wasted}


def compare_files(
    before: ImageResult, after: ImageResult, index: LayerIndex | None = None
) -> tuple[list[FileChange], int, int, int]:
    """The changed paths, largest change first; with the hashing pass's layers and bytes and the
    count of same-size files that could not be hashed."""
    before_files, after_files = _files(before), _files(after)
    before_image, after_image = before.image, after.image
    changes: list[FileChange] = []
    undecided: list[str] = []
    hasher = _ContentHasher(index)
    for path, old in before_files.items():
        new = after_files.get(path)
        if new is None:
            continue
        same = _same_entry(old, new, before_image, after_image)
        if same is None:
            undecided.append(path)
            hasher.want(before_image, old, path)
            hasher.want(after_image, new, path)
        elif not same:
            changes.append(_change(path, MODIFIED, old, new))
    unverified = 0
    if undecided:
        hasher.run()
        for path in undecided:
            old, new = before_files[path], after_files[path]
            old_digest = hasher.digest(before_image, old, path)
            new_digest = hasher.digest(after_image, new, path)
            if old_digest is None or new_digest is None:
                unverified += 1
            elif old_digest != new_digest:
                changes.append(_change(path, MODIFIED, old, new, content_differs=True))
    removed_in = _removed_in(after)
    for path, old in before_files.items():
        if path not in after_files:
            changes.append(_change(path, REMOVED, old, None, removed_in=removed_in.get(path)))
    for path, new in after_files.items():
        if path not in before_files:
            changes.append(_change(path, ADDED, None, new))
    changes.sort(key=lambda change: (-abs(change.size_change), change.path))
    return changes, hasher.layers, hasher.bytes, unverified


def change_counts(files: list[FileChange]) -> dict[str, int]:
    """How many paths were added, removed and modified."""
    found = {ADDED: 0, REMOVED: 0, MODIFIED: 0}
    for change in files:
        found[change.change] += 1
    return found


def _change(
    path: str,
    change: str,
    old: FinalFile | None,
    new: FinalFile | None,
    *,
    removed_in: int | None = None,
    content_differs: bool | None = None,
) -> FileChange:
    return FileChange(
        path,
        change,
        old.size if old is not None else None,
        new.size if new is not None else None,
        KIND_NAMES.get(old.kind) if old is not None else None,
        KIND_NAMES.get(new.kind) if new is not None else None,
        old.layer if old is not None else None,
        new.layer if new is not None else removed_in,
        content_differs,
    )


def diff_images(
    before: ImageInput,
    after: ImageInput,
    *,
    progress: LayerProgress | None = None,
    index: LayerIndex | None = None,
) -> ImageDiff:
    """Read both images (each distinct layer once, none found in ``index``) and compare them."""
    cache = ScanCache([before, after], index)
    _take_streamed_layers_first(cache, before, after)
    results = [
        analyze_image(
            image, top=1, cache=cache, progress=progress, keep_files=True, with_dive=False
        )
        for image in (before, after)
    ]
    files, layers_hashed, bytes_hashed, unverified = compare_files(results[0], results[1], index)
    read = ReadCounts(
        cache.layers_read,
        cache.bytes_read,
        len(before.layers) + len(after.layers),
        layers_hashed,
        bytes_hashed,
        index.layers_served if index is not None else 0,
        index.digests_served if index is not None else 0,
    )
    if index is not None:
        index.finish()
    return ImageDiff(results[0], results[1], layer_sets(before, after), files, read, unverified)


def _take_streamed_layers_first(cache: ScanCache, *images: ImageInput) -> None:
    """A store read as a stream (the Engine's export) has scanned all its layers already: the
    layers it shares with the other image are taken from it, not read again elsewhere (a
    registry would download them)."""
    streamed = [image for image in images if isinstance(image.store, StreamStore)]
    if len(streamed) != 1:
        return
    (image,) = streamed
    others = {layer.diff_id for other in images if other is not image for layer in other.layers}
    for index, layer in enumerate(image.layers):
        if layer.diff_id in others:
            cache.scan(image, index)


def directory_totals(files: list[FileChange], depth: int = 2) -> list[tuple[str, int, int]]:
    """(directory cut to ``depth`` components, net size change, files changed), largest first."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for change in files:
        parent = posixpath.dirname(change.path)
        key = "/".join(parent.split("/")[:depth]) if parent else ""
        totals[key][0] += change.size_change
        totals[key][1] += 1
    return sorted(
        ((directory, net, count) for directory, (net, count) in totals.items()),
        key=lambda item: (-abs(item[1]), item[0]),
    )
