"""``analyze docker://HOST/NAME:TAG`` against a registry this test serves on 127.0.0.1.

A real HTTP server (http.server in a thread), speaking the distribution (v2) API as the test
arranges it: an anonymous bearer-token challenge and its token endpoint, 404, 5xx, a manifest
that is not JSON, a manifest list with two platforms, a failing blob. The tests go through the
command line only, so they hold wherever the analyzer's modules move. The engine tests
(tests/image/test_engine_images.py) compare a real docker-registry with the engine's figures.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from dockerlens.cli import cli
from tests.cli_runner import CliRunner
from tests.image.conftest import image_config, layer_tar, sha256

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
TOKEN = "token-for-app-pull"


@dataclass
class Registry:
    """What the server answers. ``routes``: path -> (status, content type, body)."""

    routes: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    #: When set, /v2/ requests without this bearer token get a 401 challenge.
    challenge: str | None = None
    token_document: dict[str, Any] = field(default_factory=lambda: {"token": TOKEN})
    #: When set, the token endpoint answers this (status, body) instead.
    token_reply: tuple[int, bytes] | None = None
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    token_queries: list[dict[str, list[str]]] = field(default_factory=list)
    address: str = ""

    def add_image(self, tag: str, layers: list[bytes], commands: list[str]) -> bytes:
        """Serve an image (manifest by tag and digest, config, gzipped layers); its manifest."""
        config = image_config(layers, commands)
        self.blob(config)
        stored = [gzip.compress(layer, mtime=0) for layer in layers]
        for blob in stored:
            self.blob(blob)
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": sha256(config),
                    "size": len(config),
                },
                "layers": [
                    {
                        "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                        "digest": sha256(blob),
                        "size": len(blob),
                    }
                    for blob in stored
                ],
            }
        ).encode()
        self.manifest(tag, manifest, OCI_MANIFEST)
        return manifest

    def manifest(self, reference: str, body: bytes, media_type: str, status: int = 200) -> None:
        self.routes[f"/v2/app/manifests/{reference}"] = (status, media_type, body)
        self.routes[f"/v2/app/manifests/{sha256(body)}"] = (status, media_type, body)

    def blob(self, body: bytes) -> None:
        self.routes[f"/v2/app/blobs/{sha256(body)}"] = (200, "application/octet-stream", body)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        registry = self.server.registry
        url = urlsplit(self.path)
        if url.path == "/token":
            registry.token_queries.append(parse_qs(url.query))
            status, body = registry.token_reply or (
                200,
                json.dumps(registry.token_document).encode(),
            )
            self._send(status, "application/json", body)
            return
        authorization = self.headers.get("Authorization")
        registry.requests.append((url.path, authorization))
        if registry.challenge is not None and authorization != f"Bearer {TOKEN}":
            self._send(401, "application/json", b'{"errors": []}', registry.challenge)
            return
        status, media_type, body = registry.routes.get(
            url.path, (404, "application/json", b'{"errors": [{"code": "MANIFEST_UNKNOWN"}]}')
        )
        self._send(status, media_type, body)

    def _send(self, status: int, media_type: str, body: bytes, challenge: str = "") -> None:
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        if challenge:
            self.send_header("WWW-Authenticate", challenge)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    registry: Registry


@pytest.fixture
def registry() -> Iterator[Registry]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.registry = Registry(address=f"127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.registry
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def analyze(registry: Registry, reference: str, *args: str) -> tuple[int, Any, str]:
    source = f"docker://{registry.address}/{reference}"
    result = CliRunner().invoke(cli, ["analyze", "-q", "-f", "json", "--top", "0", *args, source])
    document = json.loads(result.stdout) if result.exit_code == 0 else None
    return result.exit_code, document, result.stderr


LAYERS = [
    layer_tar([("dir", "app"), ("file", "app/big.bin", 3000), ("file", "app/keep.txt", 40)]),
    layer_tar([("whiteout", "app/big.bin"), ("file", "app/new.txt", 7)]),
]


def test_an_image_is_read_through_the_v2_api(registry: Registry) -> None:
    registry.add_image("1.0", LAYERS, ["COPY app", "RUN rm big.bin"])
    code, document, stderr = analyze(registry, "app:1.0")
    assert code == 0, stderr
    (image,) = document["images"]
    assert [layer["size"] for layer in image["layers"]] == [3040, 7]
    assert [layer["created_by"] for layer in image["layers"]] == ["COPY app", "RUN rm big.bin"]
    assert [layer["compression"] for layer in image["layers"]] == ["gzip", "gzip"]
    assert image["wasted_bytes"] == 3000
    assert all(auth is None for _, auth in registry.requests)  # no challenge, no token


def test_a_bearer_challenge_gets_an_anonymous_token(registry: Registry) -> None:
    registry.add_image("1.0", LAYERS, ["COPY app", "RUN rm big.bin"])
    registry.challenge = (
        f'Bearer realm="http://{registry.address}/token",service="test-registry",'
        'scope="repository:app:pull"'
    )
    code, document, stderr = analyze(registry, "app:1.0")
    assert code == 0, stderr
    assert document["images"][0]["wasted_bytes"] == 3000
    assert registry.token_queries[0] == {
        "service": ["test-registry"],
        "scope": ["repository:app:pull"],
    }
    # After the first 401, every request carries the token.
    first_ok = next(i for i, (_, auth) in enumerate(registry.requests) if auth)
    assert first_ok == 1
    assert all(auth == f"Bearer {TOKEN}" for _, auth in registry.requests[1:])


def test_a_challenge_without_scope_asks_for_pull_of_the_repository(registry: Registry) -> None:
    registry.add_image("1.0", LAYERS, ["COPY app", "RUN rm big.bin"])
    registry.challenge = f'Bearer realm="http://{registry.address}/token"'
    code, _, stderr = analyze(registry, "app:1.0")
    assert code == 0, stderr
    assert registry.token_queries[0] == {"scope": ["repository:app:pull"]}


@pytest.mark.parametrize(
    ("token_document", "message"),
    [
        ({"access_token": TOKEN}, None),  # the OAuth2 spelling is accepted too
        ({"expires_in": 60}, "the token service sent no token"),
    ],
)
def test_token_documents(
    registry: Registry, token_document: dict[str, Any], message: str | None
) -> None:
    registry.add_image("1.0", LAYERS, ["COPY app", "RUN rm big.bin"])
    registry.challenge = f'Bearer realm="http://{registry.address}/token",service="s"'
    registry.token_document = token_document
    code, _, stderr = analyze(registry, "app:1.0")
    if message is None:
        assert code == 0, stderr
    else:
        assert code == 2 and message in stderr and "Traceback" not in stderr


def test_a_token_that_is_refused_again_is_one_line(registry: Registry) -> None:
    registry.add_image("1.0", LAYERS, ["COPY app", "RUN rm big.bin"])
    registry.challenge = f'Bearer realm="http://{registry.address}/token"'
    registry.token_document = {"token": "not-the-one-the-registry-wants"}
    code, _, stderr = analyze(registry, "app:1.0")
    assert code == 2
    assert stderr.startswith("dockerlens: error: ") and stderr.count("\n") == 1
    assert "the registry refused its own token service's token" in stderr
    assert f"anonymous: no credential for {registry.address}" in stderr
    # A refused token is replaced once (it may have expired), then the refusal is final.
    assert len(registry.token_queries) == 2


@pytest.mark.parametrize("reply", [(200, b"{not json"), (500, b"{}")])
def test_a_token_endpoint_that_fails(registry: Registry, reply: tuple[int, bytes]) -> None:
    registry.challenge = f'Bearer realm="http://{registry.address}/token"'
    registry.token_reply = reply
    code, _, stderr = analyze(registry, "app:1.0")
    assert code == 2 and "cannot get a pull token" in stderr and stderr.count("\n") == 1


@pytest.mark.parametrize("body", [b'["token"]', b'"token"', b"null", b"7"])
def test_a_token_document_that_is_not_an_object(registry: Registry, body: bytes) -> None:
    # JSON, but no object: one line, not an AttributeError's traceback.
    registry.challenge = f'Bearer realm="http://{registry.address}/token"'
    registry.token_reply = (200, body)
    code, _, stderr = analyze(registry, "app:1.0")
    assert code == 2
    assert stderr == (
        f"dockerlens: error: docker://{registry.address}/app:1.0: the token service sent no token\n"
    )


def test_a_challenge_without_a_realm(registry: Registry) -> None:
    registry.challenge = 'Bearer service="test-registry"'
    code, _, stderr = analyze(registry, "app:1.0")
    assert code == 2 and "auth challenge has no realm" in stderr


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (404, b'{"errors": []}', "no such image in the registry"),
        (503, b"unavailable", "registry error 503 after 5 attempts"),
        (500, b"boom", "registry error 500 after 5 attempts"),
        (200, b"<html>not json</html>", "the manifest is not JSON"),
    ],
)
def test_manifest_errors_are_one_line(
    registry: Registry, status: int, body: bytes, message: str
) -> None:
    registry.manifest("1.0", body, OCI_MANIFEST, status=status)
    code, _, stderr = analyze(registry, "app:1.0")
    assert code == 2, stderr
    assert stderr == f"dockerlens: error: docker://{registry.address}/app:1.0: {message}\n"
    # A 5xx is tried again (with growing pauses), anything else is final at once.
    asked = [path for path, _ in registry.requests if path == "/v2/app/manifests/1.0"]
    assert len(asked) == (5 if status >= 500 else 1)


def test_an_image_by_digest(registry: Registry) -> None:
    manifest = registry.add_image("1.0", LAYERS, ["COPY app", "RUN rm big.bin"])
    code, document, stderr = analyze(registry, f"app@{sha256(manifest)}")
    assert code == 0, stderr
    assert document["images"][0]["wasted_bytes"] == 3000
    assert (f"/v2/app/manifests/{sha256(manifest)}", None) in registry.requests


def test_a_malformed_repository_name(registry: Registry) -> None:
    code, _, stderr = analyze(registry, "Bad_Name:1")
    assert code == 2 and "malformed repository name 'Bad_Name'" in stderr
    assert registry.requests == []


def test_a_missing_tag_is_a_404(registry: Registry) -> None:
    registry.add_image("1.0", LAYERS, ["COPY app", "RUN rm big.bin"])
    code, _, stderr = analyze(registry, "app:2.0")
    assert code == 2 and "no such image in the registry" in stderr


def test_a_layer_blob_that_fails_is_one_line(registry: Registry) -> None:
    manifest = json.loads(registry.add_image("1.0", LAYERS, ["COPY app", "RUN rm big.bin"]))
    failing = manifest["layers"][1]["digest"]
    registry.routes[f"/v2/app/blobs/{failing}"] = (502, "text/plain", b"bad gateway")
    code, _, stderr = analyze(registry, "app:1.0")
    assert code == 2
    assert stderr.startswith("dockerlens: error: ") and stderr.count("\n") == 1
    assert "registry error 502" in stderr


def test_a_config_blob_that_is_not_json(registry: Registry) -> None:
    manifest = json.loads(registry.add_image("1.0", LAYERS, ["COPY app", "RUN rm big.bin"]))
    config = manifest["config"]["digest"]
    registry.routes[f"/v2/app/blobs/{config}"] = (200, "application/json", b"{not json")
    code, _, stderr = analyze(registry, "app:1.0")
    assert code == 2 and f"blob {config} is not JSON" in stderr


def test_a_missing_config_blob(registry: Registry) -> None:
    manifest = json.loads(registry.add_image("1.0", LAYERS, ["COPY app", "RUN rm big.bin"]))
    config = manifest["config"]["digest"]
    del registry.routes[f"/v2/app/blobs/{config}"]
    code, _, stderr = analyze(registry, "app:1.0")
    assert code == 2 and f"blob {config}: 404" in stderr


def test_bad_registry_options_are_refused_before_any_request(
    registry: Registry, tmp_path: Path
) -> None:
    """A registry that asks for no credential never reads them: a typing error in a
    credential option must not become a silent anonymous pull."""
    registry.add_image("1.0", LAYERS, ["COPY app", "RUN rm big.bin"])
    (tmp_path / "empty").write_text("")
    (tmp_path / "no-colon").write_text("alice\n")
    (tmp_path / "broken.json").write_text("{auths")
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "ca.crt").write_text("not a certificate\n")
    cases = [
        (["--creds", "alice"], "--creds: expected USER:PASSWORD"),
        (["--creds-file", str(tmp_path / "absent")], "absent: No such file or directory"),
        (["--creds-file", str(tmp_path / "empty")], "its first line is empty"),
        (["--creds-file", str(tmp_path / "no-colon")], "no-colon: expected USER:PASSWORD"),
        (["--authfile", str(tmp_path / "absent.json")], "absent.json does not exist"),
        (["--authfile", str(tmp_path / "broken.json")], "not a usable auth file (not JSON"),
        (["--cert-dir", str(tmp_path / "nowhere")], "nowhere: no such directory"),
        (["--cert-dir", str(tmp_path / "certs")], "ca.crt: not a usable certificate"),
    ]
    for options, message in cases:
        code, _, stderr = analyze(registry, "app:1.0", *options)
        assert code == 2 and stderr.startswith("dockerlens: error: "), (options, stderr)
        assert message in stderr and stderr.count("\n") == 1, (options, stderr)
        source = f"docker://{registry.address}/app:1.0"
        result = CliRunner().invoke(cli, ["diff", "-q", *options, source, source])
        assert result.exit_code == 2 and message in result.stderr, (options, result.stderr)
    assert registry.requests == []
    code, _, stderr = analyze(registry, "app:1.0", "--creds", "alice:pw")
    assert code == 0, stderr  # a good credential an open registry does not ask for


def test_an_unreachable_registry() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    result = CliRunner().invoke(cli, ["analyze", "-q", f"docker://127.0.0.1:{closed}/app:1"])
    assert result.exit_code == 2 and "cannot reach the registry" in result.stderr


def test_a_registry_that_never_answers_is_given_up_after_one_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A port that accepts connections and never answers: one wait, not five (5 x 60 s)."""
    import socket

    from dockerlens.image import registry_http

    monkeypatch.setattr(registry_http, "FIRST_ANSWER_TIMEOUT", 0.5, raising=False)
    monkeypatch.setattr(registry_http, "TIMEOUT", 0.5)
    monkeypatch.setattr(registry_http, "FIRST_PAUSE", 0.01)
    accepted: list[socket.socket] = []
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        silent.settimeout(0.1)
        port = silent.getsockname()[1]
        stop = threading.Event()

        def accept() -> None:
            while not stop.is_set():
                try:
                    accepted.append(silent.accept()[0])
                except OSError:
                    continue

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        try:
            for source in (f"docker://127.0.0.1:{port}/app:1", f"docker://127.0.0.1:{port}/"):
                before = len(accepted)
                result = CliRunner().invoke(cli, ["analyze", "-q", "--layers-only", source])
                assert result.exit_code == 2
                assert result.stderr == (
                    f"dockerlens: error: {source}: cannot reach the registry (no answer in 0.5 s)\n"
                )
                assert len(accepted) - before == 1
        finally:
            stop.set()
            thread.join()
            for connection in accepted:
                connection.close()


@pytest.mark.parametrize("media_type", [OCI_INDEX, DOCKER_LIST])
def test_a_manifest_list_gives_the_platform_asked_for(registry: Registry, media_type: str) -> None:
    amd = registry.add_image("amd", [layer_tar([("file", "amd64-only", 64)])], ["A"])
    arm = registry.add_image("arm", [layer_tar([("file", "arm64-only", 128)])], ["A"])
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": media_type,
            "manifests": [
                {
                    "mediaType": OCI_MANIFEST,
                    "digest": sha256(manifest),
                    "size": len(manifest),
                    "platform": {"os": "linux", "architecture": arch},
                }
                for manifest, arch in ((amd, "amd64"), (arm, "arm64"))
            ],
        }
    ).encode()
    registry.manifest("multi", index, media_type)
    sizes = {}
    for platform in ("linux/amd64", "linux/arm64"):
        code, document, stderr = analyze(registry, "app:multi", "--platform", platform)
        assert code == 0, stderr
        (image,) = document["images"]
        sizes[platform] = [layer["size"] for layer in image["layers"]]
    assert sizes == {"linux/amd64": [64], "linux/arm64": [128]}


def test_a_catalog_asks_for_a_catalog_token_then_pull_tokens(registry: Registry) -> None:
    registry.add_image("1.0", LAYERS, ["COPY app", "RUN rm big.bin"])
    registry.routes["/v2/_catalog"] = (200, "application/json", b'{"repositories": ["app"]}')
    registry.routes["/v2/app/tags/list"] = (
        200,
        "application/json",
        b'{"name": "app", "tags": ["1.0"]}',
    )
    registry.challenge = f'Bearer realm="http://{registry.address}/token"'
    result = CliRunner().invoke(
        cli, ["analyze", "-q", "-f", "json", "--layers-only", f"docker://{registry.address}/"]
    )
    assert result.exit_code == 0, result.stderr
    assert [image["ref"] for image in json.loads(result.stdout)["images"]] == [
        f"{registry.address}/app:1.0"
    ]
    scopes = [query["scope"] for query in registry.token_queries]
    assert scopes[0] == ["registry:catalog:*"]
    assert scopes[1:] and all(scope == ["repository:app:pull"] for scope in scopes[1:])
