"""A real docker-registry on loopback, and images pushed to it through the distribution (v2) HTTP
API from Python: blobs uploaded (or mounted from another repository that has them), then the
manifest. Used by the registry tests and by bench/bench_fleet.py (a thousand images in seconds).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"


class RegistryUnavailable(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def serve_registry(
    root: Path,
    extra_config: str = "",
    *,
    tls: tuple[Path, Path] | None = None,
    ca_file: Path | None = None,
) -> Iterator[str]:
    """Debian's docker-registry storing under ``root``, on a free loopback port: ``host:port``.

    ``extra_config``: more top-level YAML (``auth:`` ...). ``tls``: (certificate, key) to serve
    HTTPS with, verified against ``ca_file`` while waiting for it to answer."""
    binary = shutil.which("docker-registry") or "/usr/bin/docker-registry"
    if not os.path.exists(binary):
        raise RegistryUnavailable(
            "docker-registry is not installed (apt-get install docker-registry)"
        )
    port = free_port()
    config = root / "config.yml"
    http = f"http:\n  addr: 127.0.0.1:{port}\n"
    if tls is not None:
        http += f"  tls:\n    certificate: {tls[0]}\n    key: {tls[1]}\n"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: error\n"
        f"storage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n"
        f"{http}{extra_config}"
    )
    address = f"127.0.0.1:{port}"
    scheme = "https" if tls is not None else "http"
    context = ssl.create_default_context(cafile=str(ca_file)) if ca_file is not None else None
    with (root / "registry.log").open("wb") as log:
        process = subprocess.Popen([binary, "serve", str(config)], stdout=log, stderr=log)
        try:
            for _ in range(100):
                try:
                    with urllib.request.urlopen(
                        f"{scheme}://{address}/v2/", timeout=1, context=context
                    ):
                        break
                except urllib.error.HTTPError:
                    break  # it answers (401 when it asks for credentials)
                except OSError:
                    time.sleep(0.1)
            else:
                last_lines = (root / "registry.log").read_text(errors="replace")[-500:]
                raise RegistryUnavailable(
                    f"docker-registry did not answer on {address}: {last_lines}"
                )
            yield address
        finally:
            process.terminate()
            process.wait(timeout=10)


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Pusher:
    """Pushes images to the registry at ``address``; one keep-alive connection per thread."""

    def __init__(self, address: str) -> None:
        self.address = address
        self._local = threading.local()
        #: blob digest -> a repository that holds it (a later push mounts it from there)
        self._holders: dict[str, str] = {}
        self._lock = threading.Lock()

    def _request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> http.client.HTTPResponse:
        for attempt in range(2):
            connection = getattr(self._local, "connection", None)
            if connection is None:
                connection = http.client.HTTPConnection(self.address, timeout=30)
                self._local.connection = connection
            try:
                connection.request(method, path, body=body, headers=headers or {})
                response = connection.getresponse()
                response.read()
                return response
            except (http.client.HTTPException, OSError):
                connection.close()
                self._local.connection = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def blob(self, repository: str, data: bytes) -> str:
        """Upload ``data`` to ``repository`` (mounted when another repository has it)."""
        digest = digest_of(data)
        with self._lock:
            holder = self._holders.get(digest)
        if holder == repository:
            return digest
        if holder is not None:
            response = self._request(
                "POST", f"/v2/{repository}/blobs/uploads/?mount={digest}&from={holder}"
            )
            if response.status == 201:
                return digest
            location = response.getheader("Location") or ""
        else:
            response = self._request("POST", f"/v2/{repository}/blobs/uploads/")
            location = response.getheader("Location") or ""
        if response.status != 202 or not location:
            raise RuntimeError(f"upload of {digest} to {repository}: HTTP {response.status}")
        path = location.split(self.address, 1)[-1]
        separator = "&" if "?" in path else "?"
        response = self._request(
            "PUT",
            f"{path}{separator}digest={digest}",
            data,
            {"Content-Type": "application/octet-stream"},
        )
        if response.status != 201:
            raise RuntimeError(f"upload of {digest} to {repository}: HTTP {response.status}")
        with self._lock:
            self._holders.setdefault(digest, repository)
        return digest

    def push(
        self,
        repository: str,
        tag: str,
        layers: list[bytes],
        commands: list[str],
    ) -> str:
        """Push an image of uncompressed layer tars ``layers`` (stored gzipped) whose history has
        ``commands``; returns the manifest's digest."""
        config = json.dumps(
            {
                "architecture": "amd64",
                "os": "linux",
                "config": {},
                "rootfs": {"type": "layers", "diff_ids": [digest_of(layer) for layer in layers]},
                "history": [{"created_by": command} for command in commands],
            }
        ).encode()
        stored = [gzip.compress(layer, compresslevel=1, mtime=0) for layer in layers]
        descriptors = [
            {"mediaType": OCI_LAYER_GZIP, "digest": self.blob(repository, blob), "size": len(blob)}
            for blob in stored
        ]
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": {
                    "mediaType": OCI_CONFIG,
                    "digest": self.blob(repository, config),
                    "size": len(config),
                },
                "layers": descriptors,
            }
        ).encode()
        response = self._request(
            "PUT", f"/v2/{repository}/manifests/{tag}", manifest, {"Content-Type": OCI_MANIFEST}
        )
        if response.status != 201:
            raise RuntimeError(f"manifest {repository}:{tag}: HTTP {response.status}")
        return digest_of(manifest)
