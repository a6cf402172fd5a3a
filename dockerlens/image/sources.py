"""Image references as skopeo spells them, turned into :class:`ImageInput` objects.

* ``NAME[:TAG]`` or ``docker-daemon:NAME[:TAG]``: the local Docker Engine (docker-py);
* ``docker-archive:PATH[:NAME:TAG]``: ``docker save`` output, legacy or OCI layout;
* ``oci-archive:PATH[:REF]`` and ``oci:DIR[:REF]``: OCI image layouts;
* ``docker://HOST/NAME:TAG``: a registry (v2 API); ``docker://HOST/``: every tag of every
  repository in its catalog (:mod:`dockerlens.image.fleet` lists them).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dockerlens.image.archive import (
    DirectoryStore,
    images_from_store,
    open_archive,
    platform_matches,
    requested_platforms,
)
from dockerlens.image.errors import ImageInputError
from dockerlens.image.model import ImageInput, Limits, ProgressCallback

if TYPE_CHECKING:
    from dockerlens.image.registry_auth import RegistryOptions

TRANSPORTS = ("docker-archive", "oci-archive", "oci", "docker-daemon", "docker")


@dataclass(frozen=True, slots=True)
class SourceSpec:
    transport: str
    #: a file or directory for archives and layouts, the image reference otherwise
    location: str
    #: the image picked inside an archive or layout holding several
    selector: str | None = None

    @property
    def is_catalog(self) -> bool:
        """``docker://HOST[:PORT]/``: a registry named without a repository."""
        host, slash, rest = self.location.partition("/")
        return self.transport == "docker" and bool(host and slash) and not rest

    def __str__(self) -> str:
        if self.transport == "docker":
            return f"docker://{self.location}"
        text = f"{self.transport}:{self.location}"
        return f"{text}:{self.selector}" if self.selector else text


def _split_path(rest: str, transport: str) -> tuple[str, str | None]:
    """``PATH[:REF]``: the longest prefix that exists on disk is the path (paths may hold ':')."""
    pieces = rest.split(":")
    for count in range(len(pieces), 0, -1):
        candidate = ":".join(pieces[:count])
        if candidate and os.path.exists(candidate):
            selector = ":".join(pieces[count:]) or None
            return candidate, selector
    raise ImageInputError(f"{transport}: no such file or directory: {pieces[0] or rest!r}")


def parse_source(text: str) -> SourceSpec:
    """Parse one image argument."""
    if not text:
        raise ImageInputError("empty image reference")
    if text.startswith("docker://"):
        return SourceSpec("docker", text[len("docker://") :])
    transport, colon, rest = text.partition(":")
    if colon and transport in ("docker-archive", "oci-archive", "oci"):
        path, selector = _split_path(rest, transport)
        return SourceSpec(transport, path, selector)
    if colon and transport == "docker-daemon":
        return SourceSpec("docker-daemon", rest)
    if colon and transport in ("docker-tar", "tar", "file", "dir", "containers-storage"):
        raise ImageInputError(
            f"unsupported transport {transport!r}: use docker-archive:, oci-archive:, oci:, "
            "docker:// or an engine image name"
        )
    return SourceSpec("docker-daemon", text)


def files_read(texts: Iterable[str]) -> list[str]:
    """The archive files and OCI layout folders that image arguments name (what a report must
    never overwrite)."""
    paths = []
    for text in texts:
        try:
            spec = parse_source(text)
        except ImageInputError:
            continue  # reported when the run reads it
        if spec.transport in ("docker-archive", "oci-archive", "oci"):
            paths.append(spec.location)
    return paths


def open_source(
    spec: SourceSpec,
    limits: Limits,
    *,
    platform: str | None = None,
    metadata_only: bool = False,
    progress: ProgressCallback | None = None,
    registry: RegistryOptions | None = None,
) -> list[ImageInput]:
    """The images a source holds (several for a multi-image archive without a selector, or for
    several platforms of an index)."""
    if spec.transport == "docker-daemon":
        from dockerlens.image.engine import engine_images

        try:
            return engine_images(
                spec.location, limits, metadata_only=metadata_only, progress=progress
            )
        except ImageInputError as err:
            if os.path.isfile(spec.location):
                raise ImageInputError(f"{err}; {_file_hint(spec.location)}") from None
            raise
    if spec.is_catalog:
        raise ImageInputError(
            f"{spec} names a registry's whole catalog: only `dockerlens analyze` reads one"
        )
    if spec.transport == "docker":
        from dockerlens.image.registry import registry_images

        images: list[ImageInput] = registry_images(
            spec.location, limits, platform=platform, options=registry
        )
        return images
    if spec.transport == "oci":
        store = DirectoryStore(spec.location, str(spec), limits)
        return images_from_store(
            store, str(spec), prefer="oci", selector=spec.selector, platform=platform
        )
    if os.path.isdir(spec.location):
        raise ImageInputError(f"{spec}: {spec.location} is a directory (use oci:{spec.location})")
    archive = open_archive(spec.location, str(spec), limits, progress)
    prefer = "docker" if spec.transport == "docker-archive" else "oci"
    return images_from_store(
        archive, str(spec), prefer=prefer, selector=spec.selector, platform=platform
    )


def _file_hint(path: str) -> str:
    """What to write for a file given without a transport (a name is first an engine image)."""
    from dockerlens.image.tarstream import looks_like_tar_header

    try:
        with open(path, "rb") as file:
            head = file.read(512)
    except OSError:
        head = b""
    hint = (
        f"{path} is a file: to read it as an archive, write docker-archive:{path} "
        f"(docker save) or oci-archive:{path} (an OCI layout)"
    )
    from dockerlens.image.streams import sniff_compression

    if sniff_compression(head) == "none" and not looks_like_tar_header(head):
        hint += f", though {path} is not a tar archive"
    return hint


def platform_of(image: ImageInput) -> str:
    """os/arch[/variant]: from the index that led to the image, else from its config."""
    if image.platform is not None:
        return image.platform
    config = image.config
    parts = [str(config.get("os") or "?"), str(config.get("architecture") or "?")]
    if config.get("variant"):
        parts.append(str(config["variant"]))
    return "/".join(parts)


def check_platform(images: list[ImageInput], platform: str | None, source: str) -> None:
    """``--platform`` that none of a source's images is for is an error, not ignored; so is
    each platform of a list that none is for."""
    requested = requested_platforms(platform)
    if not requested:
        return
    have = {platform_of(image) for image in images}
    for wanted in requested:
        if not any(platform_matches(wanted, platform) for platform in have):
            offered = ", ".join(sorted(have))
            raise ImageInputError(f"{source}: no image for --platform {wanted} (it has: {offered})")
