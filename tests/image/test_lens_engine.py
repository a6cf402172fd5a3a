"""The lens on real images: fixtures/lens/app built by the engine with the legacy builder and
with BuildKit, every layer traced to its exact line and every priced finding's exact bytes."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dockerlens.cli import cli
from tests.cli_runner import CliRunner
from tests.image.conftest import buildkit_client, measured_bytes

pytestmark = pytest.mark.docker

APP = Path(__file__).parents[2] / "fixtures" / "lens" / "app"
DOCKERFILE = APP / "Dockerfile"
APP_TXT = (APP / "app.txt").read_bytes()
SETUP_SH = (APP / "setup.sh").read_bytes()
APT_LISTS, PIP_CACHE, BUILD_LOG, SETUP_CACHE = 12345, 4321, 30000, 2500


def _vendor_tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        info = tarfile.TarInfo("lib/vendor.so")
        info.size, info.mtime = 7000, 1_700_000_000
        archive.addfile(info, io.BytesIO(b"v" * 7000))
    return buffer.getvalue()


def _assets_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(zipfile.ZipInfo("assets/logo.svg", (2024, 1, 1, 0, 0, 0)), b"a" * 3000)
    return buffer.getvalue()


VENDOR_TAR, ASSETS_ZIP = _vendor_tar(), _assets_zip()

#: the line of each layer, bottom first (legacy drops the layers of RUNs that changed nothing
#: and makes none for WORKDIR; BuildKit keeps a 0-byte layer for both)
LEGACY_LINES = [3, 4, 5, 16, 17, 18, 19, 20, 22, 23, 24, 25, 26, 27, 28, 29, 30]
BUILDKIT_LINES = [3, 4, 5, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32]

#: (code, line) -> bytes measured in the image
PRICED = {
    ("DK201", 18): len(APP_TXT),  # the chown stores app.txt again
    ("DL3009", 19): APT_LISTS,
    ("DL3042", 20): PIP_CACHE,
    ("DL3009", 21): 0,  # this apt-get update left no lists: measured, and 0
    ("DL3010", 22): len(VENDOR_TAR),
    ("DK207", 24): len(ASSETS_ZIP),
    ("DK202", 28): len(SETUP_SH),
    ("DK601", 27): SETUP_CACHE,  # no rule sees what setup.sh writes; line 28 deletes it
    ("DK210", 29): BUILD_LOG,  # /tmp/build.log, deleted by line 30
}


@pytest.fixture(scope="module")
def images(
    docker_client: Any, busybox: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    context = tmp_path_factory.mktemp("lens") / "app"
    shutil.copytree(APP, context)
    shutil.copy(busybox, context / "busybox")
    (context / "vendor.tar").write_bytes(VENDOR_TAR)
    (context / "assets.zip").write_bytes(ASSETS_ZIP)
    client = buildkit_client()
    session = uuid.uuid4().hex[:10]
    built: dict[str, str] = {}
    try:
        for builder, flag in (("legacy", "0"), ("buildkit", "1")):
            tag = f"dockerlens-test-lens-{builder}:{session}"
            done = subprocess.run(
                [client, "build", "--network=none", "-q", "-t", tag, str(context)],
                env={**os.environ, "DOCKER_BUILDKIT": flag},
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert done.returncode == 0, f"{builder} build failed:\n{done.stderr}"
            built[builder] = tag
        yield built
    finally:
        for tag in built.values():
            with contextlib.suppress(Exception):  # already gone
                docker_client.images.remove(tag, force=True)


def _json(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("builder", "lines"), [("legacy", LEGACY_LINES), ("buildkit", BUILDKIT_LINES)]
)
def test_every_layer_traced_to_its_line(
    images: dict[str, str], builder: str, lines: list[int]
) -> None:
    document = _json(
        "analyze", "-f", "json", "-q", images[builder], "--dockerfile", str(DOCKERFILE)
    )
    (image,) = document["images"]
    assert [layer["dockerfile"]["line"] for layer in image["layers"]] == lines
    assert all(layer["dockerfile"]["from_base"] is False for layer in image["layers"])
    stages = {
        layer["dockerfile"]["line"]: layer["dockerfile"]["stage"] for layer in image["layers"]
    }
    assert stages[3] == "tools" and stages[16] == 2  # COPY --from=build belongs to the COPY line
    multi_line = image["dockerfile"]
    assert multi_line["matched"] is True and multi_line["reason"] is None
    by_line = {item["line"]: item for item in multi_line["instructions"]}
    assert by_line[29]["bytes_wasted"] == BUILD_LOG
    assert by_line[29]["wasted_hidden_by"] == [{"line": 30, "bytes": BUILD_LOG}]
    assert by_line[27]["wasted_hidden_by"] == [{"line": 28, "bytes": SETUP_CACHE}]
    assert by_line[17]["wasted_hidden_by"] == [{"line": 18, "bytes": len(APP_TXT)}]
    assert by_line[19]["bytes_added"] >= APT_LISTS
    # the build stage's layers are not in the image: its scratch file costs nothing here
    assert 9 not in by_line and 11 not in by_line
    # a RUN that changed nothing is listed with 0 bytes (no layer under the legacy builder)
    assert by_line[31]["bytes_added"] == 0


def test_other_target_is_not_matched(images: dict[str, str]) -> None:
    document = _json(
        "analyze", "-f", "json", "-q", images["legacy"], "--dockerfile", str(DOCKERFILE),
        "--target", "build",
    )  # fmt: skip
    (image,) = document["images"]
    assert image["dockerfile"]["matched"] is False
    assert image["dockerfile"]["reason"] == "not-built-from-dockerfile"
    assert {layer["dockerfile_reason"] for layer in image["layers"]} == {
        "not-built-from-dockerfile"
    }
    assert all(layer["dockerfile"] is None for layer in image["layers"])


@pytest.mark.parametrize("builder", ["legacy", "buildkit"])
def test_lint_findings_priced_in_bytes(images: dict[str, str], builder: str) -> None:
    findings = _json(
        "lint", "--no-shellcheck", "--format", "json", "--image", images[builder], str(DOCKERFILE)
    )
    measured = measured_bytes(findings)
    assert measured == PRICED
    unpriced = [f for f in findings if f["code"] == "DL3059"]
    assert unpriced and all(f["measured_bytes"] is None for f in unpriced)
    hidden = next(f for f in findings if f["code"] == "DK601")
    assert "line 28" in hidden["message"] and "2,500 bytes" in hidden["message"]
    # DK210 explains /tmp/build.log: no DK601 repeats it
    assert [f["line"] for f in findings if f["code"] == "DK601"] == [27]


def test_lint_image_in_sarif_and_text(images: dict[str, str]) -> None:
    sarif = _json(
        "lint", "--no-shellcheck", "--format", "sarif", "--image", images["buildkit"],
        str(DOCKERFILE),
    )  # fmt: skip
    results = sarif["runs"][0]["results"]
    (hidden,) = [result for result in results if result["ruleId"] == "DK601"]
    region = hidden["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 27
    assert "2,500 bytes" in hidden["message"]["text"]
    assert hidden["properties"] == {"measured_bytes": SETUP_CACHE}
    rules = {rule["id"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert "DK601" in rules
    text = CliRunner().invoke(
        cli, ["lint", "--no-shellcheck", "--image", images["buildkit"], str(DOCKERFILE)]
    )
    assert text.exit_code == 1
    assert "DL3009 info Delete the apt lists" in text.stdout
    assert "12,345 bytes (12.3 kB)]" in text.stdout
    assert "[measured in " in text.stdout and ": 0 bytes]" in text.stdout
    assert "20 of 20 layers traced to" in text.stdout and "; 9 findings measured" in text.stdout


def test_text_report_starts_with_the_lines(images: dict[str, str]) -> None:
    result = CliRunner().invoke(
        cli, ["analyze", "-q", images["buildkit"], "--dockerfile", str(DOCKERFILE)]
    )
    assert result.exit_code == 0, result.output
    first_table = result.stdout.split("\n\n", 1)[0]
    assert "by line of" in first_table
    assert "RUN head -c 30000 /dev/zero > /tmp/build.log" in first_table
    assert "line 30" in first_table
    assert "20 of 20 layers traced" in first_table


def test_from_an_archive_and_a_registry(
    images: dict[str, str],
    docker_client: Any,
    skopeo_copy: Any,
    registry: str,
    tmp_path: Path,
) -> None:
    archive = tmp_path / "app.tar"
    with archive.open("wb") as out:
        for chunk in docker_client.images.get(images["legacy"]).save(named=True):
            out.write(chunk)
    reference = f"{registry}/dockerlens/lens-app:1"
    skopeo_copy(f"docker-archive:{archive}", f"docker://{reference}", "--dest-tls-verify=false")
    for source in (f"docker-archive:{archive}", f"docker://{reference}"):
        document = _json("analyze", "-f", "json", "-q", source, "--dockerfile", str(DOCKERFILE))
        (image,) = document["images"]
        assert [layer["dockerfile"]["line"] for layer in image["layers"]] == LEGACY_LINES
        findings = _json(
            "lint", "--no-shellcheck", "--format", "json", "--image", source, str(DOCKERFILE)
        )
        measured = measured_bytes(findings)
        assert measured == PRICED
