"""Servers for the private-registry tests, all on 127.0.0.1: certificates made with
``cryptography``, a token service that signs real JWTs for docker-registry's ``auth: token``, and
a flaky HTTP proxy in front of a registry that answers 503 and drops connections mid-blob.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import http.client
import ipaddress
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass
class Certificate:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    def write(self, directory: Path, name: str) -> tuple[Path, Path]:
        """``name.crt`` and ``name.key`` (PEM) in ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        crt, key = directory / f"{name}.crt", directory / f"{name}.key"
        crt.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        key.write_bytes(
            self.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        )
        return crt, key


def make_certificate(common_name: str, issuer: Certificate | None = None) -> Certificate:
    """A CA (``issuer`` None: self-signed) or a server certificate for 127.0.0.1 it signs."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    if issuer is None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        builder = builder.add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), True
        )
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            False,
        )
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False
        )
    signer = issuer.key if issuer else key
    return Certificate(key, builder.sign(signer, hashes.SHA256()))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class TokenService:
    """docker-registry's token server: Basic user/password or a refresh token in, a JWT out."""

    signer: Certificate
    users: dict[str, str]
    service: str = "dockerlens-test"
    issuer: str = "dockerlens-test-issuer"
    #: refresh token (an ``identitytoken``) -> account
    refresh_tokens: dict[str, str] = field(default_factory=dict)
    #: how many of the next tokens are issued already expired
    expired_next: int = 0
    #: (account or None, scopes, expired) of each token issued
    issued: list[tuple[str | None, list[str], bool]] = field(default_factory=list)
    refused: int = 0
    address: str = ""

    @property
    def realm(self) -> str:
        return f"http://{self.address}/token"

    def registry_config(self, bundle: Path) -> str:
        """The ``auth:`` section of the registry's config."""
        return (
            "auth:\n  token:\n"
            f"    realm: {self.realm}\n    service: {self.service}\n"
            f"    issuer: {self.issuer}\n    rootcertbundle: {bundle}\n"
        )

    def token(self, account: str | None, scopes: list[str]) -> str:
        expired = self.expired_next > 0
        self.expired_next = max(0, self.expired_next - 1)
        access = []
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            if account is not None and kind in ("repository", "registry"):
                access.append({"type": kind, "name": name, "actions": actions.split(",")})
        now = int(time.time())
        # The registry allows 60 s of clock skew: an hour ago is expired for certain.
        expires = now - 3600 if expired else now + 300
        claims = {
            "iss": self.issuer,
            "sub": account or "",
            "aud": self.service,
            "exp": expires,
            "nbf": expires - 600,
            "iat": expires - 600,
            "jti": uuid.uuid4().hex,
            "access": access,
        }
        der = self.signer.cert.public_bytes(serialization.Encoding.DER)
        header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
        signing_input = (
            f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
        )
        signature = self.signer.key.sign(
            signing_input.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        self.issued.append((account, scopes, expired))
        return f"{signing_input}.{_b64url(signature)}"


class _TokenHandler(BaseHTTPRequestHandler):
    server: _TokenServer

    def do_GET(self) -> None:
        service = self.server.service
        query = parse_qs(urlsplit(self.path).query)
        account: str | None = None
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic "):
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            if service.users.get(user) != password:
                service.refused += 1
                self._send(401, {"details": "wrong user or password"})
                return
            account = user
        self._send(200, self._document(account, query.get("scope", [])))

    def do_POST(self) -> None:
        service = self.server.service
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        account = service.refresh_tokens.get(form.get("refresh_token", [""])[0])
        if form.get("grant_type") != ["refresh_token"] or account is None:
            service.refused += 1
            self._send(401, {"details": "unknown refresh token"})
            return
        self._send(200, self._document(account, form.get("scope", [])))

    def _document(self, account: str | None, scopes: list[str]) -> dict[str, Any]:
        token = self.server.service.token(account, scopes)
        return {"token": token, "access_token": token, "expires_in": 300}

    def _send(self, status: int, document: dict[str, Any]) -> None:
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _TokenServer(ThreadingHTTPServer):
    service: TokenService


@contextlib.contextmanager
def serving(server: ThreadingHTTPServer) -> Iterator[str]:
    """Serve in a thread; yields ``127.0.0.1:PORT``."""
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextlib.contextmanager
def token_service(signer: Certificate, users: dict[str, str]) -> Iterator[TokenService]:
    server = _TokenServer(("127.0.0.1", 0), _TokenHandler)
    server.service = TokenService(signer, users)
    with serving(server) as address:
        server.service.address = address
        yield server.service


@dataclass
class FlakyProxy:
    """What the proxy does to the registry's answers, and what it saw."""

    upstream: str
    #: the next N manifest requests get a 503
    manifest_503: int = 0
    #: every blob request gets a 503
    blob_503: bool = False
    #: the next N manifest answers are cut off half-way
    drop_manifests: int = 0
    #: Range headers are not passed on (a registry that always sends the whole blob)
    ignore_range: bool = False
    #: "first": each blob's first download is cut off half-way; "always": every download of a
    #: blob is cut off before its first byte (no attempt makes progress)
    drop_blobs: str | None = None
    #: (path, Range header or None, status sent)
    log: list[tuple[str, str | None, int]] = field(default_factory=list)
    _dropped: set[str] = field(default_factory=set)

    def blob_requests(self, digest: str) -> list[tuple[str | None, int]]:
        return [(rng, status) for path, rng, status in self.log if path.endswith(digest)]


class _ProxyHandler(BaseHTTPRequestHandler):
    server: _ProxyServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        proxy = self.server.proxy
        path = urlsplit(self.path).path
        wanted_range = self.headers.get("Range")
        is_blob = "/blobs/" in path
        if (is_blob and proxy.blob_503) or ("/manifests/" in path and proxy.manifest_503 > 0):
            if not is_blob:
                proxy.manifest_503 -= 1
            proxy.log.append((path, wanted_range, 503))
            self._reply(503, {"Content-Type": "text/plain"}, b"unavailable")
            return
        connection = http.client.HTTPConnection(proxy.upstream, timeout=30)
        headers = {
            name: value
            for name, value in self.headers.items()
            if name.lower() in ("authorization", "accept", "range")
            and not (proxy.ignore_range and name.lower() == "range")
        }
        connection.request("GET", self.path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        connection.close()
        passed = {
            name: value
            for name, value in response.getheaders()
            if name.lower()
            in ("content-type", "www-authenticate", "content-range", "docker-content-digest")
        }
        proxy.log.append((path, wanted_range, response.status))
        drop = is_blob and response.status in (200, 206) and len(body) > 1
        if "/manifests/" in path and response.status == 200 and proxy.drop_manifests > 0:
            proxy.drop_manifests -= 1
            drop = True
        elif drop and proxy.drop_blobs == "first":
            drop = path not in proxy._dropped
            proxy._dropped.add(path)
        elif proxy.drop_blobs != "always":
            drop = False
        if drop:
            # The whole length is announced, half (or nothing) is sent, and the connection dies.
            self.send_response(response.status)
            for name, value in passed.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if proxy.drop_blobs != "always" else b"")
            self.wfile.flush()
            self.close_connection = True
            return
        self._reply(response.status, passed, body)

    def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ProxyServer(ThreadingHTTPServer):
    proxy: FlakyProxy


@contextlib.contextmanager
def flaky_proxy(upstream: str) -> Iterator[tuple[str, FlakyProxy]]:
    """A proxy on 127.0.0.1 in front of ``upstream``; yields its address and its settings."""
    server = _ProxyServer(("127.0.0.1", 0), _ProxyHandler)
    server.proxy = FlakyProxy(upstream)
    with serving(server) as address:
        yield address, server.proxy
