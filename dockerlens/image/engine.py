"""The local Docker Engine, through docker-py: honours ``DOCKER_HOST`` and docker contexts.

The image is exported with the Engine API's ``GET /images/{id}/get`` and read as it streams in;
nothing is written to disk.
"""

from __future__ import annotations

import dataclasses
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


#: The diff_id of a layer that changes nothing (an empty tar: 1,024 zero bytes).
EMPTY_LAYER_DIFF_ID = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"


def pair_history(steps: list[tuple[str | None, int]], diff_ids: list[str]) -> list[int | None]:
    """Which history step (``(created_by, size)``, oldest first) made each layer; None where the
    history allows more than one answer.

    The Engine API's history does not say which steps made a layer. What is known: a step with
    bytes made one; a metadata instruction (ENV, LABEL...) with none made none; a layer with the
    empty diff_id came from a 0-byte step. A 0-byte RUN or COPY is the open question: BuildKit
    keeps its layer, the legacy builder drops it. Every pairing that respects those facts is
    considered, and a layer is paired only when all of them agree on its step.
    """
    candidates = [
        index
        for index, (created_by, size) in enumerate(steps)
        if size > 0 or not _METADATA_ONLY.match(created_by or "")
    ]
    count, layers = len(candidates), len(diff_ids)

    def may_pair(position: int, layer: int) -> bool:
        return diff_ids[layer] != EMPTY_LAYER_DIFF_ID or steps[candidates[position]][1] == 0

    def may_skip(position: int) -> bool:
        return steps[candidates[position]][1] == 0

    # ahead[p][j]: candidates[p:] can make layers[j:]; behind[p][j]: candidates[:p] made layers[:j]
    ahead = [[False] * (layers + 1) for _ in range(count + 1)]
    ahead[count][layers] = True
    for position in range(count - 1, -1, -1):
        for layer in range(layers, -1, -1):
            ahead[position][layer] = (may_skip(position) and ahead[position + 1][layer]) or (
                layer < layers and may_pair(position, layer) and ahead[position + 1][layer + 1]
            )
    behind = [[False] * (layers + 1) for _ in range(count + 1)]
    behind[0][0] = True
    for position in range(count):
        for layer in range(layers + 1):
            if not behind[position][layer]:
                continue
            if may_skip(position):
                behind[position + 1][layer] = True
            if layer < layers and may_pair(position, layer):
                behind[position + 1][layer + 1] = True
    paired: list[int | None] = []
    for layer in range(layers):
        choices = [
            candidates[position]
            for position in range(count)
            if behind[position][layer]
            and may_pair(position, layer)
            and ahead[position + 1][layer + 1]
        ]
        paired.append(choices[0] if len(choices) == 1 else None)
    return paired


def _metadata_image(client: Any, reference: str, attrs: dict[str, Any]) -> ImageInput:
    """Layers, sizes and history from ``inspect`` and ``history`` alone."""
    diff_ids = list((attrs.get("RootFS") or {}).get("Layers") or [])
    history = list(reversed(client.api.history(attrs["Id"])))
    steps = [(entry.get("CreatedBy"), int(entry.get("Size") or 0)) for entry in history]
    paired = pair_history(steps, diff_ids)
    layers = []
    config_history = []
    for diff_id, step in zip(diff_ids, paired, strict=True):
        if step is None:
            size = 0 if diff_id == EMPTY_LAYER_DIFF_ID else None
            layers.append(LayerRef(diff_id, "", None, size))
            config_history.append({"created_by": None})
        else:
            layers.append(LayerRef(diff_id, "", None, steps[step][1]))
            config_history.append({"created_by": steps[step][0]})
    config = {
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": config_history,
        "os": attrs.get("Os"),
        "architecture": attrs.get("Architecture"),
        "variant": attrs.get("Variant"),
    }
    tags = [short_name(t) for t in attrs.get("RepoTags") or []]
    unpaired = paired.count(None)
    note = None
    if unpaired:
        note = (
            f"the engine's history of {reference} allows more than one pairing with its layers: "
            f"{unpaired} of {len(diff_ids)} layers left without an instruction "
            "(run without --layers-only to read the image's own history)"
        )
    return ImageInput(
        short_name(reference),
        attrs["Id"],
        config,
        layers,
        None,
        f"docker-daemon:{reference}",
        tags,
        history_note=note,
    )


def engine_images(
    reference: str,
    limits: Limits,
    *,
    metadata_only: bool = False,
    progress: ProgressCallback | None = None,
) -> list[ImageInput]:
    """The engine's image ``reference``, its layers read from the streamed export."""
    if metadata_only:
        client = engine_client()
        return [_metadata_image(client, reference, _inspect(client, reference))]
    return engine_images_together([reference], limits, progress=progress)


def engine_images_together(
    references: list[str], limits: Limits, *, progress: ProgressCallback | None = None
) -> list[ImageInput]:
    """The engine's images ``references`` (one each, in order) from one export, in which the
    layers they share are sent, and read, once."""
    from docker.errors import DockerException

    client = engine_client()
    attributes = [_inspect(client, reference) for reference in references]
    image_ids = list(dict.fromkeys(attrs["Id"] for attrs in attributes))
    source = " + ".join(f"docker-daemon:{reference}" for reference in references)
    try:
        if len(image_ids) == 1:
            chunks = client.api.get_image(image_ids[0], chunk_size=_CHUNK)
        else:
            # docker-py exports one image per call; the Engine API takes several names.
            response = client.api._get(
                client.api._url("/images/get"), params={"names": image_ids}, stream=True
            )
            client.api._raise_for_status(response)
            chunks = response.iter_content(_CHUNK)
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
    exported = images_from_store(store, source, prefer="docker", selector=None, platform=None)
    found = []
    for reference, attrs in zip(references, attributes, strict=True):
        matches = [image for image in exported if image.id == attrs["Id"] or len(exported) == 1]
        if not matches:
            raise ImageInputError(
                f"docker-daemon:{reference}: the engine's export does not hold image {attrs['Id']}"
            )
        found.append(
            dataclasses.replace(
                matches[0],
                ref=short_name(reference),
                tags=[short_name(t) for t in attrs.get("RepoTags") or []],
                source=f"docker-daemon:{reference}",
            )
        )
    return found
