"""A registry through the distribution (v2) API: ``docker://HOST[:PORT]/NAME[:TAG|@DIGEST]``.

Manifests and configs are fetched; each layer blob is streamed through the same header reader as
archives (gzip and zstd sniffed), never stored. Authentication, TLS and retries are
:mod:`dockerlens.image.registry_http`'s.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.error
from collections.abc import Callable
from typing import Any

from dockerlens.image.archive import (
    MAX_JSON_BYTES,
    MEDIA_DOCKER_LIST,
    MEDIA_DOCKER_MANIFEST,
    MEDIA_OCI_INDEX,
    MEDIA_OCI_MANIFEST,
    oci_images,
    short_name,
)
from dockerlens.image.errors import ImageInputError
from dockerlens.image.layerscan import LayerScan
from dockerlens.image.model import ImageInput, Limits
from dockerlens.image.registry_auth import RegistryOptions
from dockerlens.image.registry_http import ATTEMPTS, RETRY_STATUSES, RegistryHTTP, read_at_most

_MANIFEST_TYPES = ", ".join(
    (MEDIA_OCI_INDEX, MEDIA_DOCKER_LIST, MEDIA_OCI_MANIFEST, MEDIA_DOCKER_MANIFEST)
)


def parse_registry_reference(reference: str) -> tuple[str, str, str]:
    """``host[:port]/name[:tag|@digest]`` → (host, repository, tag or digest)."""
    host, slash, rest = reference.partition("/")
    if not slash or not ("." in host or ":" in host or host == "localhost"):
        host, rest = "registry-1.docker.io", reference
        if "/" not in rest:
            rest = f"library/{rest}"
    if "@" in rest:
        name, _, ref = rest.partition("@")
    else:
        name, colon, tag = rest.rpartition(":")
        if not colon or "/" in tag:
            name, tag = rest, "latest"
        ref = tag
    if not re.fullmatch(r"[a-z0-9]+(?:[._/-][a-z0-9]+)*", name or ""):
        raise ImageInputError(f"docker://{reference}: malformed repository name {name!r}")
    return host, name, ref


class RegistryStore:
    """Blob access to one repository; manifests are tried first, then blobs."""

    def __init__(
        self,
        host: str,
        repository: str,
        description: str,
        limits: Limits,
        options: RegistryOptions | None = None,
    ) -> None:
        self.description = description
        self._http = RegistryHTTP(host, repository, description, options or RegistryOptions())
        self._limits = limits
        self._documents: dict[str, Any] = {}
        self._config_digests: set[str] = set()
        #: times a blob download broke off and was resumed with a Range request
        self.resumed_downloads = 0

    def read_document(self, path: str, limit: int) -> tuple[Any, bytes]:
        """(headers, body) of ``path``: relative to the repository, or to the host when it
        starts with ``/``."""
        return self._http.read_document(path, None, limit)

    def manifest(self, reference: str) -> tuple[str, Any, str]:
        """(media type, document, digest) of a manifest or index by tag or digest."""
        try:
            headers, data = self._http.read_document(
                f"manifests/{reference}", _MANIFEST_TYPES, MAX_JSON_BYTES + 1
            )
            media_type = headers.get("Content-Type", "").split(";")[0]
        except urllib.error.HTTPError as err:
            if err.code == 404:
                raise ImageInputError(
                    f"{self.description}: no such image in the registry"
                ) from None
            if err.code in RETRY_STATUSES:
                raise ImageInputError(
                    f"{self.description}: registry error {err.code} after {ATTEMPTS} attempts"
                ) from None
            raise ImageInputError(f"{self.description}: registry error {err.code}") from None
        if len(data) > MAX_JSON_BYTES:
            raise ImageInputError(f"{self.description}: manifest too large")
        try:
            document = json.loads(data)
        except ValueError:
            raise ImageInputError(f"{self.description}: the manifest is not JSON") from None
        if isinstance(document, dict) and isinstance(document.get("mediaType"), str):
            media_type = document["mediaType"]
        return media_type, document, "sha256:" + hashlib.sha256(data).hexdigest()

    def remember(self, digest: str, document: Any) -> None:
        self._documents[f"blobs/{digest.replace(':', '/')}"] = document
        self._note_config(document)

    def _note_config(self, document: Any) -> None:
        """A manifest names its config: that digest is a blob, not a manifest (distribution
        answers a manifest request for it with a 500, which would be retried in vain)."""
        config = document.get("config") if isinstance(document, dict) else None
        if isinstance(config, dict) and isinstance(config.get("digest"), str):
            self._config_digests.add(config["digest"])

    @staticmethod
    def _digest(name: str) -> str:
        parts = name.split("/")
        return f"{parts[1]}:{parts[2]}"

    def exists(self, name: str) -> bool:
        return True

    def stored_size(self, name: str) -> int | None:
        return None

    def read_json(self, name: str) -> Any:
        if name in self._documents:
            return self._documents[name]
        digest = self._digest(name)
        document = None
        if digest not in self._config_digests:
            try:
                _, document, _ = self.manifest(digest)
            except ImageInputError:
                document = None
        if document is None:
            document = self._json_blob(digest)
        self._documents[name] = document
        self._note_config(document)
        return document

    def _json_blob(self, digest: str) -> Any:
        try:
            # A config is a blob like a layer: a dropped download resumes the same way.
            with self._http.blob(digest, f"{self.description}: blob {digest}", None) as blob:
                data = read_at_most(blob, MAX_JSON_BYTES + 1)
        except urllib.error.HTTPError as err:
            if err.code in RETRY_STATUSES:
                raise ImageInputError(
                    f"{self.description}: blob {digest}: registry error {err.code} "
                    f"after {ATTEMPTS} attempts"
                ) from None
            raise ImageInputError(f"{self.description}: blob {digest}: {err.code}") from None
        if len(data) > MAX_JSON_BYTES:
            raise ImageInputError(f"{self.description}: blob {digest} too large") from None
        try:
            return json.loads(data)
        except ValueError:
            raise ImageInputError(f"{self.description}: blob {digest} is not JSON") from None

    def scan(self, name: str, what: str, digest: Callable[[str], bool] | None = None) -> LayerScan:
        blob = self._digest(name)
        try:
            stream = self._http.blob(blob, what, None)
        except urllib.error.HTTPError as err:
            raise ImageInputError(f"{what}: registry error {err.code}") from None
        with stream:
            scan = self._limits.scan(
                stream,  # type: ignore[arg-type]
                seekable=False,
                what=what,
                digest=digest,
            )
        self.resumed_downloads += stream.resumed
        return scan


def registry_images(
    reference: str,
    limits: Limits,
    *,
    platform: str | None,
    options: RegistryOptions | None = None,
) -> list[ImageInput]:
    host, repository, ref = parse_registry_reference(reference)
    source = f"docker://{reference}"
    store = RegistryStore(host, repository, source, limits, options)
    media_type, document, digest = store.manifest(ref)
    store.remember(digest, document)
    descriptor = {"mediaType": media_type, "digest": digest}
    return oci_images(store, source, descriptor, short_name(reference), platform)


#: Entries asked for per page of the catalog and of a tag list (registries may send fewer).
_PAGE_SIZE = 1000


def _listing(store: RegistryStore, path: str, key: str) -> list[str]:
    """Every entry of a paged list (``/v2/_catalog``, ``tags/list``), following ``Link`` headers."""
    entries: list[str] = []
    next_path: str | None = path
    while next_path is not None:
        try:
            headers, data = store.read_document(next_path, MAX_JSON_BYTES + 1)
            link = headers.get("Link", "")
        except urllib.error.HTTPError as err:
            raise ImageInputError(f"{store.description}: registry error {err.code}") from None
        try:
            page = json.loads(data) if len(data) <= MAX_JSON_BYTES else None
        except ValueError:
            page = None
        values = page.get(key) if isinstance(page, dict) else None
        if values is None and isinstance(page, dict) and key in page:
            values = []  # distribution sends "tags": null for a repository without tags
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ImageInputError(f"{store.description}: the registry's {key} list is malformed")
        entries.extend(values)
        found = re.search(r'<([^>]+)>\s*;\s*rel="?next"?', link)
        next_path = found.group(1) if found else None
        if next_path is not None and "://" in next_path:
            next_path = "/" + next_path.split("://", 1)[1].partition("/")[2]
    return entries


def catalog_repositories(
    host: str, limits: Limits, options: RegistryOptions | None = None
) -> list[str]:
    """The repositories the registry at ``host`` lists in its catalog (``GET /v2/_catalog``)."""
    store = RegistryStore(host, "", f"docker://{host}/", limits, options)
    return _listing(store, f"/v2/_catalog?n={_PAGE_SIZE}", "repositories")


def repository_tags(
    host: str, repository: str, limits: Limits, options: RegistryOptions | None = None
) -> list[str]:
    """The tags of one repository (``GET /v2/NAME/tags/list``)."""
    store = RegistryStore(host, repository, f"docker://{host}/{repository}", limits, options)
    return _listing(store, f"tags/list?n={_PAGE_SIZE}", "tags")
