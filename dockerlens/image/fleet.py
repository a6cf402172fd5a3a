"""Many images at once (``analyze --layers-only`` over a fleet): a registry's catalog and a list
file turned into sources, and their manifests and configs read by a bounded pool of threads.

Only metadata is read: no layer blob is fetched, and an image keeps its config and layer list,
not the store it came from, so memory grows by tens of kilobytes per image whatever the images
weigh. Sources keep the order they were given in (a catalog: its repositories in the order it
lists them, the tags of each sorted).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from dockerlens.errors import UserError
from dockerlens.image.errors import ImageInputError
from dockerlens.image.model import ImageInput, Limits
from dockerlens.image.sources import SourceSpec, check_platform, open_source

if TYPE_CHECKING:
    from dockerlens.image.registry_auth import RegistryOptions

#: Sources read at once by default: the work is waiting on HTTP, not computing.
DEFAULT_JOBS = 8

_Item = TypeVar("_Item")
_Result = TypeVar("_Result")


def read_source_list(path: str) -> list[tuple[int, str]]:
    """The sources of a list file (``-``: standard input) with their line numbers: one per
    line; blank lines and lines starting with ``#`` are skipped, surrounding spaces are not part
    of a source."""
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as file:
                text = file.read()
    except OSError as err:
        raise UserError(f"--from-file {path}: cannot read: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise UserError(f"--from-file {path}: not UTF-8 text") from None
    lines = ((number, line.strip()) for number, line in enumerate(text.splitlines(), 1))
    return [(number, line) for number, line in lines if line and not line.startswith("#")]


@contextlib.contextmanager
def named_at(spec: SourceSpec, origins: Mapping[SourceSpec, str] | None) -> Iterator[None]:
    """An error about ``spec`` starts with where it was named (``list.txt:4: ...``)."""
    try:
        yield
    except ImageInputError as err:
        origin = origins.get(spec) if origins else None
        if origin is None:
            raise
        raise ImageInputError(f"{origin}: {err}") from None


def _in_pool(work: Callable[[_Item], _Result], items: Iterable[_Item], jobs: int) -> list[_Result]:
    """``work`` over ``items`` by ``jobs`` threads, results in order; the first error stops it
    (what has not started is cancelled) and is raised."""
    items = list(items)
    if jobs <= 1 or len(items) <= 1:
        return [work(item) for item in items]
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="dockerlens-fleet")
    try:
        results = list(pool.map(work, items))
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return results


def expand_catalogs(
    specs: list[SourceSpec],
    limits: Limits,
    jobs: int,
    registry: RegistryOptions | None = None,
) -> list[SourceSpec]:
    """Each ``docker://HOST/`` replaced by every ``HOST/REPOSITORY:TAG`` its catalog lists."""
    from dockerlens.image.registry import catalog_repositories, repository_tags

    expanded: list[SourceSpec] = []
    for spec in specs:
        if not spec.is_catalog:
            expanded.append(spec)
            continue
        host = spec.location.rstrip("/")
        repositories = catalog_repositories(host, limits, registry)
        tags_of = partial(repository_tags, host, limits=limits, options=registry)
        tag_lists = _in_pool(tags_of, repositories, jobs)
        for repository, tags in zip(repositories, tag_lists, strict=True):
            expanded.extend(
                SourceSpec("docker", f"{host}/{repository}:{tag}") for tag in sorted(tags)
            )
    return expanded


def open_metadata(
    specs: list[SourceSpec],
    limits: Limits,
    *,
    platform: str | None,
    jobs: int,
    registry: RegistryOptions | None = None,
    origins: Mapping[SourceSpec, str] | None = None,
) -> list[ImageInput]:
    """The images of ``specs`` from their manifests and configs, ``jobs`` sources at a time.
    ``origins``: where a source was named (``LIST:LINE``), said first in its errors."""

    def open_one(spec: SourceSpec) -> list[ImageInput]:
        with named_at(spec, origins):
            images = open_source(
                spec, limits, platform=platform, metadata_only=True, registry=registry
            )
            check_platform(images, platform, str(spec))
        for image in images:
            image.store = None  # its blobs are never read: let the store and its cache go
        return images

    return [image for images in _in_pool(open_one, specs, jobs) for image in images]
