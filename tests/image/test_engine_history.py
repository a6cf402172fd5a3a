"""``analyze --layers-only`` pairs the Engine API's history with the layers of images built by
both builders, FROM scratch with empty RUN steps: the legacy builder drops a RUN that changed
nothing, BuildKit keeps it as an empty layer."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dockerlens.cli import cli
from tests.cli_runner import CliRunner
from tests.image.conftest import ImageBuilder, buildkit_client

pytestmark = pytest.mark.docker

EMPTY_STEPS = """\
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "true"]
ENV A=1
RUN ["/bin/busybox", "true"]
COPY note.txt /note.txt
RUN ["/bin/busybox", "true"]
"""
NOTE = b"hello\n"


def analyze_json(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["analyze", "-q", "-f", "json", *args])
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


@pytest.fixture(scope="module")
def legacy_image(image_builder: ImageBuilder) -> str:
    return image_builder.build("empty-steps-legacy", EMPTY_STEPS, {"note.txt": NOTE})


@pytest.fixture(scope="module")
def buildkit_image(
    docker_client: Any, busybox: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    client = buildkit_client()
    context = tmp_path_factory.mktemp("buildkit-context")
    shutil.copy(busybox, context / "busybox")
    (context / "note.txt").write_bytes(NOTE)
    (context / "Dockerfile").write_text(EMPTY_STEPS)
    tag = f"dockerlens-test-empty-steps-buildkit:{uuid.uuid4().hex[:8]}"
    build = subprocess.run(
        [client, "build", "-q", "--network=none", "-t", tag, str(context)],
        env={**os.environ, "DOCKER_BUILDKIT": "1"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    yield tag
    with contextlib.suppress(Exception):
        docker_client.images.remove(tag, force=True)


def check_pairing(tag: str, expected: list[tuple[str, bool]], busybox: str) -> None:
    """``expected``: per layer, the instruction and whether the layer holds bytes."""
    full = analyze_json(tag)["images"][0]
    metadata = analyze_json("--layers-only", tag)["images"][0]
    # The image's own config (read in full) marks empty steps; --layers-only must agree with it.
    instructions = [layer["instruction"] for layer in full["layers"]]
    assert [instruction for instruction, _ in expected] == instructions
    assert [layer["instruction"] for layer in metadata["layers"]] == instructions
    assert metadata["history_matches_layers"] is True
    assert metadata["history_note"] is None
    sizes = [layer["size"] for layer in metadata["layers"]]
    assert [size > 0 for size in sizes] == [has_bytes for _, has_bytes in expected]
    assert sizes[0] == Path(busybox).stat().st_size
    assert len(NOTE) in sizes
    text = CliRunner().invoke(cli, ["analyze", "-q", "--layers-only", tag]).stdout
    assert "(missing)" not in text and "note:" not in text


def test_legacy_builder_history_pairs_with_its_layers(legacy_image: str, busybox: str) -> None:
    full = analyze_json(legacy_image)["images"][0]
    assert len(full["layers"]) == 2  # the empty RUNs made no layer
    assert [layer["instruction"].split(" ")[0] for layer in full["layers"]] == ["COPY", "COPY"]
    check_pairing(legacy_image, [(i["instruction"], True) for i in full["layers"]], busybox)


def test_buildkit_history_pairs_with_its_layers(buildkit_image: str, busybox: str) -> None:
    check_pairing(
        buildkit_image,
        [
            ("COPY busybox /bin/busybox", True),
            ("RUN /bin/busybox true", False),
            ("RUN /bin/busybox true", False),
            ("COPY note.txt /note.txt", True),
            ("RUN /bin/busybox true", False),
        ],
        busybox,
    )


AMBIGUOUS_STEPS = """\
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "mkdir", "/d"]
RUN ["/bin/busybox", "true"]
COPY note.txt /note.txt
"""


def test_a_layer_two_steps_could_have_made_is_said_so(image_builder: ImageBuilder) -> None:
    # The legacy builder keeps mkdir's layer (0 bytes of content, not the empty tar) and drops
    # the empty RUN: from the Engine API's history alone either 0-byte RUN could own the layer.
    tag = image_builder.build("ambiguous-steps-legacy", AMBIGUOUS_STEPS, {"note.txt": NOTE})
    full = analyze_json(tag)["images"][0]
    assert full["layers"][1]["instruction"] == "/bin/busybox mkdir /d"  # the config knows
    metadata = analyze_json("--layers-only", tag)["images"][0]
    layers = metadata["layers"]
    assert [layer["created_by"] is not None for layer in layers] == [True, False, True]
    assert layers[1]["stored_size"] is None
    assert layers[2]["size"] == len(NOTE)
    assert metadata["history_matches_layers"] is False
    assert "1 of 3 layers left without an instruction" in metadata["history_note"]
    text = CliRunner().invoke(cli, ["analyze", "-q", "--layers-only", tag]).stdout
    assert "note: the engine's history of" in text
    assert any(line.split()[:2] == ["1", "?"] for line in text.splitlines())
