"""``analyze --platform all`` and ``--platform LIST`` on a multi-platform image index, from an OCI
layout and from Debian's docker-registry (pushed there by skopeo ``--all``): one image per platform
with ``images[].platform``, the comparison (sizes side by side, files that differ between the
platforms' final file systems), and each layer the platforms share read once, counted by the
report and, for the registry, by a proxy that logs every blob request.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dockerlens.cli import cli
from tests.cli_runner import CliRunner
from tests.image.conftest import ArchiveWriter, layer_tar, running_registry
from tests.image.registry_servers import flaky_proxy

BASE = layer_tar([("dir", "usr"), ("file", "usr/share.txt", 500)])
AMD64 = layer_tar([("file", "usr/bin-tool", 3000), ("file", "usr/same-size.txt", b"x" * 10)])
ARM64 = layer_tar(
    [
        ("file", "usr/bin-tool", 2500),
        ("file", "usr/arm-only", 40),
        ("file", "usr/same-size.txt", b"y" * 10),
    ]
)
S390X = layer_tar([("file", "usr/bin-tool", 2800)])
PLATFORMS = {
    "linux/amd64": [BASE, AMD64],
    "linux/arm64/v8": [BASE, ARM64],
    "linux/s390x": [BASE, S390X],
}


def diff_id(layer: bytes) -> str:
    return "sha256:" + hashlib.sha256(layer).hexdigest()


def analyze(*args: str) -> tuple[int, Any, str]:
    result = CliRunner().invoke(cli, ["analyze", "-q", "--top", "0", *args])
    document = None
    if result.exit_code == 0 and "json" in args:
        document = json.loads(result.stdout)
    return result.exit_code, document if document is not None else result.stdout, result.stderr


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    return ArchiveWriter(tmp_path).multi_platform_layout("multi", PLATFORMS, "1.0", "gzip")


def check_every_platform(document: Any, source: str) -> None:
    images = document["images"]
    assert [image["platform"] for image in images] == list(PLATFORMS)
    assert [image["size"] for image in images] == [3510, 3050, 3300]
    assert {image["source"] for image in images} == {source}
    (comparison,) = document["platform_comparison"]
    assert comparison["source"] == source
    sizes = [
        (p["platform"], p["image"], p["size"], p["final_files"]) for p in comparison["platforms"]
    ]
    assert sizes == [
        ("linux/amd64", 0, 3510, 3),
        ("linux/arm64/v8", 1, 3050, 4),
        ("linux/s390x", 2, 3300, 2),
    ]
    assert comparison["shared_layers"] == [diff_id(BASE)]
    assert comparison["shared_bytes"] == 500
    arm, s390x = comparison["differences"]
    assert arm["platform"] == "linux/arm64/v8" and arm["against"] == "linux/amd64"
    assert arm["counts"] == {"added": 1, "removed": 0, "modified": 2}
    changes = {(f["path"], f["change"], f["from_size"], f["to_size"]) for f in arm["files"]}
    assert changes == {
        ("/usr/bin-tool", "modified", 3000, 2500),
        ("/usr/arm-only", "added", None, 40),
        # Same size, different bytes: told apart by hashing both platforms' copies.
        ("/usr/same-size.txt", "modified", 10, 10),
    }
    same_size = next(f for f in arm["files"] if f["path"] == "/usr/same-size.txt")
    assert same_size["content_differs"] is True
    assert s390x["counts"] == {"added": 0, "removed": 1, "modified": 1}
    # Four distinct layers for three platforms of two layers each: each read once.
    read = comparison["read"]
    assert read["layers_in_platforms"] == 6
    assert read["distinct_layers"] == 4 and read["layers"] == 4
    # The two layers holding same-size.txt are read again to hash it.
    assert read["layers_hashed"] == 2


def test_every_platform_of_an_oci_layout(layout: Path) -> None:
    code, document, stderr = analyze("-f", "json", "--platform", "all", f"oci:{layout}:1.0")
    assert code == 0, stderr
    check_every_platform(document, f"oci:{layout}:1.0")


def test_a_list_of_platforms_in_the_order_given(layout: Path) -> None:
    code, document, stderr = analyze(
        "-f", "json", "--platform", "linux/s390x, linux/arm64", f"oci:{layout}:1.0"
    )
    assert code == 0, stderr
    assert [image["platform"] for image in document["images"]] == ["linux/s390x", "linux/arm64/v8"]
    (comparison,) = document["platform_comparison"]
    (difference,) = comparison["differences"]
    assert (difference["platform"], difference["against"]) == ("linux/arm64/v8", "linux/s390x")
    assert comparison["read"]["layers"] == 3


def test_one_platform_gives_no_comparison(layout: Path) -> None:
    code, document, stderr = analyze("-f", "json", "--platform", "linux/arm64", f"oci:{layout}:1.0")
    assert code == 0, stderr
    assert [image["platform"] for image in document["images"]] == ["linux/arm64/v8"]
    assert document["platform_comparison"] == []


@pytest.mark.parametrize("value", ["LINUX/ARM64", "linux/aarch64", "Linux/AArch64/v8"])
def test_platform_names_are_normalised_as_docker_does(layout: Path, value: str) -> None:
    code, document, stderr = analyze("-f", "json", "--platform", value, f"oci:{layout}:1.0")
    assert code == 0, stderr
    assert [image["platform"] for image in document["images"]] == ["linux/arm64/v8"]
    code, document, stderr = analyze("-f", "json", "--platform", "ALL", f"oci:{layout}:1.0")
    assert code == 0, stderr
    assert len(document["images"]) == 3


def test_a_platform_of_a_list_that_the_index_lacks_is_an_error(layout: Path) -> None:
    code, _, stderr = analyze("--platform", "linux/amd64,linux/riscv64", f"oci:{layout}:1.0")
    assert code == 2
    assert stderr == (
        f"dockerlens: error: oci:{layout}:1.0: 1.0 has no linux/riscv64 image (it has: "
        "linux/amd64, linux/arm64/v8, linux/s390x); pick one with --platform\n"
    )
    code, _, stderr = analyze("--platform", "linux/amd64,arm64", f"oci:{layout}:1.0")
    assert code == 2 and "expected os/arch[/variant]" in stderr and stderr.count("\n") == 1


@pytest.mark.parametrize("value", ["linux//arm64", "linux/arm64/", "/arm64"])
def test_a_platform_with_an_empty_part_is_malformed(layout: Path, value: str) -> None:
    code, _, stderr = analyze("--platform", value, f"oci:{layout}:1.0")
    assert code == 2
    assert stderr.startswith(f"dockerlens: error: --platform {value!r}: expected os/arch")


@pytest.mark.parametrize("value", ["linux/amd64,linux/arm64/v8", "all", "linux//arm64"])
def test_diff_takes_one_platform(layout: Path, value: str) -> None:
    source = f"oci:{layout}:1.0"
    result = CliRunner().invoke(cli, ["diff", "-q", "--platform", value, source, source])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"dockerlens: error: --platform {value!r}: expected os/arch")
    assert result.stderr.count("\n") == 1
    if value != "linux//arm64":
        assert "diff compares one platform of each image" in result.stderr


def test_the_text_report_puts_the_platforms_side_by_side(layout: Path) -> None:
    code, text, stderr = analyze("--platform", "all", f"oci:{layout}:1.0")
    assert code == 0, stderr
    table = text[text.index("Platforms of 1.0") :]
    rows = [line.split() for line in table.splitlines()[2:5]]
    assert [row[0] for row in rows] == list(PLATFORMS)
    assert [row[1:3] for row in rows] == [["3.51", "kB"], ["3.05", "kB"], ["3.3", "kB"]]
    assert "1 layers (500 B) are the same in every platform, read once" in table
    assert "linux/arm64/v8 against linux/amd64: 1 added, 0 removed, 2 modified" in table
    assert "/usr/same-size.txt" in table


@pytest.mark.docker
def test_every_platform_from_a_registry_reads_a_shared_layer_once(
    tmp_path_factory: pytest.TempPathFactory, layout: Path, skopeo_copy: Callable[..., None]
) -> None:
    with running_registry(tmp_path_factory.mktemp("platform-registry")) as registry:
        skopeo_copy(
            f"oci:{layout}:1.0",
            f"docker://{registry}/team/multi:1.0",
            "--all",
            "--dest-tls-verify=false",
        )
        with flaky_proxy(registry) as (address, proxy):
            source = f"docker://{address}/team/multi:1.0"
            code, document, stderr = analyze("-f", "json", "--platform", "all", source)
    assert code == 0, stderr
    check_every_platform(document, source)
    blob_gets: dict[str, int] = {}
    for path, _, status in proxy.log:
        if "/blobs/" in path:
            assert status == 200
            digest = path.rpartition("/")[2]
            blob_gets[digest] = blob_gets.get(digest, 0) + 1
    stored = {
        name: "sha256:" + hashlib.sha256(gzip.compress(layer, mtime=0)).hexdigest()
        for name, layer in (("base", BASE), ("amd64", AMD64), ("arm64", ARM64), ("s390x", S390X))
    }
    # The layer all three platforms share is downloaded once; the two holding same-size.txt
    # twice (read, then hashed for the comparison); the other once.
    assert blob_gets[stored["base"]] == 1
    assert blob_gets[stored["amd64"]] == 2 and blob_gets[stored["arm64"]] == 2
    assert blob_gets[stored["s390x"]] == 1


@pytest.mark.parametrize("value", ["ALL", " All "])
def test_all_in_any_case_compares_the_files(layout: Path, value: str) -> None:
    # `all` is taken in any case: the platforms' files are compared as for `all`.
    code, document, stderr = analyze("-f", "json", "--platform", value, f"oci:{layout}:1.0")
    assert code == 0, stderr
    check_every_platform(document, f"oci:{layout}:1.0")
