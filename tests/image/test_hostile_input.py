"""Bad and hostile input ends in one line on stderr and exit 2: never a traceback, never a write."""

from __future__ import annotations

import gzip
import io
import json
import os
import tarfile
from pathlib import Path
from typing import Any

import pytest

from dockerlens.cli import cli
from tests.cli_runner import CliRunner


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["analyze", "-q", *args])


def assert_user_error(result: Any, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dockerlens: error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def raw_layer(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def files_under(directory: Path) -> set[str]:
    return {str(path.relative_to(directory)) for path in directory.rglob("*")}


def test_parent_escape_is_refused_and_nothing_is_written(archives: Any, tmp_path: Path) -> None:
    layer = raw_layer([("../../escaped", b"boom")])
    path = archives.docker_archive(
        "escape.tar", [{"tag": "x:1", "layers": [layer], "commands": ["A"]}]
    )
    before = files_under(tmp_path)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = run(f"docker-archive:{path}")
    finally:
        os.chdir(cwd)
    assert_user_error(result, "points outside the image root")
    assert files_under(tmp_path) == before


def test_truncated_archive(archives: Any, make_layer: Any, tmp_path: Path) -> None:
    layer = make_layer([("file", "big", 100_000)])
    path = archives.docker_archive("t.tar", [{"tag": "x:1", "layers": [layer], "commands": ["A"]}])
    data = path.read_bytes()
    layer_start = data.index(b"x" * 1000)
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(data[: layer_start + 5000])
    assert_user_error(run(f"docker-archive:{truncated}"), "truncated")


def test_truncated_layer_inside_a_complete_archive(archives: Any, make_layer: Any) -> None:
    layer = make_layer([("file", "big", 100_000)])[:20_000]
    path = archives.docker_archive("tl.tar", [{"tag": "x:1", "layers": [layer], "commands": ["A"]}])
    assert_user_error(run(f"docker-archive:{path}"), "truncated")


def test_corrupt_header_checksum(archives: Any, make_layer: Any) -> None:
    layer = bytearray(make_layer([("file", "a", 10), ("file", "b", 10)]))
    layer[1024 + 5] ^= 0xFF  # inside the second member's name
    path = archives.docker_archive(
        "c.tar", [{"tag": "x:1", "layers": [bytes(layer)], "commands": ["A"]}]
    )
    assert_user_error(run(f"docker-archive:{path}"), "checksum")


def test_corrupt_gzip_layer(archives: Any, make_layer: Any) -> None:
    data = bytearray(gzip.compress(make_layer([("file", "a", 50_000)])))
    data[len(data) // 2] ^= 0xFF
    path = archives.docker_archive(
        "g.tar", [{"tag": "x:1", "layers": [bytes(data)], "commands": ["A"]}]
    )
    assert_user_error(run(f"docker-archive:{path}"))


def test_decompression_bomb_is_refused(archives: Any, make_layer: Any) -> None:
    bomb = gzip.compress(make_layer([("file", "zeros", 20 << 20)]), compresslevel=9)
    assert len(bomb) < 100_000
    path = archives.docker_archive(
        "bomb.tar", [{"tag": "x:1", "layers": [bomb], "commands": ["A"]}]
    )
    assert_user_error(
        run("--max-layer-bytes", "1MiB", f"docker-archive:{path}"), "decompression bomb"
    )


def test_too_many_entries_is_refused(archives: Any, make_layer: Any) -> None:
    layer = make_layer([("file", f"f{i}", 0) for i in range(50)])
    path = archives.docker_archive(
        "many.tar", [{"tag": "x:1", "layers": [layer], "commands": ["A"]}]
    )
    assert_user_error(run("--max-entries", "10", f"docker-archive:{path}"), "more than 10 entries")


def test_absurd_size_field(archives: Any) -> None:
    # A header claiming a 1 TB member, with no such content behind it.
    header = tarfile.TarInfo("huge")
    header.size = 10**12
    block = header.tobuf(format=tarfile.GNU_FORMAT)
    path = archives.docker_archive(
        "huge.tar", [{"tag": "x:1", "layers": [block + bytes(1024)], "commands": ["A"]}]
    )
    assert_user_error(run(f"docker-archive:{path}"), "truncated")


def test_digest_with_a_path_in_it_is_refused(archives: Any, make_layer: Any) -> None:
    path = archives.oci_layout(
        "evil", [{"tag": "v", "layers": [make_layer([("file", "a", 1)])], "commands": ["A"]}]
    )
    index = json.loads((path / "index.json").read_text())
    index["manifests"][0]["digest"] = "sha256:../../../../etc/passwd"
    (path / "index.json").write_text(json.dumps(index))
    assert_user_error(run(f"oci:{path}"), "malformed digest")


def test_blob_symlink_out_of_the_layout_is_refused(
    archives: Any, make_layer: Any, tmp_path: Path
) -> None:
    path = archives.oci_layout(
        "link", [{"tag": "v", "layers": [make_layer([("file", "a", 1)])], "commands": ["A"]}]
    )
    index = json.loads((path / "index.json").read_text())
    blob = path / "blobs" / "sha256" / index["manifests"][0]["digest"][7:]
    outside = tmp_path / "outside.json"
    outside.write_bytes(blob.read_bytes())
    blob.unlink()
    blob.symlink_to(outside)
    assert_user_error(run(f"oci:{path}"), "outside the layout")


def test_layer_count_mismatch(archives: Any, make_layer: Any) -> None:
    path = archives.docker_archive(
        "mm.tar", [{"tag": "x:1", "layers": [make_layer([("file", "a", 1)])], "commands": ["A"]}]
    )
    with tarfile.open(path) as archive:
        members = {
            m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()
        }  # type: ignore[union-attr]
    manifest = json.loads(members["manifest.json"])
    manifest[0]["Layers"] = manifest[0]["Layers"] * 2
    members["manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(path, "w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    assert_user_error(run(f"docker-archive:{path}"), "lists 2 layers but the config has 1")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty or not a tar"),
        (b"hello, this is not a tar archive" * 40, "is not a tar archive (nor a gzip"),
    ],
    ids=["empty", "text"],
)
def test_not_an_archive(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "x.tar"
    path.write_bytes(content)
    assert_user_error(run(f"docker-archive:{path}"), fragment)


def test_missing_inputs(tmp_path: Path) -> None:
    assert_user_error(run(f"docker-archive:{tmp_path}/nope.tar"), "no such file")
    assert_user_error(run(f"oci:{tmp_path}/nope"), "no such file")
    assert_user_error(run(f"oci:{tmp_path}"), "index.json")
    assert_user_error(run(f"docker-archive:{tmp_path}"), "is a directory")


def test_unreachable_engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    assert_user_error(run("busybox:latest"), "cannot reach a Docker Engine")


def test_denied_engine_socket(tmp_path: Path) -> None:
    """A socket with no permission bits. Root passes permission checks through
    CAP_DAC_OVERRIDE, so as root the command runs with that capability dropped (util-linux's
    setpriv); either way the kernel itself refuses the connection."""
    import shutil
    import socket
    import subprocess
    import sys

    command = [sys.executable, "-m", "dockerlens", "analyze", "-q", "busybox:latest"]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("as root, a denied socket needs setpriv (util-linux) to drop privileges")
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]
    path = tmp_path / "denied.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.listen()
    os.chmod(path, 0)
    env = {**os.environ, "DOCKER_HOST": f"unix://{path}"}
    try:
        result = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=60, check=False
        )
    finally:
        server.close()
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (
        "dockerlens: error: permission denied on the Docker Engine socket "
        "(join the docker group or set DOCKER_HOST)"
    )


@pytest.mark.parametrize(
    "option",
    [
        ("--lowest-efficiency", "1.5"),
        ("--highest-wasted-bytes", "lots"),
        ("--max-image-size", "12 parsecs"),
    ],
)
def test_bad_threshold_values(option: tuple[str, str], archives: Any, make_layer: Any) -> None:
    path = archives.docker_archive(
        "ok.tar", [{"tag": "x:1", "layers": [make_layer([("file", "a", 1)])], "commands": ["A"]}]
    )
    assert_user_error(run(*option, f"docker-archive:{path}"), option[0].lstrip("-").split("-")[0])
