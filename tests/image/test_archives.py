"""Archives written in Python for what no builder makes: opaque directories, whiteouts of missing
paths, hard links, zstd and gzip layers, OCI layouts without manifest.json, Docker >= 25 layouts."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from dockerlens.cli import cli
from tests.cli_runner import CliRunner


def analyze(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["analyze", "-q", "-f", "json", "--top", "0", *args])
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def wasted_paths(image: dict[str, Any]) -> dict[str, tuple[int, str]]:
    return {item["path"]: (item["bytes"], item["reason"]) for item in image["wasted"]}


def test_opaque_directory_hides_everything_below(archives: Any, make_layer: Any) -> None:
    layers = [
        make_layer(
            [("dir", "a"), ("dir", "a/b"), ("file", "a/b/c.conf", 60_000), ("file", "a/keep", 100)]
        ),
        make_layer([("dir", "a"), ("opaque", "a"), ("file", "a/new", 10)]),
    ]
    path = archives.docker_archive(
        "opaque.tar", [{"tag": "x:1", "layers": layers, "commands": ["A", "B"]}]
    )
    (image,) = analyze(f"docker-archive:{path}")["images"]
    assert wasted_paths(image) == {
        "/a/b/c.conf": (60_000, "hidden by opaque directory"),
        "/a/keep": (100, "hidden by opaque directory"),
    }
    assert image["final_size"] == 10
    assert image["layers"][1]["files_removed"] == 2
    # dive ignores opaque markers: it sees no waste at all here.
    assert image["dive"]["wasted_bytes"] == 0


def test_whiteout_of_a_missing_path_does_not_stop_the_layer(archives: Any, make_layer: Any) -> None:
    layers = [
        make_layer([("dir", "z"), ("file", "z/big", 50_000)]),
        make_layer([("dir", "p"), ("whiteout", "p/q"), ("dir", "z"), ("file", "z/big", 60_000)]),
    ]
    path = archives.docker_archive(
        "edge.tar", [{"tag": "x:1", "layers": layers, "commands": ["A", "B"]}]
    )
    (image,) = analyze(f"docker-archive:{path}")["images"]
    assert wasted_paths(image) == {"/z/big": (50_000, "overwritten")}
    assert image["layers"][1]["whiteouts_of_missing_paths"] == 1
    # dive stops reading the layer at that whiteout (name order: p/.wh.q before z/big) and so
    # misses the overwrite; the compatible figures reproduce that.
    assert image["dive"]["layers_cut_short"] == [1]
    assert image["dive"]["wasted_bytes"] == 0


def test_hard_link_keeps_content_alive(archives: Any, make_layer: Any) -> None:
    layers = [
        make_layer([("file", "f", 1000), ("hardlink", "g", "f")]),
        make_layer([("whiteout", "f")]),
        make_layer([("whiteout", "g")]),
    ]
    two = archives.docker_archive(
        "two.tar", [{"tag": "x:1", "layers": layers[:2], "commands": ["A", "B"]}]
    )
    (image,) = analyze(f"docker-archive:{two}")["images"]
    assert image["wasted_bytes"] == 0 and image["final_size"] == 0
    three = archives.docker_archive(
        "three.tar", [{"tag": "x:1", "layers": layers, "commands": ["A", "B", "C"]}]
    )
    (image,) = analyze(f"docker-archive:{three}")["images"]
    assert wasted_paths(image) == {"/f": (1000, "deleted")}
    assert image["wasted"][0]["hidden_in_layer"] == 2


def test_same_path_twice_in_one_layer_and_type_changes(archives: Any, make_layer: Any) -> None:
    layers = [
        make_layer(
            [("file", "x", 100), ("file", "x", 200), ("dir", "srv"), ("file", "srv/data", 5000)]
        ),
        make_layer([("dir", "srv/data"), ("file", "srv/data/inner", 7)]),
        make_layer([("file", "srv/data", 3)]),
    ]
    path = archives.docker_archive(
        "types.tar", [{"tag": "x:1", "layers": layers, "commands": ["A", "B", "C"]}]
    )
    (image,) = analyze(f"docker-archive:{path}")["images"]
    assert wasted_paths(image) == {
        "/x": (100, "overwritten"),
        "/srv/data": (5000, "replaced by another type"),
        "/srv/data/inner": (7, "replaced by another type"),
    }
    assert image["final_size"] == 200 + 3
    assert image["final_size"] + image["wasted_bytes"] == image["size"]


def test_whiteouts_apply_to_lower_layers_only(archives: Any, make_layer: Any) -> None:
    # The whiteout comes after the file in the tar: it still only hides the lower copy.
    layers = [
        make_layer([("file", "f", 40)]),
        make_layer([("file", "f", 50), ("whiteout", "f")]),
    ]
    path = archives.docker_archive(
        "order.tar", [{"tag": "x:1", "layers": layers, "commands": ["A", "B"]}]
    )
    (image,) = analyze(f"docker-archive:{path}")["images"]
    assert wasted_paths(image) == {"/f": (40, "deleted")}
    assert image["final_size"] == 50


def reference_layers(make_layer: Any) -> list[bytes]:
    return [
        make_layer([("dir", "bin"), ("file", "bin/tool", 9_000)]),
        make_layer([("dir", "data"), ("file", "data/big", 100_000), ("file", "data/keep", 10)]),
        make_layer([("dir", "data"), ("whiteout", "data/big")]),
    ]


@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
@pytest.mark.parametrize("as_archive", [False, True], ids=["oci-dir", "oci-archive"])
def test_oci_layouts_without_manifest_json(
    archives: Any, make_layer: Any, compression: str, as_archive: bool
) -> None:
    layers = reference_layers(make_layer)
    images = [{"tag": "v1", "layers": layers, "commands": ["A", "B", "C"], "empty": (1,)}]
    path = archives.oci_layout(f"layout-{compression}", images, compression, archive=as_archive)
    transport = "oci-archive" if as_archive else "oci"
    (image,) = analyze(f"{transport}:{path}")["images"]
    assert [layer["size"] for layer in image["layers"]] == [9_000, 100_010, 0]
    assert [layer["created_by"] for layer in image["layers"]] == ["A", "B", "C"]
    assert {layer["compression"] for layer in image["layers"]} == {compression}
    assert wasted_paths(image) == {"/data/big": (100_000, "deleted")}
    assert image["ref"] == "v1"
    assert image["id"].startswith("sha256:")


def test_docker_25_layout_and_legacy_layout_agree(archives: Any, make_layer: Any) -> None:
    layers = reference_layers(make_layer)
    images = [{"tag": "app:2", "layers": layers, "commands": ["A", "B", "C"]}]
    legacy = analyze(f"docker-archive:{archives.docker_archive('legacy.tar', images)}")["images"][0]
    oci = analyze(f"docker-archive:{archives.docker_archive('oci.tar', images, 'oci')}")["images"][
        0
    ]
    for key in ("ref", "id", "size", "wasted_bytes", "efficiency", "wasted", "largest"):
        assert legacy[key] == oci[key], key
    assert legacy["wasted_bytes"] == 100_000
    # The same Docker >= 25 archive read as an OCI archive (index.json) gives the same figures.
    as_oci = analyze(f"oci-archive:{archives.directory / 'oci.tar'}")["images"][0]
    assert as_oci["wasted_bytes"] == 100_000 and as_oci["ref"] == "app:2"


def test_multi_image_archive_selection(archives: Any, make_layer: Any) -> None:
    base = make_layer([("file", "base", 1000)])
    images = [
        {"tag": "one:1", "layers": [base, make_layer([("file", "a", 10)])], "commands": ["B", "A"]},
        {
            "tag": "two:1",
            "layers": [base, make_layer([("file", "b", 20)])],
            "commands": ["B", "B2"],
        },
    ]
    path = archives.docker_archive("multi.tar", images)
    document = analyze(f"docker-archive:{path}")
    assert [image["ref"] for image in document["images"]] == ["one:1", "two:1"]
    assert document["shared_layers"][0]["size"] == 1000
    assert document["sharing"]["saved_bytes"] == 1000
    (two,) = analyze(f"docker-archive:{path}:two:1")["images"]
    assert two["ref"] == "two:1" and two["size"] == 1020
    missing = CliRunner().invoke(cli, ["analyze", "-q", f"docker-archive:{path}:three:1"])
    assert missing.exit_code == 2
    assert "holds no image named three:1" in missing.stderr


def test_history_with_empty_layers_is_matched_in_order(archives: Any, make_layer: Any) -> None:
    layers = reference_layers(make_layer)
    images = [{"tag": "h:1", "layers": layers, "commands": ["A", "B", "C"], "empty": (0, 2, 5)}]
    path = archives.docker_archive("history.tar", images)
    (image,) = analyze(f"docker-archive:{path}")["images"]
    assert [layer["created_by"] for layer in image["layers"]] == ["A", "B", "C"]
    assert image["history_matches_layers"] is True


def test_layers_only_uses_stored_sizes(archives: Any, make_layer: Any) -> None:
    layers = reference_layers(make_layer)
    path = archives.oci_layout(
        "lo", [{"tag": "v1", "layers": layers, "commands": ["A", "B", "C"]}], "gzip"
    )
    (image,) = analyze("--layers-only", f"oci:{path}")["images"]
    blobs = path / "blobs" / "sha256"
    index = json.loads((path / "index.json").read_text())
    manifest = json.loads((blobs / index["manifests"][0]["digest"][7:]).read_text())
    assert [layer["size"] for layer in image["layers"]] == [d["size"] for d in manifest["layers"]]
    assert image["wasted_bytes"] is None


def test_tar_members_after_absolute_paths_are_taken_from_the_root(
    tmp_path: Path, archives: Any
) -> None:
    import io

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as layer:
        for name, size in (("/etc/x", 30), ("./etc/x", 40)):
            info = tarfile.TarInfo(name)
            info.size = size
            layer.addfile(info, io.BytesIO(b"a" * size))
    path = archives.docker_archive(
        "abs.tar", [{"tag": "x:1", "layers": [buffer.getvalue()], "commands": ["A"]}]
    )
    (image,) = analyze(f"docker-archive:{path}")["images"]
    assert wasted_paths(image) == {"/etc/x": (30, "overwritten")}


def test_compressed_docker_save_is_read_as_a_stream(archives: Any, make_layer: Any) -> None:
    import gzip

    layers = reference_layers(make_layer)
    plain = archives.docker_archive(
        "plain.tar", [{"tag": "z:1", "layers": layers, "commands": ["A", "B", "C"]}]
    )
    packed = archives.directory / "packed.tar.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    (from_plain,) = analyze(f"docker-archive:{plain}")["images"]
    (from_gzip,) = analyze(f"docker-archive:{packed}")["images"]
    for key in ("ref", "id", "size", "wasted_bytes", "efficiency", "wasted", "layers"):
        assert from_gzip[key] == from_plain[key], key


def test_platform_is_picked_from_a_nested_index(archives: Any, make_layer: Any) -> None:
    amd = [make_layer([("file", "amd64-only", 64)])]
    arm = [make_layer([("file", "arm64-only", 128)])]
    path = archives.multi_platform_layout(
        "multi", {"linux/amd64": amd, "linux/arm64": arm}, "multi"
    )
    (arm_image,) = analyze("--platform", "linux/arm64", f"oci:{path}:multi")["images"]
    assert arm_image["largest"][0]["path"] == "/arm64-only"
    (amd_image,) = analyze("--platform", "linux/amd64", f"oci:{path}")["images"]
    assert amd_image["largest"][0]["path"] == "/amd64-only"
    missing = CliRunner().invoke(cli, ["analyze", "-q", "--platform", "linux/s390x", f"oci:{path}"])
    assert missing.exit_code == 2
    assert "has no linux/s390x image (it has: linux/amd64, linux/arm64)" in missing.stderr
