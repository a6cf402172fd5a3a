"""The documented `analyze` commands that name engine images, run on real engine images.

tests/test_doc_commands.py runs every documented command with engine image names replaced by
archives; here those names become images built FROM scratch in the local engine (unique tags,
removed at the end), so the engine path the docs show runs as shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.test_doc_commands import (
    COMMANDS,
    ENGINE_IMAGES,
    DocCommand,
    archive_sources,
    isolated_env,
    make_project,
    run_documented,
)

pytestmark = pytest.mark.docker

ENGINE_COMMANDS = [
    c for c in COMMANDS if c.argv[:1] == ("analyze",) and ENGINE_IMAGES & set(c.argv)
]


@pytest.fixture(scope="module")
def engine_images(image_builder: Any) -> dict[str, str]:
    """Each engine image name the docs use -> a tag of a real image in the engine (one image,
    a tag per name; the builder removes them all at the end)."""
    dockerfile = (
        "FROM scratch\nCOPY busybox /bin/busybox\n"
        'RUN ["/bin/busybox", "sh", "-c", "echo x > /tmp-file && /bin/busybox rm /tmp-file"]\n'
    )
    built = image_builder.build("doc", dockerfile)
    image = image_builder.client.images.get(built)
    tags = {}
    for number, name in enumerate(sorted(ENGINE_IMAGES)):
        repository, tag = f"dockerlens-test-doc-{number}", image_builder.session
        image.tag(repository, tag)
        image_builder.built.append(f"{repository}:{tag}")
        tags[name] = f"{repository}:{tag}"
    return tags


def test_some_documented_commands_need_the_engine() -> None:
    assert len(ENGINE_COMMANDS) >= 5


@pytest.mark.parametrize("command", ENGINE_COMMANDS, ids=lambda c: c.where)
def test_documented_engine_command_runs(
    command: DocCommand, engine_images: dict[str, str], tmp_path: Path
) -> None:
    project = make_project(tmp_path / "project")
    images = {**archive_sources(project), **engine_images}
    run_documented(command, project, images, isolated_env(tmp_path))
