"""``analyze --layers-only`` over a fleet: a real docker-registry's catalog (``docker://HOST/``)
and list files (``--from-file``), read concurrently; the report's bases and rebuilt bases.

The images are pushed through the registry's HTTP API (tests/image/registry_push.py). The fleet:
``base:1`` (two layers), ``app-a`` and ``app-b`` built on it, ``copycat`` that rebuilt the base
from the same instructions (files of the same sizes, other bytes: other diff_ids), and ``solo``
that shares nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dockerlens.cli import cli
from tests.cli_runner import CliRunner
from tests.image.conftest import layer_tar
from tests.image.registry_push import Pusher

pytestmark = pytest.mark.docker

ROOTFS = "/bin/sh -c #(nop) ADD file:rootfs in / "
TOOLS = "/bin/sh -c apt-get install -y tools"


def base_layers(fill: bytes) -> list[bytes]:
    return [
        layer_tar([("file", "usr/lib/libc.so", fill * 30_000)]),
        layer_tar([("file", "usr/bin/tool", fill * 12_000)]),
    ]


def app_layer(name: str) -> bytes:
    return layer_tar([("file", f"app/{name}", name.encode() * 500)])


@pytest.fixture
def fleet(registry: str) -> dict[str, Any]:
    pusher = Pusher(registry)
    base = base_layers(b"a")
    rebuilt = base_layers(b"b")
    pusher.push("base", "1", base, [ROOTFS, TOOLS])
    pusher.push("app-a", "1", [*base, app_layer("a")], [ROOTFS, TOOLS, "COPY a /app/"])
    pusher.push("app-b", "2", [*base, app_layer("b")], [ROOTFS, TOOLS, "COPY b /app/"])
    pusher.push("copycat", "1", [*rebuilt, app_layer("c")], [ROOTFS, TOOLS, "COPY c /app/"])
    pusher.push("solo", "1", [app_layer("solo")], ["COPY solo /app/"])
    return {"registry": registry}


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["analyze", "-q", *args])


def analyze_json(*args: str) -> dict[str, Any]:
    result = run("-f", "json", *args)
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def refs(document: dict[str, Any]) -> list[str]:
    return [image["ref"] for image in document["images"]]


def test_catalog_lists_every_tag_and_reports_bases_and_rebuilt_bases(fleet: dict[str, Any]) -> None:
    registry = fleet["registry"]
    document = analyze_json("--layers-only", f"docker://{registry}/")
    assert refs(document) == [
        f"{registry}/{name}" for name in ("app-a:1", "app-b:2", "base:1", "copycat:1", "solo:1")
    ]
    images = {image["ref"].split("/")[-1]: image for image in document["images"]}
    sharing = document["sharing"]

    (base,) = sharing["bases"]
    base_image = images["base:1"]
    assert base["layers"] == 2
    assert base["size"] == base_image["size"]
    assert base["top_diff_id"] == base_image["layers"][1]["diff_id"]
    assert base["top_instruction"] == "RUN apt-get install -y tools"
    assert sorted(base["images"]) == [f"{registry}/{n}" for n in ("app-a:1", "app-b:2", "base:1")]
    assert base["built_on"] is None
    assert base["saved_bytes"] == base["size"] * 2
    assert sharing["saved_bytes"] == base["size"] * 2

    (duplicate,) = sharing["duplicates"]
    kept, again = duplicate["variants"]
    assert duplicate["layers"] == 2
    assert duplicate["instructions"] == ["ADD file:rootfs in /", "RUN apt-get install -y tools"]
    assert kept["images"] == sorted(base["images"]) and kept["duplicated_bytes"] == 0
    assert again["images"] == [f"{registry}/copycat:1"]
    copycat_base = images["copycat:1"]["layers"][:2]
    assert again["top_diff_id"] == copycat_base[1]["diff_id"]
    assert again["duplicated_bytes"] == sum(layer["size"] for layer in copycat_base)
    assert duplicate["duplicated_bytes"] == again["duplicated_bytes"]


def test_text_report_names_the_bases_and_what_rebuilt_one(fleet: dict[str, Any]) -> None:
    result = run("--layers-only", f"docker://{fleet['registry']}/")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "bases (layer prefixes images share)" in text
    rebuilt = text[text.index("bases built again instead of shared") :]
    assert "copycat:1" in rebuilt and "apt-get install -y tools" in rebuilt


def test_list_file_and_jobs_give_the_same_report(fleet: dict[str, Any], tmp_path: Path) -> None:
    registry = fleet["registry"]
    listing = tmp_path / "fleet.txt"
    listing.write_text(
        "# the apps\n"
        f"docker://{registry}/app-a:1\n"
        "\n"
        f"  docker://{registry}/copycat:1  \n"
        f"docker://{registry}/base:1\n"
    )
    one = analyze_json("--layers-only", "--jobs", "1", "--from-file", str(listing))
    many = analyze_json("--layers-only", "--jobs", "4", "--from-file", str(listing))
    assert one == many
    assert refs(one) == [f"{registry}/{name}" for name in ("app-a:1", "copycat:1", "base:1")]
    assert len(one["sharing"]["duplicates"]) == 1
    # Arguments come first, then the file's sources.
    mixed = analyze_json(
        "--layers-only", f"docker://{registry}/solo:1", "--from-file", str(listing)
    )
    assert refs(mixed)[0] == f"{registry}/solo:1" and len(mixed["images"]) == 4


def test_catalog_pages_are_followed(fleet: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    import dockerlens.image.registry

    # Two entries a page: the registry sends Link headers to the next page of the catalog.
    monkeypatch.setattr(dockerlens.image.registry, "_PAGE_SIZE", 2)
    document = analyze_json("--layers-only", f"docker://{fleet['registry']}/")
    assert len(document["images"]) == 5


def test_catalog_without_layers_only_reads_the_layers(fleet: dict[str, Any]) -> None:
    document = analyze_json("--no-secrets", f"docker://{fleet['registry']}/")
    assert len(document["images"]) == 5
    assert all(image["wasted_bytes"] == 0 for image in document["images"])
    assert len(document["sharing"]["duplicates"]) == 1


def test_fleet_errors_are_one_line(registry: str, tmp_path: Path) -> None:
    empty = run("--layers-only", f"docker://{registry}/")
    assert empty.exit_code == 2 and "catalog lists no image" in empty.stderr
    missing = run("--layers-only", "--from-file", str(tmp_path / "nope.txt"))
    assert missing.exit_code == 2
    assert missing.stderr.startswith("dockerlens: error: --from-file ")
    assert "No such file" in missing.stderr
    comments_only = tmp_path / "none.txt"
    comments_only.write_text("# nothing\n\n")
    nothing = run("--from-file", str(comments_only))
    assert nothing.exit_code == 2 and "no image in it, and no IMAGE argument" in nothing.stderr
    listing = tmp_path / "bad.txt"
    listing.write_text(f"docker://{registry}/ghost:1\n")
    ghost = run("--layers-only", "--from-file", str(listing))
    assert ghost.exit_code == 2
    assert ghost.stderr == (
        f"dockerlens: error: {listing}:1: docker://{registry}/ghost:1: no such image in the "
        "registry\n"
    )
    diff = CliRunner().invoke(cli, ["diff", f"docker://{registry}/", f"docker://{registry}/a:1"])
    assert diff.exit_code == 2 and "whole catalog" in diff.stderr


@pytest.mark.parametrize("layers_only", [True, False])
def test_an_error_about_a_listed_source_names_its_line(
    archives: Any, tmp_path: Path, layers_only: bool
) -> None:
    archive = archives.docker_archive(
        "a.tar", [{"tag": "a:1", "layers": [layer_tar([("file", "a", 5)])], "commands": ["A"]}]
    )
    listing = tmp_path / "images.txt"
    listing.write_text(
        f"# the fleet\ndocker-archive:{archive}\n\n  docker-archive:{tmp_path / 'gone.tar'}\n"
    )
    args = ["--layers-only"] if layers_only else []
    result = run(*args, "--from-file", str(listing))
    assert result.exit_code == 2
    assert result.stderr == (
        f"dockerlens: error: {listing}:4: docker-archive: no such file or directory: "
        f"'{tmp_path / 'gone.tar'}'\n"
    )
    listing.write_text(f"docker-archive:{archive}\noci:{tmp_path}:1\n")  # not a layout
    result = run(*args, "--from-file", str(listing))
    assert result.exit_code == 2 and result.stderr.startswith(
        f"dockerlens: error: {listing}:2: oci:{tmp_path}"
    )
    result = run(*args, f"docker-archive:{tmp_path / 'gone.tar'}")  # not from a list: as before
    assert result.stderr.startswith("dockerlens: error: docker-archive: no such file")


def test_unreachable_catalog_is_an_error(tmp_path: Path) -> None:
    from tests.image.registry_push import free_port

    result = run("--layers-only", f"docker://127.0.0.1:{free_port()}/")
    assert result.exit_code == 2 and "cannot reach the registry" in result.stderr


def test_text_names_five_images_per_row(registry: str) -> None:
    pusher = Pusher(registry)
    base = base_layers(b"a")
    for number in range(8):
        name = f"svc{number}"
        pusher.push(name, "1", [*base, app_layer(name)], [ROOTFS, TOOLS, f"COPY {name} /app/"])
    result = run("--layers-only", f"docker://{registry}/")
    assert result.exit_code == 0, result.output
    shared = result.stdout[result.stdout.index("shared layers") :]
    shown = [f"{registry}/svc{number}:1" for number in range(5)]
    assert ", ".join(shown) + " and 3 more" in " ".join(shared.split())
    document = analyze_json("--layers-only", f"docker://{registry}/")
    assert len(document["sharing"]["bases"][0]["images"]) == 8  # JSON names them all


def test_a_catalogs_tags_are_sorted(registry: str) -> None:
    import urllib.request

    pusher = Pusher(registry)
    pushed = [f"1.{minor}" for minor in range(12)] + ["latest"]
    for tag in pushed:
        pusher.push("app", tag, [app_layer(tag)], [f"COPY {tag} /app/"])
    with urllib.request.urlopen(f"http://{registry}/v2/app/tags/list") as response:
        listed = json.load(response)["tags"]
    assert sorted(listed) == sorted(pushed) and listed != sorted(listed)  # storage order
    document = analyze_json("--layers-only", f"docker://{registry}/")
    tags = [image["ref"].rpartition(":")[2] for image in document["images"]]
    assert tags == sorted(pushed)
