"""Image archives and layouts: ``docker save`` tars (legacy and OCI), OCI archives and directories.

A *store* gives access to the named members of an archive or layout directory; the layout code
reads ``manifest.json`` or ``index.json`` from it, and never guesses the layer order.
"""

from __future__ import annotations

import json
import os
import platform as host_platform
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from dockerlens.image.errors import ImageInputError
from dockerlens.image.layerscan import LayerScan
from dockerlens.image.model import BlobStore, LayerRef, ProgressCallback

# The image model lives in image/model.py; these two stay importable from here for code written
# before it moved (explicit re-exports, for mypy --strict).
from dockerlens.image.model import ImageInput as ImageInput
from dockerlens.image.model import Limits as Limits
from dockerlens.image.streams import (
    BoundedFile,
    ChunkStream,
    PrefixedStream,
    sniff_compression,
)
from dockerlens.image.tarstream import (
    DIRECTORY,
    HARDLINK,
    REGULAR,
    SYMLINK,
    TarFormatError,
    TarHeaderReader,
    looks_like_tar_header,
)

#: JSON documents (manifests, configs, indexes) are read into memory: refuse absurd ones.
MAX_JSON_BYTES = 64 << 20
_DIGEST = re.compile(r"^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$")

MEDIA_OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MEDIA_DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MEDIA_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"


def _parse_json(data: bytes, what: str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise ImageInputError(f"{what} is not valid JSON") from None


def _normalize_member(name: str) -> str:
    cleaned = posixpath.normpath("/" + name).lstrip("/")
    return "" if cleaned == "." else cleaned


@dataclass(slots=True)
class _Member:
    offset: int
    size: int
    typeflag: bytes
    linkname: str


class TarFileStore:
    """An uncompressed archive on disk: members are indexed once, layers read on demand."""

    def __init__(self, path: str, description: str, limits: Limits) -> None:
        self.description = description
        self._limits = limits
        try:
            self._file: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed by close()
        except OSError as err:
            raise ImageInputError(f"cannot open {path}: {err.strerror}") from None
        length = os.fstat(self._file.fileno()).st_size
        self._whole = BoundedFile(self._file, 0, length)
        self._members: dict[str, _Member] = {}
        reader = TarHeaderReader(self._whole, seekable=True, what=description)  # type: ignore[arg-type]
        for header in reader:
            name = _normalize_member(header.name)
            if name:
                self._members[name] = _Member(
                    header.offset, header.size, header.typeflag, header.linkname
                )
        if not self._members:
            raise ImageInputError(f"{description} is empty or not a tar archive")

    def close(self) -> None:
        self._file.close()

    def _resolve(self, name: str) -> _Member:
        seen = 0
        current = _normalize_member(name)
        while True:
            member = self._members.get(current)
            if member is None:
                raise ImageInputError(f"{self.description} has no member {name!r}")
            if member.typeflag == SYMLINK:
                target = posixpath.join(posixpath.dirname(current), member.linkname)
            elif member.typeflag == HARDLINK:
                target = member.linkname
            else:
                if member.typeflag not in (REGULAR, b"7"):
                    raise ImageInputError(f"{self.description}: {name!r} is not a file")
                return member
            if target.startswith("/") or posixpath.normpath(target).startswith(".."):
                raise ImageInputError(f"{self.description}: link {name!r} points outside it")
            current = _normalize_member(target)
            seen += 1
            if seen > 16:
                raise ImageInputError(f"{self.description}: link loop at {name!r}")

    def exists(self, name: str) -> bool:
        return _normalize_member(name) in self._members

    def stored_size(self, name: str) -> int | None:
        return self._resolve(name).size

    def read_json(self, name: str) -> Any:
        member = self._resolve(name)
        if member.size > MAX_JSON_BYTES:
            raise ImageInputError(f"{self.description}: {name} is too large to be a manifest")
        data = BoundedFile(self._file, member.offset, member.size).read()
        return _parse_json(data, f"{self.description}: {name}")

    def scan(self, name: str, what: str, digest: Callable[[str], bool] | None = None) -> LayerScan:
        member = self._resolve(name)
        region = BoundedFile(self._file, member.offset, member.size)
        return self._limits.scan(
            region,  # type: ignore[arg-type]
            seekable=True,
            what=what,
            digest=digest,
        )


def _every_path(path: str) -> bool:
    return True


def _looks_like_layer(head: bytes) -> bool:
    return sniff_compression(head) != "none" or looks_like_tar_header(head)


class StreamStore:
    """An archive read once from a stream (the Engine's ``docker save``, a compressed tar).

    Members arrive in any order and ``manifest.json`` usually comes last, so every member that
    looks like a layer is scanned as it passes and every JSON document is kept.
    """

    def __init__(
        self,
        stream: BinaryIO,
        description: str,
        limits: Limits,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.description = description
        self._json: dict[str, bytes] = {}
        self._scans: dict[str, LayerScan] = {}
        self._sizes: dict[str, int] = {}
        self._links: dict[str, str] = {}
        reader = TarHeaderReader(stream, seekable=False, what=description)
        for header in reader:
            name = _normalize_member(header.name)
            if not name:
                continue
            if header.typeflag in (SYMLINK, HARDLINK):
                target = (
                    posixpath.join(posixpath.dirname(name), header.linkname)
                    if header.typeflag == SYMLINK
                    else header.linkname
                )
                if header.linkname.startswith("/") or posixpath.normpath(target).startswith(".."):
                    raise ImageInputError(f"{description}: link {name!r} points outside it")
                self._links[name] = _normalize_member(target)
                continue
            if header.typeflag == DIRECTORY or header.typeflag not in (REGULAR, b"7"):
                continue
            self._sizes[name] = header.size
            head = reader.read_member(512)
            if _looks_like_layer(head) and not name.endswith(".json"):
                member = PrefixedStream(head, reader.member_stream())
                self._scans[name] = limits.scan(
                    member,  # type: ignore[arg-type]
                    seekable=False,
                    what=f"{description}: {name}",
                    digest=_every_path if limits.digest_streamed_content else None,
                )
                if progress is not None:
                    progress(name, header.size)
            elif head.lstrip()[:1] in (b"{", b"[") and header.size <= MAX_JSON_BYTES:
                self._json[name] = head + reader.read_member(header.size)

    def _resolve(self, name: str) -> str:
        current = _normalize_member(name)
        for _ in range(16):
            if current not in self._links:
                return current
            current = self._links[current]
        raise ImageInputError(f"{self.description}: link loop at {name!r}")

    def exists(self, name: str) -> bool:
        resolved = self._resolve(name)
        return resolved in self._sizes

    def stored_size(self, name: str) -> int | None:
        return self._sizes.get(self._resolve(name))

    def read_json(self, name: str) -> Any:
        resolved = self._resolve(name)
        if resolved not in self._json:
            raise ImageInputError(f"{self.description} has no JSON document {name!r}")
        return _parse_json(self._json[resolved], f"{self.description}: {name}")

    def scan(self, name: str, what: str, digest: Callable[[str], bool] | None = None) -> LayerScan:
        """The scan made as the stream passed (``digest`` is ignored: see Limits)."""
        resolved = self._resolve(name)
        if resolved not in self._scans:
            raise ImageInputError(f"{self.description} has no layer {name!r}")
        return self._scans[resolved]


class DirectoryStore:
    """An OCI image layout directory (``oci:DIR``)."""

    def __init__(self, root: str, description: str, limits: Limits) -> None:
        self.description = description
        self._root = os.path.realpath(root)
        self._limits = limits
        if not os.path.isdir(self._root):
            raise ImageInputError(f"{root} is not a directory")

    def _path(self, name: str) -> str:
        normalized = _normalize_member(name)
        path = os.path.realpath(os.path.join(self._root, normalized))
        if os.path.commonpath([path, self._root]) != self._root:
            raise ImageInputError(f"{self.description}: {name!r} points outside the layout")
        return path

    def exists(self, name: str) -> bool:
        return os.path.isfile(self._path(name))

    def stored_size(self, name: str) -> int | None:
        try:
            return os.path.getsize(self._path(name))
        except OSError:
            return None

    def read_json(self, name: str) -> Any:
        path = self._path(name)
        try:
            with open(path, "rb") as file:
                data = file.read(MAX_JSON_BYTES + 1)
        except OSError as err:
            raise ImageInputError(
                f"{self.description}: cannot read {name}: {err.strerror}"
            ) from None
        if len(data) > MAX_JSON_BYTES:
            raise ImageInputError(f"{self.description}: {name} is too large to be a manifest")
        return _parse_json(data, f"{self.description}: {name}")

    def scan(self, name: str, what: str, digest: Callable[[str], bool] | None = None) -> LayerScan:
        path = self._path(name)
        try:
            with open(path, "rb") as file:
                return self._limits.scan(
                    file,
                    seekable=True,
                    what=what,
                    digest=digest,
                )
        except OSError as err:
            raise ImageInputError(f"{what}: cannot read: {err.strerror}") from None


# -- layouts -----------------------------------------------------------------------------------


def blob_path(digest: Any, what: str) -> str:
    """``blobs/<algorithm>/<hex>`` for a descriptor digest, refusing anything path-like."""
    match = _DIGEST.match(digest) if isinstance(digest, str) else None
    if match is None:
        raise ImageInputError(f"{what}: malformed digest {digest!r}")
    return f"blobs/{match.group(1)}/{match.group(2)}"


def short_name(reference: str) -> str:
    """``docker.io/library/busybox:1`` → ``busybox:1``, so names compare as users write them."""
    for prefix in ("docker.io/library/", "docker.io/", "index.docker.io/library/"):
        if reference.startswith(prefix):
            return reference[len(prefix) :]
    return reference


def _matches(selector: str, candidates: list[str]) -> bool:
    wanted = short_name(selector)
    if ":" not in wanted.rsplit("/", 1)[-1] and "@" not in wanted:
        wanted += ":latest"
    return any(short_name(candidate) == wanted for candidate in candidates)


def _diff_ids(config: Any, what: str) -> list[str]:
    rootfs = config.get("rootfs") if isinstance(config, dict) else None
    diff_ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    if not isinstance(diff_ids, list) or not all(isinstance(d, str) for d in diff_ids):
        raise ImageInputError(f"{what}: image config has no rootfs.diff_ids")
    return diff_ids


def _docker_images(store: BlobStore, source: str, selector: str | None) -> list[ImageInput]:
    manifest = store.read_json("manifest.json")
    if not isinstance(manifest, list) or not manifest:
        raise ImageInputError(f"{source}: manifest.json lists no image")
    images: list[ImageInput] = []
    for entry in manifest:
        if not isinstance(entry, dict) or not isinstance(entry.get("Config"), str):
            raise ImageInputError(f"{source}: malformed manifest.json")
        tags = [t for t in entry.get("RepoTags") or [] if isinstance(t, str)]
        if selector is not None and not _matches(selector, tags):
            continue
        config_name = entry["Config"]
        config = store.read_json(config_name)
        diff_ids = _diff_ids(config, source)
        members = entry.get("Layers")
        if not isinstance(members, list) or len(members) != len(diff_ids):
            raise ImageInputError(
                f"{source}: manifest.json lists {len(members or [])} layers "
                f"but the config has {len(diff_ids)} diff_ids"
            )
        layer_sources = entry.get("LayerSources") or {}
        layers = []
        for diff_id, member in zip(diff_ids, members, strict=True):
            described = layer_sources.get(diff_id) if isinstance(layer_sources, dict) else None
            media_type = described.get("mediaType") if isinstance(described, dict) else None
            layers.append(LayerRef(diff_id, member, media_type, store.stored_size(member)))
        config_id = posixpath.basename(config_name)
        if config_id.endswith(".json"):
            config_id = config_id[: -len(".json")]
        image_id = config_id if ":" in config_id else f"sha256:{config_id}"
        ref = short_name(tags[0]) if tags else image_id
        images.append(
            ImageInput(ref, image_id, config, layers, store, source, [short_name(t) for t in tags])
        )
    if not images:
        raise ImageInputError(f"{source} holds no image named {selector}")
    return images


#: Architecture names as uname and distributions spell them, by the name OCI indexes use.
_ARCH_ALIASES = {"x86_64": "amd64", "x86-64": "amd64", "aarch64": "arm64", "i386": "386"}


def host_platform_string() -> str:
    return normalize_platform(f"linux/{host_platform.machine()}")


def normalize_platform(text: str) -> str:
    """os/arch[/variant] as Docker normalises it: lower case, ``x86_64`` is ``amd64``,
    ``aarch64`` is ``arm64``, and arm64's default variant ``v8`` is left out."""
    parts = text.strip().lower().split("/")
    if len(parts) >= 2:
        parts[1] = _ARCH_ALIASES.get(parts[1], parts[1])
        if parts[1] == "arm64" and parts[2:] == ["v8"]:
            parts = parts[:2]
    return "/".join(parts)


def _platform_of(descriptor: dict[str, Any]) -> str | None:
    platform = descriptor.get("platform")
    if not isinstance(platform, dict):
        return None
    parts = [str(platform.get("os", "")), str(platform.get("architecture", ""))]
    if platform.get("variant"):
        parts.append(str(platform["variant"]))
    return "/".join(parts)


def _is_attestation(descriptor: dict[str, Any]) -> bool:
    annotations = descriptor.get("annotations") or {}
    return (
        isinstance(annotations, dict) and "vnd.docker.reference.type" in annotations
    ) or _platform_of(descriptor) == "unknown/unknown"


ALL_PLATFORMS = "all"


def requested_platforms(platform: str | None) -> list[str] | None:
    """``--platform`` as a list of os/arch[/variant]; None for ``all``."""
    if platform is None:
        return []
    if platform.strip().lower() == ALL_PLATFORMS:
        return None
    return [normalize_platform(item) for item in platform.split(",") if item.strip()]


def platform_matches(wanted: str, have: str) -> bool:
    """``linux/arm64`` matches a linux/arm64/v8 image; ``linux/arm/v7`` needs the variant."""
    want = normalize_platform(wanted).split("/")
    return normalize_platform(have).split("/")[: len(want)] == want


def _chosen_from_index(
    candidates: list[dict[str, Any]], platform: str | None, ref: str, source: str
) -> list[dict[str, Any]]:
    """The index entries ``--platform`` asks for: one, each of a list, or all of them."""
    requested = requested_platforms(platform)
    if requested is None:
        return candidates
    offered = ", ".join(sorted({_platform_of(d) or "?" for d in candidates}))
    wanted_list = requested or [host_platform_string()]
    chosen: list[dict[str, Any]] = []
    for wanted in wanted_list:
        matching = [d for d in candidates if platform_matches(wanted, _platform_of(d) or "")]
        if not matching and not requested and len(candidates) == 1:
            matching = candidates
        if not matching:
            raise ImageInputError(
                f"{source}: {ref} has no {wanted} image (it has: {offered}); "
                "pick one with --platform"
            )
        if matching[0] not in chosen:
            chosen.append(matching[0])
    return chosen


def oci_images(
    store: BlobStore,
    source: str,
    descriptor: dict[str, Any],
    ref: str,
    platform: str | None,
    depth: int = 0,
) -> list[ImageInput]:
    """The image a manifest describes, or those ``--platform`` picks from an index."""
    media_type = descriptor.get("mediaType")
    document = store.read_json(blob_path(descriptor.get("digest"), source))
    if not isinstance(document, dict):
        raise ImageInputError(f"{source}: malformed manifest {descriptor.get('digest')}")
    if media_type in (MEDIA_OCI_INDEX, MEDIA_DOCKER_LIST) or "manifests" in document:
        if depth > 2:
            raise ImageInputError(f"{source}: image indexes nested too deep")
        candidates = [
            d
            for d in document.get("manifests") or []
            if isinstance(d, dict) and not _is_attestation(d)
        ]
        images = []
        for chosen in _chosen_from_index(candidates, platform, ref, source):
            for image in oci_images(store, source, chosen, ref, platform, depth + 1):
                image.platform = image.platform or _platform_of(chosen)
                images.append(image)
        return images
    return [_manifest_image(store, source, descriptor, document, ref)]


def _manifest_image(
    store: BlobStore, source: str, descriptor: dict[str, Any], document: Any, ref: str
) -> ImageInput:
    config_descriptor = document.get("config")
    layer_descriptors = document.get("layers")
    if not isinstance(config_descriptor, dict) or not isinstance(layer_descriptors, list):
        raise ImageInputError(f"{source}: manifest {descriptor.get('digest')} is not an image")
    config = store.read_json(blob_path(config_descriptor.get("digest"), source))
    diff_ids = _diff_ids(config, source)
    if len(diff_ids) != len(layer_descriptors):
        raise ImageInputError(
            f"{source}: manifest lists {len(layer_descriptors)} layers "
            f"but the config has {len(diff_ids)} diff_ids"
        )
    layers = []
    for diff_id, layer in zip(diff_ids, layer_descriptors, strict=True):
        if not isinstance(layer, dict):
            raise ImageInputError(f"{source}: malformed layer descriptor")
        member = blob_path(layer.get("digest"), source)
        size = layer.get("size")
        layers.append(
            LayerRef(
                diff_id,
                member,
                layer.get("mediaType"),
                size if isinstance(size, int) else store.stored_size(member),
            )
        )
    image_id = str(config_descriptor.get("digest"))
    return ImageInput(
        ref or image_id, image_id, config, layers, store, source, [ref] if ref else []
    )


def _descriptor_names(descriptor: dict[str, Any]) -> list[str]:
    annotations = descriptor.get("annotations") or {}
    if not isinstance(annotations, dict):
        return []
    names = []
    for key in ("io.containerd.image.name", "org.opencontainers.image.ref.name"):
        value = annotations.get(key)
        if isinstance(value, str) and value:
            names.append(value)
    return names


def _oci_images(
    store: BlobStore, source: str, selector: str | None, platform: str | None
) -> list[ImageInput]:
    index = store.read_json("index.json")
    descriptors = index.get("manifests") if isinstance(index, dict) else None
    if not isinstance(descriptors, list):
        raise ImageInputError(f"{source}: index.json lists no manifest")
    images = []
    for descriptor in descriptors:
        if not isinstance(descriptor, dict) or _is_attestation(descriptor):
            continue
        names = _descriptor_names(descriptor)
        if selector is not None and selector not in names and not _matches(selector, names):
            continue
        ref = short_name(names[0]) if names else ""
        images.extend(oci_images(store, source, descriptor, ref, platform))
    if not images:
        if selector is not None:
            raise ImageInputError(f"{source} holds no image named {selector}")
        raise ImageInputError(f"{source}: index.json lists no image")
    return images


def images_from_store(
    store: BlobStore,
    source: str,
    *,
    prefer: str,
    selector: str | None,
    platform: str | None,
) -> list[ImageInput]:
    """The images of a store: from ``manifest.json`` (docker save) or ``index.json`` (OCI)."""
    has_docker = store.exists("manifest.json")
    has_oci = store.exists("index.json")
    if (prefer == "docker" and has_docker) or (has_docker and not has_oci):
        return _docker_images(store, source, selector)
    if has_oci:
        return _oci_images(store, source, selector, platform)
    raise ImageInputError(
        f"{source} has neither manifest.json nor index.json: not an image archive"
    )


def open_archive(
    path: str,
    source: str,
    limits: Limits,
    progress: ProgressCallback | None = None,
) -> TarFileStore | StreamStore:
    """A store for an archive file; compressed archives are read once as a stream."""
    try:
        with open(path, "rb") as probe:
            head = probe.read(512)
    except OSError as err:
        raise ImageInputError(f"cannot open {path}: {err.strerror or err}") from None
    if sniff_compression(head) == "none":
        if head and not looks_like_tar_header(head):
            raise ImageInputError(
                f"{source} is not a tar archive (nor a gzip or zstd compressed one)"
            )
        try:
            return TarFileStore(path, source, limits)
        except TarFormatError as err:
            raise ImageInputError(str(err)) from None
    from dockerlens.image.streams import open_layer_stream

    with open(path, "rb") as raw:
        stream, _, _ = open_layer_stream(
            raw, seekable=False, what=source, max_bytes=limits.max_layer_bytes
        )
        return StreamStore(stream, source, limits, progress)


def stream_store(
    chunks: Any, source: str, limits: Limits, progress: ProgressCallback | None = None
) -> StreamStore:
    """A store read from an iterator of byte chunks (the Engine API's image export)."""
    return StreamStore(ChunkStream(chunks), source, limits, progress)  # type: ignore[arg-type]
