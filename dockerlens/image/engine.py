"""The local Docker Engine, through docker-py: honours ``DOCKER_HOST`` and docker contexts.

The image is exported with the Engine API's ``GET /images/{id}/get`` and read as it streams in;
nothing is written to disk.
"""

from __future__ import annotations

import os
import re
from typing import Any

from dockerlens.image.archive import images_from_store, short_name, stream_store
from dockerlens.image.errors import ImageInputError
from dockerlens.image.model import ImageInput, LayerRef, Limits, ProgressCallback

_CHUNK = 1 << 20
_METADATA_ONLY = re.compile(
    r"^(?:/bin/sh -c #\(nop\) +)?(?:ENV|LABEL|CMD|ENTRYPOINT|EXPOSE|USER|VOLUME|ARG|STOPSIGNAL|"
    r"HEALTHCHECK|SHELL|ONBUILD|MAINTAINER)\b"
)


def _describe(err: BaseException) -> str:
    text = str(err)
    if "Permission denied" in text or isinstance(err, PermissionError):
        return (
            "permission denied on the Docker Engine socket "
            "(join the docker group or set DOCKER_HOST)"
        )
    if any(
        marker in text
        for marker in ("No such file", "Connection refused", "Connection aborted", "connect")
    ):
        host = os.environ.get("DOCKER_HOST", "the default socket")
        return f"cannot reach a Docker Engine at {host} (is dockerd running?)"
    first_line = text.strip().splitlines()[0] if text.strip() else type(err).__name__
    return f"Docker Engine error: {first_line}"


def engine_client() -> Any:
    """A docker-py client for ``DOCKER_HOST``, else the current docker context, else the default."""
    import docker
    from docker.errors import DockerException

    try:
        if not os.environ.get("DOCKER_HOST"):
            from docker.context import ContextAPI

            name = os.environ.get("DOCKER_CONTEXT") or None
            context = ContextAPI.get_context(name)  # no name: the CLI's current context
            if context is None and name:
                raise ImageInputError(f"docker context {name!r} does not exist")
            if context is not None and context.Name != "default" and context.Host:
                return docker.DockerClient(base_url=context.Host, tls=context.TLSConfig or False)
        return docker.from_env()
    except DockerException as err:
        raise ImageInputError(_describe(err)) from None
    except OSError as err:
        raise ImageInputError(_describe(err)) from None


def _inspect(client: Any, reference: str) -> dict[str, Any]:
    from docker.errors import DockerException, ImageNotFound

    try:
        attrs: dict[str, Any] = client.api.inspect_image(reference)
    except ImageNotFound:
        raise ImageInputError(f"no image {reference!r} in the Docker Engine") from None
    except DockerException as err:
        raise ImageInputError(_describe(err)) from None
    except OSError as err:
        raise ImageInputError(_describe(err)) from None
    return attrs


def _metadata_image(client: Any, reference: str, attrs: dict[str, Any]) -> ImageInput:
    """Layers, sizes and history from ``inspect`` and ``history`` alone."""
    diff_ids = list((attrs.get("RootFS") or {}).get("Layers") or [])
    history = list(reversed(client.api.history(attrs["Id"])))
    if len(history) == len(diff_ids):
        with_layers = history
    else:
        with_layers = [
            h
            for h in history
            if h.get("Size", 0) > 0 or not _METADATA_ONLY.match(h.get("CreatedBy") or "")
        ]
    matched = len(with_layers) == len(diff_ids)
    layers = []
    config_history = []
    for index, diff_id in enumerate(diff_ids):
        entry = with_layers[index] if matched else {}
        layers.append(LayerRef(diff_id, "", None, entry.get("Size")))
        config_history.append({"created_by": entry.get("CreatedBy")})
    config = {"rootfs": {"type": "layers", "diff_ids": diff_ids}, "history": config_history}
    tags = [short_name(t) for t in attrs.get("RepoTags") or []]
    return ImageInput(
        short_name(reference), attrs["Id"], config, layers, None, f"docker-daemon:{reference}", tags
    )


def engine_images(
    reference: str,
    limits: Limits,
    *,
    metadata_only: bool = False,
    progress: ProgressCallback | None = None,
) -> list[ImageInput]:
    """The engine's image ``reference``, its layers read from the streamed export."""
    from docker.errors import DockerException

    client = engine_client()
    attrs = _inspect(client, reference)
    if metadata_only:
        return [_metadata_image(client, reference, attrs)]
    image_id = attrs["Id"]
    source = f"docker-daemon:{reference}"
    try:
        chunks = client.api.get_image(image_id, chunk_size=_CHUNK)
        store = stream_store(chunks, source, limits, progress)
    except DockerException as err:
        raise ImageInputError(_describe(err)) from None
    except OSError as err:
        raise ImageInputError(_describe(err)) from None
    except Exception as err:
        # requests' own errors (a dropped connection mid-stream) do not derive from OSError.
        if type(err).__module__.startswith(("requests", "urllib3")):
            raise ImageInputError(f"{source}: the export stream broke off ({err})") from None
        raise
    images = images_from_store(store, source, prefer="docker", selector=None, platform=None)
    for image in images:
        if image.id == image_id or len(images) == 1:
            image.ref = short_name(reference)
            image.tags = [short_name(t) for t in attrs.get("RepoTags") or []]
            return [image]
    raise ImageInputError(f"{source}: the engine's export does not hold image {image_id}")
