"""``dockerlens diff`` with the layer index cache: a layer an earlier diff read is not read again,
and the report is the same byte for byte (but for the ``read`` counts) with or without it."""

from __future__ import annotations

import json
import os
import tarfile
import urllib.request
from pathlib import Path
from typing import Any

import pytest

import dockerlens.image.registry_http
from dockerlens.cli import cli
from tests.cli_runner import CliRunner
from tests.image.conftest import sha256
from tests.image.test_diff import BASE, content_layer

APP_14 = content_layer({"app/main.py": b"print(1)\n" * 100, "app/old.txt": b"o" * 300})
APP_15 = content_layer(
    {"app/main.py": b"print(2)\n" * 300, "etc/app.conf": b"mode=new\n"},
    whiteouts=("usr/lib/gone.so",),
)
# Rewrites the base's etc/app.conf with the same size: only its content tells, so the base's copy
# must be hashed (or its digest known).
APP_16 = content_layer(
    {
        "app/main.py": b"print(3)\n" * 50,
        "app/data.bin": b"d" * 70_000,
        "etc/app.conf": b"mode=xyz\n",
    }
)


def diff_output(*args: str) -> str:
    result = CliRunner().invoke(cli, ["diff", "-q", "-f", "json", "--top", "0", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def without_read(output: str) -> str:
    """The report less its ``read`` counts, which say what this run read (its cost)."""
    document = json.loads(output)
    del document["read"]
    return json.dumps(document, indent=2)


def version(archives: Any, name: str, app: bytes) -> Path:
    tag = name.replace("-", ":", 1)
    path: Path = archives.docker_archive(
        f"{name}.tar", [{"tag": tag, "layers": [BASE, app], "commands": ["BASE", f"COPY {tag}"]}]
    )
    return path


def spoil(archive: Path, layer: bytes) -> None:
    """Overwrite ``layer``'s blob in ``archive`` with garbage of the same length (not a tar)."""
    member = f"{sha256(layer)[7:]}/layer.tar"
    with tarfile.open(archive) as opened:
        info = opened.getmember(member)
    with open(archive, "r+b") as handle:
        handle.seek(info.offset_data)
        handle.write((b"\xde\xad\xbe\xef" * (info.size // 4 + 1))[: info.size])


def test_a_second_diff_reads_none_of_the_shared_layers(archives: Any) -> None:
    app_14 = version(archives, "app-1.4", APP_14)
    app_15 = version(archives, "app-1.5", APP_15)
    app_16 = version(archives, "app-1.6", APP_16)
    first = json.loads(diff_output(f"docker-archive:{app_14}", f"docker-archive:{app_15}"))
    assert first["read"]["layers"] == 3 and first["read"]["layers_from_cache"] == 0
    expected = diff_output("--no-cache", f"docker-archive:{app_14}", f"docker-archive:{app_16}")

    # The base both share, and 1.4's app layer, read by the first diff: made unreadable.
    spoil(app_14, BASE)
    spoil(app_16, BASE)
    spoil(app_14, APP_14)
    broken = CliRunner().invoke(
        cli, ["diff", "-q", "--no-cache", f"docker-archive:{app_14}", f"docker-archive:{app_16}"]
    )
    assert broken.exit_code == 2  # read, the garbage is an error

    output = diff_output(f"docker-archive:{app_14}", f"docker-archive:{app_16}")
    assert without_read(output) == without_read(expected)
    read = json.loads(output)["read"]
    # Only 1.6's own layer is read, once for its headers and once to hash etc/app.conf; the
    # base's etc/app.conf digest was kept when the first diff hashed it.
    assert (read["layers"], read["layers_from_cache"]) == (1, 2)
    assert (read["layers_hashed"], read["digests_from_cache"]) == (1, 1)
    files = {item["path"]: item for item in json.loads(output)["files"]}
    assert files["/etc/app.conf"]["change"] == "modified"
    assert files["/etc/app.conf"]["content_differs"] is True


def test_same_report_cold_warm_and_without_cache(archives: Any) -> None:
    app_14 = version(archives, "app-1.4", APP_14)
    app_15 = version(archives, "app-1.5", APP_15)
    sources = (f"docker-archive:{app_14}", f"docker-archive:{app_15}")
    uncached = diff_output("--no-cache", *sources)
    cold = diff_output(*sources)
    warm = diff_output(*sources)
    assert without_read(uncached) == without_read(cold) == without_read(warm)
    assert json.loads(uncached)["read"] == json.loads(cold)["read"] | {
        "layers_from_cache": 0,
        "digests_from_cache": 0,
    }
    assert json.loads(warm)["read"] == {
        **json.loads(warm)["read"],
        "layers": 0,
        "bytes": 0,
        "layers_hashed": 0,
        "layers_from_cache": 3,
    }


def test_no_cache_writes_nothing_and_corrupt_entries_are_misses(
    archives: Any, tmp_path: Path
) -> None:
    app_14 = version(archives, "app-1.4", APP_14)
    app_15 = version(archives, "app-1.5", APP_15)
    sources = (f"docker-archive:{app_14}", f"docker-archive:{app_15}")
    folder = tmp_path / "cache"
    diff_output("--no-cache", "--cache-dir", str(folder), *sources)
    assert not folder.exists()
    expected = diff_output("--cache-dir", str(folder), *sources)
    entries = [path for path in folder.rglob("*.json") if path.parent.name.startswith("layer")]
    assert len(entries) == 3 + 2  # three layer indexes, digests of two layers
    for number, path in enumerate(entries):
        path.write_bytes([b"", b"{not json", b"[]", b'{"diff_id": 1}', b"null"][number % 5])
    again = diff_output("--cache-dir", str(folder), *sources)
    assert without_read(again) == without_read(expected)
    assert json.loads(again)["read"]["layers"] == 3  # every entry a miss: all read again
    assert json.loads(again)["read"]["layers_from_cache"] == 0


def test_cache_dir_from_the_environment(archives: Any, tmp_path: Path) -> None:
    app_14 = version(archives, "app-1.4", APP_14)
    app_15 = version(archives, "app-1.5", APP_15)
    diff_output(f"docker-archive:{app_14}", f"docker-archive:{app_15}")
    kept = Path(os.environ["DOCKERLENS_CACHE_DIR"])
    assert (kept / "v1" / "layers" / f"{sha256(BASE)[7:]}.json").is_file()
    assert (kept / "CACHEDIR.TAG").is_file()


def test_cache_dir_setting_of_the_project_configuration(
    archives: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app_14 = version(archives, "app-1.4", APP_14)
    app_15 = version(archives, "app-1.5", APP_15)
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    (project / ".dockerlens.toml").write_text('cache-dir = "cache"\n')
    monkeypatch.delenv("DOCKERLENS_CACHE_DIR")
    monkeypatch.chdir(project / "sub")
    diff_output(f"docker-archive:{app_14}", f"docker-archive:{app_15}")
    # Relative to the file that sets it, as lint reads it.
    assert (project / "cache" / "v1" / "layers" / f"{sha256(BASE)[7:]}.json").is_file()
    # The environment and --cache-dir still come first.
    monkeypatch.setenv("DOCKERLENS_CACHE_DIR", str(tmp_path / "env"))
    diff_output(f"docker-archive:{app_14}", f"docker-archive:{app_15}")
    assert (tmp_path / "env" / "v1" / "layers").is_dir()
    (project / ".dockerlens.toml").write_text("cache-dir = 3\n")
    result = CliRunner().invoke(
        cli, ["diff", "-q", f"docker-archive:{app_14}", f"docker-archive:{app_15}"]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("dockerlens: error: ") and "cache-dir: expected a folder" in (
        result.stderr
    )


@pytest.mark.docker
def test_engine_images_same_report_with_and_without_cache(
    image_builder: Any, tmp_path: Path
) -> None:
    base = "FROM scratch\nCOPY busybox /bin/busybox\n"
    before = image_builder.build(
        "diffidx-a", base + 'RUN ["/bin/busybox", "sh", "-c", "echo aaaa > /conf"]\n'
    )
    after = image_builder.build(
        "diffidx-b",
        base
        + 'RUN ["/bin/busybox", "sh", "-c", "echo aaaa > /conf"]\n'
        + 'RUN ["/bin/busybox", "sh", "-c", "echo bbbb > /conf; echo new > /added"]\n',
    )
    uncached = diff_output("--no-cache", before, after)
    assert without_read(diff_output(before, after)) == without_read(uncached)
    # Saved as archives: the Engine's export filled the index, so the archives' layers are not
    # read; /conf's digest in TO's last layer is not kept (the export hashed it as it streamed),
    # so that layer alone is read, to hash it.
    saved_before = image_builder.save([before], tmp_path / "a.tar")
    saved_after = image_builder.save([after], tmp_path / "b.tar")
    archived = (f"docker-archive:{saved_before}", f"docker-archive:{saved_after}")
    output = diff_output(*archived)
    assert without_read(output) == without_read(diff_output("--no-cache", *archived))
    assert json.loads(output)["files"] == json.loads(uncached)["files"]
    read = json.loads(output)["read"]
    assert (read["layers"], read["layers_from_cache"]) == (0, 3)
    assert read["layers_hashed"] == 2


def _layer_blobs(registry: str, reference: str) -> list[str]:
    request = urllib.request.Request(
        f"http://{registry}/v2/dockerlens/app/manifests/{reference}",
        headers={
            "Accept": "application/vnd.docker.distribution.manifest.v2+json, "
            "application/vnd.oci.image.manifest.v1+json"
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        manifest = json.loads(response.read())
    return [layer["digest"] for layer in manifest["layers"]]


@pytest.mark.docker
def test_registry_layers_in_the_index_are_not_downloaded(
    archives: Any, skopeo_copy: Any, registry: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app_14 = version(archives, "app-1.4", APP_14)
    app_15 = version(archives, "app-1.5", APP_15)
    app_16 = version(archives, "app-1.6", APP_16)
    for tag, archive in (("1.4", app_14), ("1.6", app_16)):
        skopeo_copy(
            f"docker-archive:{archive}",
            f"docker://{registry}/dockerlens/app:{tag}",
            "--dest-tls-verify=false",
        )
    remote = (f"docker://{registry}/dockerlens/app:1.4", f"docker://{registry}/dockerlens/app:1.6")
    expected = diff_output("--no-cache", *remote)
    diff_output(f"docker-archive:{app_14}", f"docker-archive:{app_15}")  # fills the index

    downloads: list[str] = []
    real_open = dockerlens.image.registry_http.RegistryHTTP.open

    def counting_open(self: Any, path: str, accept: str | None = None, start: int = 0) -> Any:
        if path.startswith("blobs/"):
            downloads.append(path.removeprefix("blobs/"))
        return real_open(self, path, accept, start)

    monkeypatch.setattr(dockerlens.image.registry_http.RegistryHTTP, "open", counting_open)
    output = diff_output(*remote)
    assert without_read(output) == without_read(expected)
    base_blob, own_blob = _layer_blobs(registry, "1.6")
    assert base_blob in _layer_blobs(registry, "1.4")
    # 1.6's own layer: its headers, then etc/app.conf's content to hash. Nothing else.
    layer_downloads = [blob for blob in downloads if blob in (base_blob, own_blob)]
    assert layer_downloads == [own_blob, own_blob]
    assert not set(_layer_blobs(registry, "1.4")) & set(downloads)


def test_every_kind_of_entry_comes_back_from_the_index(
    archives: Any, make_layer: Any, tmp_path: Path
) -> None:
    base = make_layer(
        [
            ("dir", "opt"),
            ("dir", "opt/data"),
            ("file", "opt/data/a", 300),
            ("file", "opt/tool", b"#!/bin/sh\n"),
            ("symlink", "opt/current", "data/a"),
            ("hardlink", "opt/tool-link", "opt/tool"),
            ("file", "opt/gone", 40),
            ("file", "etc/keep", b"same\n"),
        ]
    )
    from_top = make_layer([("file", "opt/from-only", 5), ("file", "etc/keep", b"from\n")])
    to_top = make_layer(
        [
            ("opaque", "opt/data"),
            ("file", "opt/data/b", 70),
            ("whiteout", "opt/gone"),
            ("symlink", "opt/current", "data/b"),
            ("hardlink", "opt/tool-link2", "opt/tool"),
            ("file", "etc/keep", b"to!!\n"),
        ]
    )
    before = archives.docker_archive(
        "k1.tar", [{"tag": "k:1", "layers": [base, from_top], "commands": ["BASE", "A"]}]
    )
    after = archives.docker_archive(
        "k2.tar", [{"tag": "k:2", "layers": [base, to_top], "commands": ["BASE", "B"]}]
    )
    sources = (f"docker-archive:{before}", f"docker-archive:{after}")
    uncached = diff_output("--no-cache", *sources)
    cold = diff_output("--cache-dir", str(tmp_path / "c"), *sources)
    warm = diff_output("--cache-dir", str(tmp_path / "c"), *sources)
    assert without_read(uncached) == without_read(cold) == without_read(warm)
    assert json.loads(warm)["read"]["layers"] == 0
    changes = {item["path"]: item["change"] for item in json.loads(warm)["files"]}
    assert changes == {
        "/opt/data/a": "removed",
        "/opt/data/b": "added",
        "/opt/gone": "removed",
        "/opt/from-only": "removed",
        "/opt/current": "modified",
        "/opt/tool-link2": "added",
        "/etc/keep": "modified",
    }

    from dockerlens.image.archive import TarFileStore
    from dockerlens.image.layer_index import LayerIndex
    from dockerlens.image.model import Limits

    index = LayerIndex(tmp_path / "c")
    store = TarFileStore(str(after), "k2", Limits())
    for layer in (base, to_top):
        kept = index.get(sha256(layer))
        read = store.scan(f"{sha256(layer)[7:]}/layer.tar", "k2")
        assert kept is not None
        assert (kept.entries, kept.size, kept.tar_bytes) == (
            read.entries,
            read.size,
            read.tar_bytes,
        )
    store.close()
