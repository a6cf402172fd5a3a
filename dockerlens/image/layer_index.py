"""The layer index cache: a layer's header facts kept under its diff_id, so a layer seen before
is not read again.

A diff_id names the bytes of an uncompressed layer tar, so what the headers say (each entry's
path, kind, size and link target; the layer's totals) never changes for it: an entry is never
stale and has no other key. The same holds for the SHA-256 of a file's content in that layer,
kept beside it once a diff has hashed it. Secrets are not kept: reading for them needs the
content, so a layer read for secrets is read, never looked up.

The cache trusts the diff_ids an image declares (checking them would read every byte a scan
skips): a layer whose bytes do not match its diff_id (a hand-made archive) leaves the facts of
its bytes under that diff_id.

Entries live in the result cache's folder and follow its rules (:mod:`dockerlens.lint.cache`):
JSON written to a temporary name and renamed into place, an entry that cannot be read or makes
no sense is a miss, the least recently used entries go past the folder's size bound.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from dockerlens.image.layerscan import Entry, Kind, LayerScan
from dockerlens.lint.cache import Store, choose_folder, prune

#: A layer with more entries than this is not kept (its index would crowd out the others).
MAX_ENTRIES = 1_000_000
_DIFF_ID = re.compile(r"sha256:([0-9a-f]{64})")
_KINDS = {kind.value: kind for kind in Kind}


class LayerIndex:
    """The index entries of one cache folder, and what a run took from it."""

    def __init__(self, folder: Path) -> None:
        self._layers = Store(folder, "layers")
        self._digests = Store(folder, "layer-digests")
        #: layers (and hashed files) served from the cache instead of being read
        self.layers_served = 0
        self.digests_served = 0

    @classmethod
    def default(
        cls, command_line_folder: Path | None = None, setting: Path | None = None
    ) -> LayerIndex:
        """``--cache-dir``, then ``DOCKERLENS_CACHE_DIR``, then the ``cache-dir`` setting, then
        the user's cache folder: the result cache's folder."""
        return cls(choose_folder(command_line_folder, setting))

    def get(self, diff_id: str) -> LayerScan | None:
        key = _key(diff_id)
        if key is None:
            return None
        scan = _decode(self._layers.get(key), diff_id)
        if scan is not None:
            self.layers_served += 1
        return scan

    def put(self, diff_id: str, scan: LayerScan) -> None:
        key = _key(diff_id)
        if key is None or scan.secrets is not None or len(scan.entries) > MAX_ENTRIES:
            return
        self._layers.put(key, _encode(diff_id, scan))

    def digests(self, diff_id: str, paths: set[str]) -> dict[str, bytes]:
        """The kept content digests of ``paths`` in layer ``diff_id`` (those known)."""
        kept = self._kept_digests(diff_id)
        found = {path: kept[path] for path in paths if path in kept}
        self.digests_served += len(found)
        return found

    def add_digests(self, diff_id: str, digests: dict[str, bytes]) -> None:
        key = _key(diff_id)
        if key is None or not digests:
            return
        merged = self._kept_digests(diff_id)
        merged.update(digests)
        self._digests.put(
            key, {"diff_id": diff_id, "sha256": {p: d.hex() for p, d in merged.items()}}
        )

    def finish(self) -> None:
        if self._layers.written or self._digests.written:
            prune(self._layers.root)

    def _kept_digests(self, diff_id: str) -> dict[str, bytes]:
        key = _key(diff_id)
        value: Any = self._digests.get(key) if key is not None else None
        try:
            if value["diff_id"] != diff_id:
                return {}
            return {path: bytes.fromhex(digest) for path, digest in value["sha256"].items()}
        except (TypeError, KeyError, ValueError, AttributeError):
            return {}


def _key(diff_id: str) -> str | None:
    match = _DIFF_ID.fullmatch(diff_id)
    return match.group(1) if match else None


def _encode(diff_id: str, scan: LayerScan) -> dict[str, Any]:
    return {
        "diff_id": diff_id,
        "size": scan.size,
        "tar_bytes": scan.tar_bytes,
        "compression": scan.compression,
        "paths": [entry.path for entry in scan.entries],
        "kinds": [int(entry.kind) for entry in scan.entries],
        "sizes": [entry.size for entry in scan.entries],
        "links": {str(i): entry.link for i, entry in enumerate(scan.entries) if entry.link},
    }


def _decode(value: Any, diff_id: str) -> LayerScan | None:
    """The scan an entry holds; None for anything that is not a whole, sound entry."""
    try:
        if value["diff_id"] != diff_id:
            return None
        paths, kinds, sizes = value["paths"], value["kinds"], value["sizes"]
        links: dict[str, str] = value["links"]
        if not (len(paths) == len(kinds) == len(sizes)) or not isinstance(links, dict):
            return None
        entries = [
            Entry(path, _KINDS[kind], size, links.get(str(i), ""))
            for i, (path, kind, size) in enumerate(zip(paths, kinds, sizes, strict=True))
        ]
        total, tar_bytes, compression = value["size"], value["tar_bytes"], value["compression"]
    except (TypeError, KeyError, ValueError, AttributeError):
        return None
    sound = (
        all(isinstance(e.path, str) and type(e.size) is int and e.size >= 0 for e in entries)
        and all(isinstance(link, str) for link in links.values())
        and type(total) is int
        and type(tar_bytes) is int
        and isinstance(compression, str)
    )
    if not sound:
        return None
    return LayerScan(entries=entries, size=total, compression=compression, tar_bytes=tar_bytes)
