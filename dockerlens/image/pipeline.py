"""Runs the analysis of each image: read its layers once, stack them, compute dive's figures."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dockerlens.image.analysis import (
    ImageFigures,
    LayerFigures,
    analyze_layers,
    instruction_of,
    layer_history,
)
from dockerlens.image.archive import StreamStore
from dockerlens.image.dive_compat import DiveFigures, dive_figures
from dockerlens.image.layerscan import LayerScan
from dockerlens.image.model import ImageInput

if TYPE_CHECKING:
    from dockerlens.image.layer_index import LayerIndex

LayerProgress = Callable[[ImageInput, int], None]
"""Told ``(image, layer index)`` after each layer has been read."""


@dataclass(slots=True)
class LayerResult:
    index: int
    diff_id: str
    #: Σ tar-header sizes (dive's definition); the stored blob size with ``--layers-only``
    size: int
    created_by: str | None
    instruction: str
    media_type: str | None
    stored_size: int | None
    compression: str | None
    figures: LayerFigures | None


@dataclass(slots=True)
class ImageResult:
    image: ImageInput
    layers: list[LayerResult]
    figures: ImageFigures | None
    dive: DiveFigures | None
    history_matches_layers: bool
    #: why some layers have no instruction, when the history could not be paired with them
    history_note: str | None = None

    @property
    def ref(self) -> str:
        return self.image.ref

    @property
    def size(self) -> int:
        return sum(layer.size for layer in self.layers)

    def layer_instruction(self, index: int | None) -> str | None:
        """The instruction that made layer ``index``, as users read it (None: no such layer)."""
        if index is not None and 0 <= index < len(self.layers):
            return self.layers[index].instruction
        return None


def shown_count(total: int, top: int) -> int:
    """How many items of a list ``--top`` shows (0: all)."""
    return total if top <= 0 else min(total, top)


class ScanCache:
    """Layers read once per run, however many of the analysed images share them; with an
    ``index``, layers read by an earlier run are not read at all (see layer_index)."""

    def __init__(self, images: list[ImageInput], index: LayerIndex | None = None) -> None:
        uses = Counter(layer.diff_id for image in images for layer in image.layers)
        self._shared = {diff_id for diff_id, count in uses.items() if count > 1}
        self._scans: dict[str, LayerScan] = {}
        self.index = index
        #: layers read from their store, and the bytes of their uncompressed tar streams
        self.layers_read = 0
        self.bytes_read = 0
        #: times each layer (by diff_id) was read from its store
        self.reads: Counter[str] = Counter()

    def scan(self, image: ImageInput, index: int) -> LayerScan:
        diff_id = image.layers[index].diff_id
        cached = self._scans.get(diff_id)
        if cached is not None:
            return cached
        scan = self._read(image, index, diff_id)
        if diff_id in self._shared:
            self._scans[diff_id] = scan
        return scan

    def _read(self, image: ImageInput, index: int, diff_id: str) -> LayerScan:
        # A store read as one stream has read every layer already (with content digests):
        # its scans cost nothing more and are worth keeping.
        streamed = isinstance(image.store, StreamStore)
        if self.index is not None and not streamed:
            indexed = self.index.get(diff_id)
            if indexed is not None:
                return indexed
        scan = image.scan_layer(index)
        self.layers_read += 1
        self.reads[diff_id] += 1
        self.bytes_read += scan.tar_bytes
        if self.index is not None:
            self.index.put(diff_id, scan)
        return scan


def analyze_image(
    image: ImageInput,
    *,
    top: int,
    cache: ScanCache,
    layers_only: bool = False,
    progress: LayerProgress | None = None,
    keep_files: bool = False,
    with_dive: bool = True,
) -> ImageResult:
    commands, consistent = layer_history(image.config, len(image.layers))
    consistent = consistent and image.history_note is None
    note = image.history_note
    if not consistent and note is None:
        note = (
            "the config history does not match the layers one to one; instructions may be missing"
        )
    if layers_only:
        layers = [
            LayerResult(
                index,
                layer.diff_id,
                layer.stored_size or 0,
                commands[index],
                instruction_of(commands[index]),
                layer.media_type,
                layer.stored_size,
                None,
                None,
            )
            for index, layer in enumerate(image.layers)
        ]
        return ImageResult(image, layers, None, None, consistent, note)

    scans: list[LayerScan] = []
    for index in range(len(image.layers)):
        scans.append(cache.scan(image, index))
        if progress is not None:
            progress(image, index)
    figures = analyze_layers(scans, top=top, keep_files=keep_files)
    dive = dive_figures(scans) if with_dive else None
    layers = [
        LayerResult(
            index,
            layer.diff_id,
            scans[index].size,
            commands[index],
            instruction_of(commands[index]),
            layer.media_type,
            layer.stored_size,
            scans[index].compression,
            figures.layers[index],
        )
        for index, layer in enumerate(image.layers)
    ]
    return ImageResult(image, layers, figures, dive, consistent, note)
