"""Fixtures for the analyzer's tests: a real Docker Engine, images built FROM scratch with
busybox-static, and archives written in Python for what no builder makes.

Without an engine the ``docker`` tests skip; with ``CI=true`` a skipped ``docker`` test fails the
run instead (a CI that silently skipped them would prove nothing).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BUSYBOX_CANDIDATES = ("/bin/busybox", "/usr/bin/busybox")


def unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail in CI."""
    if IN_CI:
        pytest.fail(f"CI=true and a docker test cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if IN_CI and report.skipped and item.get_closest_marker("docker") is not None:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"CI=true: a docker test was skipped ({reason})"


@pytest.fixture(scope="session")
def docker_client() -> Iterator[Any]:
    try:
        import docker
    except ImportError:
        unavailable("docker-py is not installed")
    try:
        client = docker.from_env()
        client.ping()
    except Exception as err:
        unavailable(f"no Docker Engine answers ({str(err).splitlines()[0][:120]})")
    yield client
    client.close()


@pytest.fixture(scope="session")
def busybox() -> str:
    for candidate in BUSYBOX_CANDIDATES:
        if os.path.isfile(candidate):
            with open(candidate, "rb") as file:
                head = file.read(4096)
            # A dynamically linked busybox would need libc in the image.
            if b"ld-linux" not in head and b"/lib64/ld" not in head:
                return candidate
    unavailable("busybox-static is not installed (apt-get install busybox-static)")
    raise AssertionError("unreachable")


def buildkit_client() -> str:
    """A docker CLI that builds with BuildKit under DOCKER_BUILDKIT=1 (Debian's docker.io
    client drives the engine's built-in BuildKit; a newer client wants the buildx plugin)."""
    candidates = ["/usr/bin/docker", shutil.which("docker") or ""]
    for candidate in dict.fromkeys(c for c in candidates if c and os.path.isfile(c)):
        probe = subprocess.run(
            [candidate, "build", "--help"],
            env={**os.environ, "DOCKER_BUILDKIT": "1"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if probe.returncode == 0 and "buildx" not in probe.stderr:
            return candidate
    unavailable("no docker CLI builds with BuildKit here (DOCKER_BUILDKIT=1)")
    raise AssertionError("unreachable")


class ImageBuilder:
    """Builds images with the real engine and removes every one of them at the end."""

    def __init__(self, client: Any, busybox: str, workdir: Path) -> None:
        self.client = client
        self.busybox = busybox
        self.workdir = workdir
        self.built: list[str] = []
        self.session = uuid.uuid4().hex[:8]

    def build(self, name: str, dockerfile: str, files: dict[str, bytes] | None = None) -> str:
        """Build ``dockerfile`` (busybox is in the context as ``busybox``); returns the tag."""
        context = self.workdir / f"{name}-{uuid.uuid4().hex[:6]}"
        context.mkdir(parents=True)
        shutil.copy(self.busybox, context / "busybox")
        for relative, content in (files or {}).items():
            target = context / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        (context / "Dockerfile").write_text(dockerfile)
        tag = f"dockerlens-test-{name}:{self.session}"
        import docker

        try:
            self.client.images.build(
                path=str(context), tag=tag, network_mode="none", rm=True, forcerm=True
            )
        except docker.errors.BuildError as err:
            log = "".join(str(line.get("stream", line)) for line in err.build_log)
            raise AssertionError(f"docker build of {name} failed:\n{log}") from None
        self.built.append(tag)
        return tag

    def save(self, tags: list[str], path: Path) -> Path:
        """``docker save`` of ``tags`` into one archive, through the Engine API."""
        response = self.client.api._get(
            self.client.api._url("/images/get"), params={"names": tags}, stream=True
        )
        self.client.api._raise_for_status(response)
        with path.open("wb") as out:
            for chunk in response.iter_content(1 << 20):
                out.write(chunk)
        return path

    def remove_all(self) -> None:
        for tag in reversed(self.built):
            with contextlib.suppress(Exception):  # already gone
                self.client.images.remove(tag, force=True)
        self.built.clear()


@pytest.fixture(scope="session")
def image_builder(
    docker_client: Any, busybox: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ImageBuilder]:
    builder = ImageBuilder(docker_client, busybox, tmp_path_factory.mktemp("contexts"))
    yield builder
    builder.remove_all()


@pytest.fixture(scope="session")
def skopeo_copy() -> Callable[..., None]:
    """``skopeo_copy(source, destination, *options)``: Debian's skopeo converting layouts."""
    path = shutil.which("skopeo")
    if path is None:
        unavailable("skopeo is not installed (apt-get install skopeo)")
    assert path is not None

    def copy(source: str, destination: str, *extra: str) -> None:
        done = subprocess.run(
            [path, "--insecure-policy", "copy", "--quiet", *extra, source, destination],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"skopeo copy {source} {destination}: {done.stderr}"

    return copy


# -- archives written in Python -----------------------------------------------------------------

LayerEntry = tuple[Any, ...]


def layer_tar(entries: list[LayerEntry]) -> bytes:
    """A layer tar from ``("file", path, size or content)``, ``("dir", path)``,
    ``("whiteout", path)``, ``("opaque", dir)``, ``("symlink", path, target)``,
    ``("hardlink", path, target)``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for entry in entries:
            kind, path = entry[0], entry[1]
            if kind == "whiteout":
                parent, _, base = path.rpartition("/")
                path = f"{parent}/.wh.{base}" if parent else f".wh.{base}"
                kind = "file"
                entry = (kind, path, 0)
            elif kind == "opaque":
                path = f"{path}/.wh..wh..opq" if path else ".wh..wh..opq"
                kind = "file"
                entry = (kind, path, 0)
            info = tarfile.TarInfo(path)
            info.mtime = 1_700_000_000
            if kind == "file":
                content = entry[2] if isinstance(entry[2], bytes) else b"x" * entry[2]
                info.size = len(content)
                info.mode = entry[3] if len(entry) > 3 else 0o644
                archive.addfile(info, io.BytesIO(content))
            elif kind == "dir":
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                archive.addfile(info)
            elif kind == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = entry[2]
                archive.addfile(info)
            elif kind == "hardlink":
                info.type = tarfile.LNKTYPE
                info.linkname = entry[2]
                archive.addfile(info)
            else:
                raise ValueError(kind)
    return buffer.getvalue()


def compress(data: bytes, compression: str) -> bytes:
    if compression == "gzip":
        return gzip.compress(data, mtime=0)
    if compression == "zstd":
        import zstandard

        return zstandard.ZstdCompressor().compress(data)
    return data


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def image_config(layers: list[bytes], commands: list[str], empty: tuple[int, ...] = ()) -> bytes:
    """A config whose history has ``commands`` for the layers plus empty entries at ``empty``."""
    history: list[dict[str, Any]] = [{"created_by": command} for command in commands]
    for position in sorted(empty):
        history.insert(position, {"created_by": "/bin/sh -c #(nop)  ENV A=1", "empty_layer": True})
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": [sha256(layer) for layer in layers]},
        "history": history,
    }
    return json.dumps(config).encode()


def _add_member(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 1_700_000_000
    archive.addfile(info, io.BytesIO(data))


class ArchiveWriter:
    """Writes image archives in the layouts the analyzer reads."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def docker_archive(
        self,
        name: str,
        images: list[dict[str, Any]],
        layout: str = "legacy",
    ) -> Path:
        """``images``: dicts with ``layers`` (tar bytes), ``commands``, optional ``tag``,
        ``empty``. ``layout``: ``legacy`` (``<id>/layer.tar``) or ``oci`` (Docker >= 25)."""
        path = self.directory / name
        manifest = []
        written: set[str] = set()
        index_manifests = []
        with tarfile.open(path, "w") as archive:
            for image in images:
                layers = image["layers"]
                config = image_config(layers, image["commands"], image.get("empty", ()))
                config_digest = sha256(config)
                members = []
                for layer in layers:
                    digest = sha256(layer)
                    if layout == "legacy":
                        member = f"{digest[7:]}/layer.tar"
                    else:
                        member = f"blobs/sha256/{digest[7:]}"
                    if member not in written:
                        _add_member(archive, member, layer)
                        written.add(member)
                    members.append(member)
                if layout == "legacy":
                    config_member = f"{config_digest[7:]}.json"
                else:
                    config_member = f"blobs/sha256/{config_digest[7:]}"
                    oci_manifest = json.dumps(
                        {
                            "schemaVersion": 2,
                            "mediaType": "application/vnd.oci.image.manifest.v1+json",
                            "config": {
                                "mediaType": "application/vnd.oci.image.config.v1+json",
                                "digest": config_digest,
                                "size": len(config),
                            },
                            "layers": [
                                {
                                    "mediaType": "application/vnd.oci.image.layer.v1.tar",
                                    "digest": sha256(layer),
                                    "size": len(layer),
                                }
                                for layer in layers
                            ],
                        }
                    ).encode()
                    _add_member(archive, f"blobs/sha256/{sha256(oci_manifest)[7:]}", oci_manifest)
                    index_manifests.append(
                        {
                            "mediaType": "application/vnd.oci.image.manifest.v1+json",
                            "digest": sha256(oci_manifest),
                            "size": len(oci_manifest),
                            "annotations": {
                                "io.containerd.image.name": f"docker.io/library/{image['tag']}",
                                "org.opencontainers.image.ref.name": image["tag"].split(":")[-1],
                            },
                        }
                    )
                if config_member not in written:
                    _add_member(archive, config_member, config)
                    written.add(config_member)
                manifest.append(
                    {
                        "Config": config_member,
                        "RepoTags": [image["tag"]] if image.get("tag") else None,
                        "Layers": members,
                    }
                )
            if layout == "oci":
                index = {"schemaVersion": 2, "manifests": index_manifests}
                _add_member(archive, "index.json", json.dumps(index).encode())
                _add_member(archive, "oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
            _add_member(archive, "manifest.json", json.dumps(manifest).encode())
        return path

    def oci_layout(
        self,
        name: str,
        images: list[dict[str, Any]],
        compression: str = "none",
        archive: bool = False,
    ) -> Path:
        """An OCI image layout (directory, or tar of one with ``archive``), no manifest.json."""
        blobs: dict[str, bytes] = {}
        descriptors = []
        for image in images:
            layers = image["layers"]
            config = image_config(layers, image["commands"], image.get("empty", ()))
            blobs[sha256(config)] = config
            layer_descriptors = []
            for layer in layers:
                stored = compress(layer, compression)
                blobs[sha256(stored)] = stored
                suffix = {"none": "", "gzip": "+gzip", "zstd": "+zstd"}[compression]
                layer_descriptors.append(
                    {
                        "mediaType": f"application/vnd.oci.image.layer.v1.tar{suffix}",
                        "digest": sha256(stored),
                        "size": len(stored),
                    }
                )
            manifest = json.dumps(
                {
                    "schemaVersion": 2,
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": {
                        "mediaType": "application/vnd.oci.image.config.v1+json",
                        "digest": sha256(config),
                        "size": len(config),
                    },
                    "layers": layer_descriptors,
                }
            ).encode()
            blobs[sha256(manifest)] = manifest
            descriptor: dict[str, Any] = {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": sha256(manifest),
                "size": len(manifest),
            }
            if image.get("tag"):
                descriptor["annotations"] = {"org.opencontainers.image.ref.name": image["tag"]}
            descriptors.append(descriptor)
        index = json.dumps({"schemaVersion": 2, "manifests": descriptors}).encode()
        files = {f"blobs/sha256/{digest[7:]}": data for digest, data in blobs.items()}
        files["index.json"] = index
        files["oci-layout"] = b'{"imageLayoutVersion": "1.0.0"}'
        path = self.directory / name
        if archive:
            with tarfile.open(path, "w") as out:
                for member in sorted(files):
                    _add_member(out, member, files[member])
        else:
            for member, data in files.items():
                (path / member).parent.mkdir(parents=True, exist_ok=True)
                (path / member).write_bytes(data)
        return path

    def multi_platform_layout(
        self, name: str, platforms: dict[str, list[bytes]], tag: str, compression: str = "none"
    ) -> Path:
        """An OCI layout whose ``tag`` names a multi-platform image index: one image of
        ``layers`` per ``os/arch[/variant]``, as ``docker buildx`` pushes them."""
        path = self.oci_layout(
            name,
            [{"layers": layers, "commands": ["A"] * len(layers)} for layers in platforms.values()],
            compression,
        )
        top = json.loads((path / "index.json").read_text())
        children = []
        for descriptor, platform in zip(top["manifests"], platforms, strict=True):
            os_name, architecture, *variant = platform.split("/")
            fields = {"os": os_name, "architecture": architecture}
            if variant:
                fields["variant"] = variant[0]
            children.append({**descriptor, "platform": fields})
        index = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "manifests": children,
            }
        ).encode()
        (path / "blobs" / "sha256" / sha256(index)[7:]).write_bytes(index)
        top["manifests"] = [
            {
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "digest": sha256(index),
                "size": len(index),
                "annotations": {"org.opencontainers.image.ref.name": tag},
            }
        ]
        (path / "index.json").write_text(json.dumps(top))
        return path


@pytest.fixture
def archives(tmp_path: Path) -> ArchiveWriter:
    return ArchiveWriter(tmp_path)


@pytest.fixture
def make_layer() -> Callable[[list[LayerEntry]], bytes]:
    return layer_tar


@contextlib.contextmanager
def running_registry(
    root: Path,
    extra_config: str = "",
    *,
    tls: tuple[Path, Path] | None = None,
    ca_file: Path | None = None,
) -> Iterator[str]:
    """:func:`tests.image.registry_push.serve_registry`, skipped (failed in CI) when
    docker-registry is missing or does not answer."""
    from tests.image.registry_push import RegistryUnavailable, serve_registry

    try:
        server = serve_registry(root, extra_config, tls=tls, ca_file=ca_file)
        address = server.__enter__()
    except RegistryUnavailable as err:
        unavailable(str(err))
    try:
        yield address
    finally:
        server.__exit__(None, None, None)


@pytest.fixture
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Debian's docker-registry (distribution) on a free loopback port; yields ``host:port``.

    One per test: skopeo remembers which compressed blobs a registry holds and reuses them
    instead of compressing as asked, so tests of different compressions need distinct ones."""
    with running_registry(tmp_path_factory.mktemp("registry")) as address:
        yield address


def measured_bytes(findings: list[dict[str, Any]]) -> dict[tuple[str, int], int]:
    """``lint --format json`` findings that carry ``measured_bytes``: (code, line) -> bytes."""
    return {
        (finding["code"], finding["line"]): finding["measured_bytes"]
        for finding in findings
        if finding["measured_bytes"] is not None
    }
