"""``dockerlens diff FROM TO`` on archives written in Python and on images the engine builds."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

import dockerlens.image.model
from dockerlens.cli import cli
from dockerlens.image.layerscan import LayerScan
from tests.cli_runner import CliRunner, Result

JSON_FILE_KEYS = {"path", "change", "from_size", "to_size", "to_layer", "added_by"}


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["diff", "-q", *args])


def diff_json(*args: str) -> dict[str, Any]:
    result = run("-f", "json", "--top", "0", *args)
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


@pytest.fixture
def layer_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What each layer read by any store (archives, the Engine's export, registries) was: the real
    scan_layer, counted."""
    real_scan = dockerlens.image.model.scan_layer
    read: list[str] = []

    def counting_scan(raw: Any, **options: Any) -> LayerScan:
        read.append(options["what"])
        return real_scan(raw, **options)

    monkeypatch.setattr(dockerlens.image.model, "scan_layer", counting_scan)
    return read


def content_layer(files: dict[str, bytes], whiteouts: tuple[str, ...] = ()) -> bytes:
    """A layer tar holding ``files`` with their exact bytes (and whiteouts of ``whiteouts``)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for path in whiteouts:
            parent, _, base = path.rpartition("/")
            info = tarfile.TarInfo(f"{parent}/.wh.{base}" if parent else f".wh.{base}")
            info.mtime = 1_700_000_000
            archive.addfile(info, io.BytesIO(b""))
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mtime = 1_700_000_000
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


BASE = content_layer(
    {
        "etc/app.conf": b"mode=old\n",
        "etc/same.conf": b"unchanged\n",
        "usr/lib/big.so": b"b" * 50_000,
        "usr/lib/gone.so": b"g" * 7_000,
    }
)


def two_versions(archives: Any) -> tuple[Path, Path, list[bytes], list[bytes]]:
    """FROM = base + app 1.4; TO = the same base + app 1.5, which adds, grows, rewrites a file
    with the same size but other bytes, and deletes one base file with a whiteout."""
    old_app = content_layer({"app/main.py": b"print(1)\n" * 100, "app/old.txt": b"o" * 300})
    new_app = content_layer(
        {
            "app/main.py": b"print(2)\n" * 300,
            "app/data.bin": b"d" * 200_000,
            "etc/app.conf": b"mode=new\n",
            "etc/same.conf": b"unchanged\n",
        },
        whiteouts=("usr/lib/gone.so",),
    )
    before_layers, after_layers = [BASE, old_app], [BASE, new_app]
    before = archives.docker_archive(
        "app-1.4.tar",
        [{"tag": "app:1.4", "layers": before_layers, "commands": ["BASE", "COPY app 1.4"]}],
    )
    after = archives.docker_archive(
        "app-1.5.tar",
        [{"tag": "app:1.5", "layers": after_layers, "commands": ["BASE", "COPY app 1.5"]}],
    )
    return before, after, before_layers, after_layers


def test_added_removed_modified_and_whiteout(archives: Any) -> None:
    before, after, _, _ = two_versions(archives)
    document = diff_json(f"docker-archive:{before}", f"docker-archive:{after}")
    files = {item["path"]: item for item in document["files"]}
    assert set(files) == {
        "/app/data.bin",
        "/app/main.py",
        "/app/old.txt",
        "/etc/app.conf",
        "/usr/lib/gone.so",
    }
    assert files["/app/data.bin"] == {
        **files["/app/data.bin"],
        "change": "added",
        "from_size": None,
        "to_size": 200_000,
        "to_layer": 1,
        "added_by": "COPY app 1.5",
    }
    assert files["/app/main.py"]["change"] == "modified"
    assert (files["/app/main.py"]["from_size"], files["/app/main.py"]["to_size"]) == (900, 2700)
    assert files["/app/old.txt"]["change"] == "removed"
    assert files["/app/old.txt"]["to_layer"] is None  # TO never had it: nothing deleted it
    # Same size, other bytes: modified, found by hashing.
    assert files["/etc/app.conf"]["change"] == "modified"
    assert files["/etc/app.conf"]["content_differs"] is True
    assert files["/etc/app.conf"]["from_size"] == files["/etc/app.conf"]["to_size"] == 9
    # Rewritten with the same bytes by another layer: no change.
    assert "/etc/same.conf" not in files
    # Deleted by TO's whiteout: the layer that deleted it is named.
    gone = files["/usr/lib/gone.so"]
    assert (gone["change"], gone["from_size"], gone["to_size"]) == ("removed", 7_000, None)
    assert gone["to_layer"] == 1
    assert gone["added_by"] is None
    assert gone["removed_by"] == "COPY app 1.5"
    # Largest change first.
    changes = [abs(item["size_change"]) for item in document["files"]]
    assert changes == sorted(changes, reverse=True)
    assert document["files"][0]["path"] == "/app/data.bin"


def test_json_contract(archives: Any) -> None:
    before, after, before_layers, after_layers = two_versions(archives)
    document = diff_json(f"docker-archive:{before}", f"docker-archive:{after}")
    assert {"from", "to", "size", "layers", "files"} <= set(document)
    assert set(document["size"]) == {"from", "to", "change"}
    assert document["size"]["from"] == 50_000 + 7_000 + 9 + 10 + 900 + 300
    assert document["size"]["to"] == 50_000 + 9 + 10 + 2700 + 200_000
    assert document["size"]["change"] == document["size"]["to"] - document["size"]["from"]
    assert document["from"]["ref"] == "app:1.4" and document["to"]["ref"] == "app:1.5"
    from tests.image.conftest import sha256

    assert document["layers"] == {
        "shared": [sha256(BASE)],
        "only_from": [sha256(before_layers[1])],
        "only_to": [sha256(after_layers[1])],
    }
    for item in document["files"]:
        assert set(item) >= JSON_FILE_KEYS
        assert item["change"] in ("added", "removed", "modified")


def test_shared_layers_are_read_once(archives: Any, layer_reads: list[str]) -> None:
    before, after, _, _ = two_versions(archives)
    read = layer_reads
    document = diff_json(f"docker-archive:{before}", f"docker-archive:{after}")
    # 4 layers in the two images, 3 distinct: the base is read once.
    assert document["read"]["layers_in_both_images"] == 4
    assert document["read"]["layers"] == 3
    # The second, hashing pass reads the layers holding same-size files from different layers:
    # the base (etc/*.conf of FROM) and TO's own layer, each once.
    assert document["read"]["layers_hashed"] == 2
    assert len(read) == 3 + 2
    assert sum(1 for what in read if "app-1.4.tar: layer 0" in what) == 2  # header pass + hashing
    assert not any("app-1.5.tar: layer 0" in what for what in read)


def test_no_hashing_pass_when_sizes_settle_everything(
    archives: Any, make_layer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = make_layer([("dir", "usr"), ("file", "usr/base", 1_000)])
    before = archives.docker_archive(
        "a.tar", [{"tag": "a:1", "layers": [base], "commands": ["BASE"]}]
    )
    after = archives.docker_archive(
        "b.tar",
        [
            {
                "tag": "a:2",
                "layers": [base, make_layer([("file", "usr/new", 5)])],
                "commands": ["BASE", "RUN add"],
            }
        ],
    )
    document = diff_json(f"docker-archive:{before}", f"docker-archive:{after}")
    assert document["read"] == {**document["read"], "layers": 2, "layers_hashed": 0}
    assert [(item["path"], item["change"]) for item in document["files"]] == [("/usr/new", "added")]


def test_type_change_is_modified(archives: Any, make_layer: Any) -> None:
    first = make_layer([("dir", "bin"), ("file", "bin/tool", 0)])
    second = make_layer([("dir", "bin"), ("symlink", "bin/tool", "other")])
    before = archives.docker_archive(
        "a.tar", [{"tag": "t:1", "layers": [first], "commands": ["A"]}]
    )
    after = archives.docker_archive(
        "b.tar", [{"tag": "t:2", "layers": [second], "commands": ["B"]}]
    )
    (item,) = diff_json(f"docker-archive:{before}", f"docker-archive:{after}")["files"]
    assert (item["path"], item["change"], item["from_type"], item["to_type"]) == (
        "/bin/tool",
        "modified",
        "file",
        "symlink",
    )


def test_opaque_directory_and_replaced_file_in_to(archives: Any, make_layer: Any) -> None:
    base = make_layer(
        [
            ("dir", "cache"),
            ("file", "cache/a", 4_000),
            ("file", "cache/b", 6_000),
            ("file", "conf", 10),
            ("file", "data", 1_000),
            ("hardlink", "data-link", "data"),
        ]
    )
    change = make_layer(
        [
            ("dir", "cache"),
            ("opaque", "cache"),
            ("file", "cache/fresh", 1),
            ("dir", "conf"),
            ("file", "conf/main", 20),
            ("hardlink", "data-link", "conf/main"),
        ]
    )
    before = archives.docker_archive("a.tar", [{"tag": "o:1", "layers": [base], "commands": ["A"]}])
    after = archives.docker_archive(
        "b.tar", [{"tag": "o:2", "layers": [base, change], "commands": ["A", "RUN clean"]}]
    )
    files = {
        item["path"]: (item["change"], item["from_size"], item["to_size"], item["to_layer"])
        for item in diff_json(f"docker-archive:{before}", f"docker-archive:{after}")["files"]
    }
    assert files == {
        "/cache/a": ("removed", 4_000, None, 1),
        "/cache/b": ("removed", 6_000, None, 1),
        "/cache/fresh": ("added", None, 1, 1),
        "/conf": ("removed", 10, None, 1),
        "/conf/main": ("added", None, 20, 1),
        # A hard link that now names other content: its target changed.
        "/data-link": ("modified", 0, 0, 1),
    }


def test_oci_layout_against_docker_archive(archives: Any) -> None:
    before, _, _, after_layers = two_versions(archives)
    layout = archives.oci_layout(
        "layout",
        [{"tag": "1.5", "layers": after_layers, "commands": ["BASE", "COPY app 1.5"]}],
        compression="gzip",
    )
    document = diff_json(f"docker-archive:{before}", f"oci:{layout}")
    changes = {item["path"]: item["change"] for item in document["files"]}
    assert changes["/etc/app.conf"] == "modified"
    assert changes["/usr/lib/gone.so"] == "removed"
    assert document["read"]["layers"] == 3


def test_compressed_archive_and_oci_archive(archives: Any, tmp_path: Path) -> None:
    import gzip

    before, after, _, after_layers = two_versions(archives)
    plain = diff_json(f"docker-archive:{before}", f"docker-archive:{after}")
    # A gzip-compressed `docker save` is read once as a stream: its files are hashed in passing.
    compressed = tmp_path / "app-1.5.tar.gz"
    compressed.write_bytes(gzip.compress(after.read_bytes()))
    streamed = diff_json(f"docker-archive:{before}", f"docker-archive:{compressed}")
    assert streamed["files"] == plain["files"]
    assert streamed["unverified_files"] == 0
    layout = archives.oci_layout(
        "app.oci.tar",
        [{"tag": "1.5", "layers": after_layers, "commands": ["BASE", "COPY app 1.5"]}],
        compression="zstd",
        archive=True,
    )
    oci = diff_json(f"docker-archive:{before}", f"oci-archive:{layout}")
    assert oci["files"] == plain["files"]


def test_max_growth_exit_codes(archives: Any) -> None:
    before, after, _, _ = two_versions(archives)
    growth = diff_json(f"docker-archive:{before}", f"docker-archive:{after}")["size"]["change"]
    assert growth > 0
    sources = (f"docker-archive:{before}", f"docker-archive:{after}")
    passed = run("--max-growth", str(growth), *sources)
    assert passed.exit_code == 0, passed.output
    assert "passed:" in passed.stdout
    crossed = run("-f", "json", "--max-growth", str(growth - 1), *sources)
    assert crossed.exit_code == 1
    assert json.loads(crossed.stdout)["max_growth"]["passed"] is False
    assert crossed.stderr.startswith("dockerlens: threshold crossed: app:1.5 grew by")
    # Shrinking never crosses it.
    reverse = run("--max-growth", "0", *reversed(sources))
    assert reverse.exit_code == 0, reverse.output
    bad = run("--max-growth", "lots", *sources)
    assert bad.exit_code == 2
    assert bad.stderr.startswith("dockerlens: error: --max-growth: 'lots' is not a size")


def test_top_cuts_the_json_files_and_says_how_many(archives: Any) -> None:
    before, after, _, _ = two_versions(archives)
    result = run("-f", "json", "--top", "2", f"docker-archive:{before}", f"docker-archive:{after}")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [item["path"] for item in document["files"]] == ["/app/data.bin", "/usr/lib/gone.so"]
    assert document["files_omitted"] == 3
    assert document["counts"] == {"added": 1, "removed": 2, "modified": 2}


def test_text_report(archives: Any) -> None:
    before, after, _, _ = two_versions(archives)
    result = run("--top", "2", f"docker-archive:{before}", f"docker-archive:{after}")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("app:1.4 -> app:1.5: +")
    assert lines[1].startswith("1 added, 2 removed, 2 modified; layers: 1 shared, 1 only in FROM")
    assert "COPY app 1.5" in result.stdout and "COPY app 1.4" in result.stdout
    assert "By directory" in result.stdout
    assert "/app/data.bin" in result.stdout
    assert "… and 3 more files" in result.stdout


def test_errors_are_one_line(archives: Any, tmp_path: Path) -> None:
    before, _, _, _ = two_versions(archives)
    missing = run(f"docker-archive:{before}", f"docker-archive:{tmp_path}/nope.tar")
    assert missing.exit_code == 2
    assert missing.stderr.startswith("dockerlens: error: docker-archive: no such file")
    assert len(missing.stderr.splitlines()) == 1
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar" * 100)
    unreadable = run(f"docker-archive:{before}", f"docker-archive:{junk}")
    assert unreadable.exit_code == 2
    assert "not a tar archive" in unreadable.stderr
    assert len(unreadable.stderr.splitlines()) == 1
    both = archives.docker_archive(
        "both.tar",
        [
            {"tag": "a:1", "layers": [BASE], "commands": ["A"]},
            {"tag": "a:2", "layers": [BASE], "commands": ["A"]},
        ],
    )
    several = run(f"docker-archive:{both}", f"docker-archive:{before}")
    assert several.exit_code == 2
    assert "holds 2 images" in several.stderr
    picked = run(f"docker-archive:{both}:a:2", f"docker-archive:{before}")
    assert picked.exit_code == 0, picked.output


def test_help_explains_the_options() -> None:
    result = CliRunner().invoke(cli, ["diff", "--help"])
    assert result.exit_code == 0
    for option in ("--max-growth", "--top", "--format", "--platform", "docker-archive:"):
        assert option in result.stdout


# -- the engine ---------------------------------------------------------------------------------


@pytest.mark.docker
def test_engine_images_and_mixed_sources(image_builder: Any, tmp_path: Path) -> None:
    base = "FROM scratch\nCOPY busybox /bin/busybox\n"
    before = image_builder.build(
        "diff-from", base + 'RUN ["/bin/busybox", "sh", "-c", "echo one > /v; echo x > /gone"]\n'
    )
    after = image_builder.build(
        "diff-to",
        base
        + 'RUN ["/bin/busybox", "sh", "-c", "echo one > /v; echo x > /gone"]\n'
        + 'RUN ["/bin/busybox", "sh", "-c", "echo three! > /v; rm /gone; '
        '/bin/busybox dd if=/dev/zero of=/big bs=1024 count=64"]\n',
    )
    document = diff_json(before, after)
    files = {item["path"]: item for item in document["files"]}
    assert files["/big"]["change"] == "added" and files["/big"]["to_size"] == 65_536
    assert files["/big"]["to_layer"] == 2 and "dd if=/dev/zero" in files["/big"]["added_by"]
    assert files["/v"]["change"] == "modified"
    assert (files["/v"]["from_size"], files["/v"]["to_size"]) == (4, 7)
    assert files["/gone"]["change"] == "removed" and files["/gone"]["to_layer"] == 2
    assert len(document["layers"]["shared"]) == 2
    assert document["layers"]["only_from"] == []
    assert len(document["layers"]["only_to"]) == 1
    # One export of both images: the two shared layers come once.
    assert document["read"]["layers"] == 3
    # Mixed: the engine's FROM against a `docker save` archive of TO gives the same files.
    saved = image_builder.save([after], tmp_path / "to.tar")
    mixed = diff_json("--no-cache", before, f"docker-archive:{saved}")
    assert mixed["files"] == document["files"]
    assert mixed["layers"] == document["layers"]
    assert mixed["read"]["layers"] == 3
    # With the layer index the first diff filled, the archive's own layer is not read.
    indexed = diff_json(before, f"docker-archive:{saved}")
    assert indexed["files"] == document["files"]
    assert (indexed["read"]["layers"], indexed["read"]["layers_from_cache"]) == (2, 1)


@pytest.mark.docker
def test_archive_against_engine_takes_shared_layers_from_the_export(
    image_builder: Any, tmp_path: Path, layer_reads: list[str]
) -> None:
    base = "FROM scratch\nCOPY busybox /bin/busybox\n"
    before = image_builder.build("diff-rev-a", base)
    after = image_builder.build(
        "diff-rev-b", base + 'RUN ["/bin/busybox", "sh", "-c", "echo new > /added"]\n'
    )
    saved = image_builder.save([before], tmp_path / "from.tar")
    read = layer_reads
    document = diff_json(f"docker-archive:{saved}", after)
    assert [(item["path"], item["change"]) for item in document["files"]] == [("/added", "added")]
    # FROM's only layer is TO's base, which the Engine's export of TO already streamed: the
    # archive's copy of it is not read.
    assert not any(what.startswith("docker-archive:") for what in read)
    assert any(what.startswith("docker-daemon:") for what in read)


@pytest.mark.docker
def test_engine_same_size_rewrite_is_hashed(image_builder: Any) -> None:
    base = "FROM scratch\nCOPY busybox /bin/busybox\n"
    first = 'RUN ["/bin/busybox", "sh", "-c", "echo aaaa > /conf"]\n'
    before = image_builder.build("diff-hash-a", base + first)
    after = image_builder.build(
        "diff-hash-b", base + first + 'RUN ["/bin/busybox", "sh", "-c", "echo bbbb > /conf"]\n'
    )
    (item,) = [i for i in diff_json(before, after)["files"] if i["path"] == "/conf"]
    assert (item["change"], item["from_size"], item["to_size"]) == ("modified", 5, 5)
    assert item["content_differs"] is True


@pytest.mark.docker
def test_registry_against_archive(archives: Any, skopeo_copy: Any, registry: str) -> None:
    before, after, _, _ = two_versions(archives)
    reference = f"{registry}/dockerlens/app:1.5"
    skopeo_copy(f"docker-archive:{after}", f"docker://{reference}", "--dest-tls-verify=false")
    local = diff_json(f"docker-archive:{before}", f"docker-archive:{after}")
    remote = diff_json("--no-cache", f"docker-archive:{before}", f"docker://{reference}")
    assert remote["files"] == local["files"]
    assert remote["layers"] == local["layers"]
    assert remote["size"] == local["size"]
    assert remote["read"]["layers"] == 3


@pytest.mark.docker
def test_missing_engine_image_is_one_line(docker_client: Any) -> None:
    result = run("dockerlens-test-no-such-image:0", "dockerlens-test-no-such-image:1")
    assert result.exit_code == 2
    assert result.stderr.startswith("dockerlens: error: no image")
    assert len(result.stderr.splitlines()) == 1


def test_max_growth_as_a_finding_for_lint_reporters(archives: Any) -> None:
    before, after, _, _ = two_versions(archives)
    sources = (f"docker-archive:{before}", f"docker-archive:{after}")
    crossed = run("-f", "sarif", "--max-growth", "1kB", *sources)
    assert crossed.exit_code == 1
    (sarif_run,) = json.loads(crossed.stdout)["runs"]
    (result,) = sarif_run["results"]
    assert result["ruleId"] == "DK508"
    assert "app:1.5 grew by" in result["message"]["text"]
    github = run("-f", "github", "--max-growth", "1kB", *sources)
    assert github.exit_code == 1
    assert "DK508" in github.stdout and "::error" in github.stdout
    passed = run("-f", "sarif", "--max-growth", "1GB", *sources)
    assert passed.exit_code == 0
    assert json.loads(passed.stdout)["runs"][0]["results"] == []
