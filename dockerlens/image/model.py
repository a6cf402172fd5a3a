"""The image model every source produces: an image's config and ordered layers, where to read
them from, and the limits a layer is read under."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Protocol

from dockerlens.image.errors import ImageInputError
from dockerlens.image.layerscan import DEFAULT_MAX_ENTRIES, LayerScan, scan_layer
from dockerlens.image.streams import DEFAULT_MAX_LAYER_BYTES

ProgressCallback = Callable[[str, int], None]
"""Told ``(layer description, bytes read)`` each time a layer has been read."""


@dataclass(frozen=True, slots=True)
class Limits:
    """How a layer is read: its bounds, and whether file content is read for secrets."""

    max_layer_bytes: int = DEFAULT_MAX_LAYER_BYTES
    max_entries: int = DEFAULT_MAX_ENTRIES
    read_secrets: bool = False
    #: hash every regular file of the layers read in one pass (the Engine's export, compressed
    #: archives), whose content cannot be read again later (``dockerlens diff``)
    digest_streamed_content: bool = False

    def scan(
        self,
        raw: BinaryIO,
        *,
        seekable: bool,
        what: str,
        digest: Callable[[str], bool] | None = None,
    ) -> LayerScan:
        """:func:`scan_layer` under these limits."""
        return scan_layer(
            raw,
            seekable=seekable,
            what=what,
            max_bytes=self.max_layer_bytes,
            max_entries=self.max_entries,
            read_secrets=self.read_secrets,
            digest=digest,
        )


class BlobStore(Protocol):
    description: str

    def exists(self, name: str) -> bool: ...

    def read_json(self, name: str) -> Any: ...

    def stored_size(self, name: str) -> int | None: ...

    def scan(
        self, name: str, what: str, digest: Callable[[str], bool] | None = None
    ) -> LayerScan: ...


@dataclass(slots=True)
class LayerRef:
    """One layer of an image as its manifest lists it."""

    diff_id: str
    #: the member (docker save) or blob path (OCI) holding the layer
    member: str
    media_type: str | None = None
    #: the blob's size as stored: compressed for registry/OCI layouts, the tar length otherwise
    stored_size: int | None = None


@dataclass(slots=True)
class ImageInput:
    """An image to analyse: its config and its ordered layers, readable from ``store``."""

    ref: str
    id: str
    config: dict[str, Any]
    layers: list[LayerRef]
    store: BlobStore | None
    source: str
    tags: list[str] = field(default_factory=list)
    #: why the history could not be paired with every layer (None when it could)
    history_note: str | None = None
    #: os/arch[/variant] as the image index that led to it says (None: the config says)
    platform: str | None = None

    def scan_layer(self, index: int, digest: Callable[[str], bool] | None = None) -> LayerScan:
        """Layer ``index`` read from the store; ``digest`` picks files to hash (see scan_layer)."""
        if self.store is None:
            raise ImageInputError(f"{self.ref}: layer content is not available from this source")
        layer = self.layers[index]
        what = f"{self.source}: layer {index} ({layer.member})"
        return self.store.scan(layer.member, what, digest)
