"""Image references, normalised the way the distribution spec (and ``docker pull``) does."""

from __future__ import annotations

import re
from typing import NamedTuple

from dockerlens.lazyre import LazyPattern

DEFAULT_DOMAIN = "docker.io"
OFFICIAL_NAMESPACE = "library"
DEFAULT_TAG = "latest"

_TAG = re.compile(r"^[\w][\w.-]{0,127}$")
_DIGEST = LazyPattern(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$")
_PATH_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")


class ImageRef(NamedTuple):
    domain: str
    path: str
    tag: str | None
    digest: str | None

    @property
    def name(self) -> str:
        return f"{self.domain}/{self.path}"

    @property
    def explicit_tag(self) -> bool:
        return self.tag is not None or self.digest is not None

    def __str__(self) -> str:
        text = self.name
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text


def parse_image_ref(reference: str) -> ImageRef | None:
    """``ubuntu`` -> ``docker.io/library/ubuntu:latest``; ``None`` when it is no valid reference.

    A reference with neither tag nor digest gets the ``latest`` tag, as ``docker pull`` does; use
    :attr:`ImageRef.explicit_tag` on :func:`split_image_ref`'s result to tell the two apart.
    """
    ref = split_image_ref(reference)
    if ref is None or ref.explicit_tag:
        return ref
    return ImageRef(ref.domain, ref.path, DEFAULT_TAG, None)


def split_image_ref(reference: str) -> ImageRef | None:
    """The reference's parts as written, with the domain and namespace filled in."""
    if not reference or reference != reference.strip() or "$" in reference:
        return None
    remainder, _, digest = reference.partition("@")
    if digest and not _DIGEST.match(digest):
        return None
    name, tag = remainder, None
    last_slash = remainder.rfind("/")
    colon = remainder.rfind(":")
    if colon > last_slash:
        name, tag = remainder[:colon], remainder[colon + 1 :]
        if not _TAG.match(tag):
            return None
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost" or first != first.lower()):
        domain, path = first, rest
    else:
        domain, path = DEFAULT_DOMAIN, name
    if domain == "index.docker.io":
        domain = DEFAULT_DOMAIN
    if domain == DEFAULT_DOMAIN and "/" not in path:
        path = f"{OFFICIAL_NAMESPACE}/{path}"
    if not all(_PATH_COMPONENT.match(part) for part in path.split("/")):
        return None
    return ImageRef(domain, path, tag, digest or None)
