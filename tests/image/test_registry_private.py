"""``analyze docker://...`` against real private registries: Debian's docker-registry on 127.0.0.1
with htpasswd (bcrypt) authentication, with token authentication (a token service this test
runs, signing real JWTs the registry verifies against its certificate), with TLS from a test CA,
and behind a proxy that answers 503 and drops connections mid-blob.

Images are pushed with skopeo from OCI layouts written in Python. Credentials come from every
place skopeo and the Docker CLI read them: --creds, --creds-file, --authfile, REGISTRY_AUTH_FILE,
${XDG_RUNTIME_DIR}/containers/auth.json, $DOCKER_CONFIG/config.json and a credential helper
script the test writes on PATH.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dockerlens.cli import cli
from tests.cli_runner import CliRunner
from tests.image.conftest import ArchiveWriter, layer_tar, running_registry
from tests.image.registry_servers import (
    Certificate,
    TokenService,
    flaky_proxy,
    make_certificate,
    token_service,
)

pytestmark = pytest.mark.docker

USER = "alice"
PASSWORD = "pw-Zq8!secret-value"
LAYERS = [
    layer_tar([("dir", "app"), ("file", "app/big.bin", 3000), ("file", "app/keep.txt", 40)]),
    layer_tar([("whiteout", "app/big.bin"), ("file", "app/new.txt", 7)]),
]


def analyze(reference: str, *args: str) -> tuple[int, Any, str]:
    result = CliRunner().invoke(
        cli, ["analyze", "-q", "-f", "json", "--top", "0", *args, f"docker://{reference}"]
    )
    document = json.loads(result.stdout) if result.exit_code == 0 else None
    return result.exit_code, document, result.stderr


def check_figures(document: Any) -> None:
    (image,) = document["images"]
    assert [layer["size"] for layer in image["layers"]] == [3040, 7]
    assert image["wasted_bytes"] == 3000
    assert image["platform"] == "linux/amd64"


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    """An OCI layout holding the test image, tagged 1.0, gzip layers."""
    writer = ArchiveWriter(tmp_path)
    commands = ["COPY app", "RUN rm big.bin"]
    return writer.oci_layout(
        "layout", [{"layers": LAYERS, "commands": commands, "tag": "1.0"}], "gzip"
    )


@pytest.fixture(autouse=True)
def no_ambient_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A HOME, DOCKER_CONFIG and XDG_RUNTIME_DIR of the test's own, and no REGISTRY_AUTH_FILE."""
    home = tmp_path / "home"
    (home / ".docker").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("DOCKER_CONFIG", str(home / ".docker"))
    (tmp_path / "run").mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.delenv("REGISTRY_AUTH_FILE", raising=False)
    return home


def _bcrypt_line(user: str, password: str) -> str:
    import bcrypt

    return f"{user}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()}\n"


def push_as_alice(skopeo_copy: Callable[..., None], layout: Path, address: str) -> None:
    """The test image to ``address/team/app:1.0`` over HTTP, with USER's credentials."""
    skopeo_copy(
        f"oci:{layout}:1.0",
        f"docker://{address}/team/app:1.0",
        "--dest-tls-verify=false",
        "--dest-creds",
        f"{USER}:{PASSWORD}",
    )


@pytest.fixture
def htpasswd_registry(
    tmp_path_factory: pytest.TempPathFactory, layout: Path, skopeo_copy: Callable[..., None]
) -> Iterator[str]:
    root = tmp_path_factory.mktemp("htpasswd-registry")
    (root / "htpasswd").write_text(_bcrypt_line(USER, PASSWORD))
    auth = f"auth:\n  htpasswd:\n    realm: dockerlens-test\n    path: {root / 'htpasswd'}\n"
    with running_registry(root, auth) as address:
        push_as_alice(skopeo_copy, layout, address)
        yield address


def _auth_json(address: str, user: str, password: str) -> str:
    pair = base64.b64encode(f"{user}:{password}".encode()).decode()
    return json.dumps({"auths": {address: {"auth": pair}}})


# -- htpasswd: where the credential comes from --------------------------------------------------


def test_creds_on_the_command_line(htpasswd_registry: str) -> None:
    code, document, stderr = analyze(
        f"{htpasswd_registry}/team/app:1.0", "--creds", f"{USER}:{PASSWORD}"
    )
    assert code == 0, stderr
    check_figures(document)


def test_creds_file(htpasswd_registry: str, tmp_path: Path) -> None:
    creds = tmp_path / "creds"
    creds.write_text(f"{USER}:{PASSWORD}\n")
    code, document, stderr = analyze(
        f"{htpasswd_registry}/team/app:1.0", "--creds-file", str(creds)
    )
    assert code == 0, stderr
    check_figures(document)


def test_docker_config_auths(htpasswd_registry: str, no_ambient_credentials: Path) -> None:
    config = no_ambient_credentials / ".docker" / "config.json"
    config.write_text(_auth_json(htpasswd_registry, USER, PASSWORD))
    code, document, stderr = analyze(f"{htpasswd_registry}/team/app:1.0")
    assert code == 0, stderr
    check_figures(document)


@pytest.mark.parametrize("where", ["REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "--authfile"])
def test_containers_auth_json(
    htpasswd_registry: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    if where == "XDG_RUNTIME_DIR":
        auth_file = tmp_path / "run" / "containers" / "auth.json"
    else:
        auth_file = tmp_path / "elsewhere" / "auth.json"
    auth_file.parent.mkdir(parents=True, exist_ok=True)
    auth_file.write_text(_auth_json(htpasswd_registry, USER, PASSWORD))
    args: tuple[str, ...] = ()
    if where == "REGISTRY_AUTH_FILE":
        monkeypatch.setenv("REGISTRY_AUTH_FILE", str(auth_file))
    elif where == "--authfile":
        args = ("--authfile", str(auth_file))
    code, document, stderr = analyze(f"{htpasswd_registry}/team/app:1.0", *args)
    assert code == 0, stderr
    check_figures(document)


def test_auth_json_comes_before_the_docker_config(
    htpasswd_registry: str, tmp_path: Path, no_ambient_credentials: Path
) -> None:
    auth_file = tmp_path / "run" / "containers" / "auth.json"
    auth_file.parent.mkdir(parents=True, exist_ok=True)
    auth_file.write_text(_auth_json(htpasswd_registry, USER, "from-auth-json-wrong"))
    config = no_ambient_credentials / ".docker" / "config.json"
    config.write_text(_auth_json(htpasswd_registry, USER, PASSWORD))
    code, _, stderr = analyze(f"{htpasswd_registry}/team/app:1.0")
    assert code == 2
    assert f"user 'alice' from {auth_file}" in stderr and "from-auth-json-wrong" not in stderr


def _helper_script(directory: Path, name: str, password: str) -> Path:
    """``docker-credential-NAME``: answers ``get`` for any server, logs what it was asked."""
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / f"docker-credential-{name}"
    log = directory / f"{name}.log"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$1 $(cat)" >> {log}\n'
        'read_server=$(tail -n 1 "' + str(log) + '" | cut -d" " -f2)\n'
        f'printf \'{{"ServerURL":"%s","Username":"{USER}","Secret":"{password}"}}\' '
        '"$read_server"\n'
    )
    script.chmod(0o755)
    return log


@pytest.mark.parametrize("key", ["credHelpers", "credsStore"])
def test_a_credential_helper_on_path(
    htpasswd_registry: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_ambient_credentials: Path,
    key: str,
) -> None:
    log = _helper_script(tmp_path / "bin", "dltest", PASSWORD)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    value: Any = {htpasswd_registry: "dltest"} if key == "credHelpers" else "dltest"
    (no_ambient_credentials / ".docker" / "config.json").write_text(json.dumps({key: value}))
    code, document, stderr = analyze(f"{htpasswd_registry}/team/app:1.0")
    assert code == 0, stderr
    check_figures(document)
    assert log.read_text().splitlines()[0] == f"get {htpasswd_registry}"


def test_a_credential_helper_whose_password_is_wrong_is_named(
    htpasswd_registry: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_ambient_credentials: Path,
) -> None:
    _helper_script(tmp_path / "bin", "dltest", "not-the-password")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    config = no_ambient_credentials / ".docker" / "config.json"
    config.write_text(json.dumps({"credHelpers": {htpasswd_registry: "dltest"}}))
    code, _, stderr = analyze(f"{htpasswd_registry}/team/app:1.0")
    assert code == 2 and stderr.count("\n") == 1
    assert f"user 'alice' from {config} (docker-credential-dltest)" in stderr
    assert "not-the-password" not in stderr


def test_diff_takes_the_same_credentials(htpasswd_registry: str, tmp_path: Path) -> None:
    source = f"docker://{htpasswd_registry}/team/app:1.0"
    creds = tmp_path / "creds"
    creds.write_text(f"{USER}:{PASSWORD}\n")
    result = CliRunner().invoke(
        cli, ["diff", "-q", "-f", "json", "--creds-file", str(creds), source, source]
    )
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["files"] == [] and document["size"] == {"from": 47, "to": 47, "change": 0}
    refused = CliRunner().invoke(cli, ["diff", "-q", source, source, "--creds", f"{USER}:x"])
    assert refused.exit_code == 2
    assert "the registry refused the credentials (user 'alice' from --creds)" in refused.stderr


def test_a_wrong_password_names_the_credential_not_the_secret(htpasswd_registry: str) -> None:
    code, _, stderr = analyze(
        f"{htpasswd_registry}/team/app:1.0", "--creds", f"{USER}:wrong-{PASSWORD}"
    )
    assert code == 2
    assert stderr == (
        f"dockerlens: error: docker://{htpasswd_registry}/team/app:1.0: the registry refused "
        "the credentials (user 'alice' from --creds)\n"
    )
    assert PASSWORD not in stderr


def test_no_credential_says_where_it_looked(
    htpasswd_registry: str, no_ambient_credentials: Path
) -> None:
    config = no_ambient_credentials / ".docker" / "config.json"
    config.write_text(_auth_json("other.example:5000", USER, PASSWORD))
    code, _, stderr = analyze(f"{htpasswd_registry}/team/app:1.0")
    assert code == 2 and stderr.count("\n") == 1
    assert "asks for a user and password" in stderr
    assert f"no credential for {htpasswd_registry} in {config}" in stderr
    assert "--creds" in stderr


def test_bad_credential_options_are_one_line(htpasswd_registry: str, tmp_path: Path) -> None:
    code, _, stderr = analyze(f"{htpasswd_registry}/team/app:1.0", "--creds", "no-colon")
    assert code == 2 and "--creds: expected USER:PASSWORD" in stderr
    code, _, stderr = analyze(
        f"{htpasswd_registry}/team/app:1.0", "--authfile", str(tmp_path / "absent.json")
    )
    assert code == 2 and "does not exist" in stderr and "Traceback" not in stderr
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"auths": {htpasswd_registry: {"auth": "%%%not-base64"}}}))
    code, _, stderr = analyze(f"{htpasswd_registry}/team/app:1.0", "--authfile", str(broken))
    assert code == 2 and "not a usable auth file" in stderr and "Traceback" not in stderr


# -- token authentication ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def signer() -> Certificate:
    return make_certificate("dockerlens token signer")


@pytest.fixture
def token_registry(
    tmp_path_factory: pytest.TempPathFactory,
    signer: Certificate,
    layout: Path,
    skopeo_copy: Callable[..., None],
) -> Iterator[tuple[str, TokenService]]:
    root = tmp_path_factory.mktemp("token-registry")
    bundle, _ = signer.write(root, "token-signer")
    with token_service(signer, {USER: PASSWORD}) as service:
        service.refresh_tokens["refresh-4bd1"] = USER
        with running_registry(root, service.registry_config(bundle)) as address:
            push_as_alice(skopeo_copy, layout, address)
            service.issued.clear()
            yield address, service


def test_bearer_token_with_a_user_and_password(token_registry: tuple[str, TokenService]) -> None:
    address, service = token_registry
    code, document, stderr = analyze(f"{address}/team/app:1.0", "--creds", f"{USER}:{PASSWORD}")
    assert code == 0, stderr
    check_figures(document)
    # One token, for pulling this repository, as the registry's challenge asked.
    assert service.issued == [(USER, ["repository:team/app:pull"], False)]


def test_bearer_token_from_an_identity_token(
    token_registry: tuple[str, TokenService], no_ambient_credentials: Path
) -> None:
    address, service = token_registry
    config = no_ambient_credentials / ".docker" / "config.json"
    config.write_text(json.dumps({"auths": {address: {"identitytoken": "refresh-4bd1"}}}))
    code, document, stderr = analyze(f"{address}/team/app:1.0")
    assert code == 0, stderr
    check_figures(document)
    assert service.issued == [(USER, ["repository:team/app:pull"], False)]


def test_a_private_catalog_with_the_credential(token_registry: tuple[str, TokenService]) -> None:
    address, service = token_registry
    result = CliRunner().invoke(
        cli,
        [
            *("analyze", "-q", "-f", "json", "--layers-only", "-j", "1"),
            *("--creds", f"{USER}:{PASSWORD}", f"docker://{address}/"),
        ],
    )
    assert result.exit_code == 0, result.stderr
    (image,) = json.loads(result.stdout)["images"]
    assert image["ref"] == f"{address}/team/app:1.0"
    assert [layer["diff_id"] for layer in image["layers"]] == [
        "sha256:" + hashlib.sha256(layer).hexdigest() for layer in LAYERS
    ]
    # A catalog token, then pull tokens for the repository (its tag list, then the image).
    assert service.issued[0] == (USER, ["registry:catalog:*"], False)
    assert {tuple(scopes) for _, scopes, _ in service.issued[1:]} == {("repository:team/app:pull",)}


def test_an_expired_token_is_replaced(token_registry: tuple[str, TokenService]) -> None:
    address, service = token_registry
    service.expired_next = 1
    code, document, stderr = analyze(f"{address}/team/app:1.0", "--creds", f"{USER}:{PASSWORD}")
    assert code == 0, stderr
    check_figures(document)
    assert [expired for _, _, expired in service.issued] == [True, False]


def test_tokens_that_stay_expired_end_in_one_line(token_registry: tuple[str, TokenService]) -> None:
    address, service = token_registry
    service.expired_next = 10
    code, _, stderr = analyze(f"{address}/team/app:1.0", "--creds", f"{USER}:{PASSWORD}")
    assert code == 2 and stderr.count("\n") == 1
    assert "the registry refused its own token service's token (user 'alice' from --creds)" in (
        stderr
    )
    assert len(service.issued) == 2 and PASSWORD not in stderr


def test_the_token_service_refuses_a_wrong_password(
    token_registry: tuple[str, TokenService],
) -> None:
    address, service = token_registry
    code, _, stderr = analyze(f"{address}/team/app:1.0", "--creds", f"{USER}:nope")
    assert code == 2 and stderr.count("\n") == 1
    assert "the token service refused user 'alice' from --creds (HTTP 401)" in stderr
    assert service.refused == 1 and service.issued == []


def test_an_anonymous_token_without_access_is_refused(
    token_registry: tuple[str, TokenService],
) -> None:
    address, service = token_registry
    code, _, stderr = analyze(f"{address}/team/app:1.0")
    assert code == 2 and "anonymous: no credential for" in stderr
    assert [account for account, _, _ in service.issued] == [None, None]


# -- TLS ---------------------------------------------------------------------------------------


def _ca_dir(ca: Certificate, directory: Path) -> Path:
    """``directory/ca.crt`` alone, as a certs.d directory holds a CA (a lone .key is taken by
    skopeo for half of a client pair)."""
    crt, _ = ca.write(directory.parent / f"{directory.name}-ca", "ca")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "ca.crt").write_bytes(crt.read_bytes())
    return directory / "ca.crt"


@pytest.fixture
def tls_registry(
    tmp_path_factory: pytest.TempPathFactory, layout: Path, skopeo_copy: Callable[..., None]
) -> Iterator[tuple[str, Path]]:
    """A registry serving HTTPS with a certificate from a test CA; yields it and a cert dir
    holding that CA (``ca.crt``)."""
    root = tmp_path_factory.mktemp("tls-registry")
    ca = make_certificate("dockerlens test CA")
    server = make_certificate("127.0.0.1", issuer=ca)
    cert_dir = root / "certs"
    ca_file = _ca_dir(ca, cert_dir)
    served = server.write(root / "server", "server")
    with running_registry(root, tls=served, ca_file=ca_file) as address:
        skopeo_copy(
            f"oci:{layout}:1.0",
            f"docker://{address}/team/app:1.0",
            "--dest-cert-dir",
            str(cert_dir),
        )
        yield address, cert_dir


def test_a_private_ca_through_cert_dir(tls_registry: tuple[str, Path]) -> None:
    address, cert_dir = tls_registry
    code, document, stderr = analyze(f"{address}/team/app:1.0", "--cert-dir", str(cert_dir))
    assert code == 0, stderr
    check_figures(document)


def test_a_private_ca_in_the_certs_d_convention(
    tls_registry: tuple[str, Path], no_ambient_credentials: Path
) -> None:
    address, cert_dir = tls_registry
    # Without a certificate directory a loopback registry is spoken to over plain HTTP.
    code, _, stderr = analyze(f"{address}/team/app:1.0")
    assert code == 2 and stderr.count("\n") == 1
    assert f"{address} speaks HTTPS" in stderr and "--cert-dir" in stderr
    certs_d = no_ambient_credentials / ".config" / "containers" / "certs.d" / address
    certs_d.mkdir(parents=True)
    (certs_d / "ca.crt").write_bytes((cert_dir / "ca.crt").read_bytes())
    code, document, stderr = analyze(f"{address}/team/app:1.0")
    assert code == 0, stderr
    check_figures(document)


def test_an_untrusted_certificate_is_refused_unless_asked(
    tls_registry: tuple[str, Path], tmp_path: Path
) -> None:
    address, _ = tls_registry
    other = tmp_path / "other-ca"
    _ca_dir(make_certificate("some other CA"), other)
    code, _, stderr = analyze(f"{address}/team/app:1.0", "--cert-dir", str(other))
    assert code == 2 and stderr.count("\n") == 1
    assert f"TLS: the certificate of {address} could not be verified" in stderr
    assert "--cert-dir" in stderr and "--tls-verify=false" in stderr
    code, document, stderr = analyze(
        f"{address}/team/app:1.0", "--cert-dir", str(other), "--tls-verify=false"
    )
    assert code == 0, stderr
    check_figures(document)


# -- a flaky network ---------------------------------------------------------------------------


@pytest.fixture
def plain_registry(
    tmp_path_factory: pytest.TempPathFactory, layout: Path, skopeo_copy: Callable[..., None]
) -> Iterator[str]:
    with running_registry(tmp_path_factory.mktemp("plain-registry")) as address:
        skopeo_copy(
            f"oci:{layout}:1.0", f"docker://{address}/team/app:1.0", "--dest-tls-verify=false"
        )
        yield address


def _layer_digests(layout: Path) -> list[str]:
    index = json.loads((layout / "index.json").read_text())
    manifest_digest = index["manifests"][0]["digest"]
    manifest = json.loads((layout / "blobs" / "sha256" / manifest_digest[7:]).read_text())
    return [layer["digest"] for layer in manifest["layers"]]


def test_503s_and_dropped_blob_downloads_are_retried_and_resumed(
    plain_registry: str, layout: Path
) -> None:
    with flaky_proxy(plain_registry) as (address, proxy):
        proxy.manifest_503 = 2
        proxy.drop_blobs = "first"
        code, document, stderr = analyze(f"{address}/team/app:1.0")
    assert code == 0, stderr
    check_figures(document)
    manifests = [status for path, _, status in proxy.log if "/manifests/" in path]
    assert manifests[:3] == [503, 503, 200]
    for digest in _layer_digests(layout):
        (first_range, first_status), (resume_range, resume_status) = proxy.blob_requests(digest)
        # The first download was cut half-way; the second asked for the rest only.
        assert first_range is None and first_status == 200
        assert resume_range is not None and resume_range.startswith("bytes=")
        assert int(resume_range[6:-1]) > 0 and resume_status == 206


def test_a_registry_that_ignores_range_resumes_by_skipping(
    plain_registry: str, layout: Path
) -> None:
    with flaky_proxy(plain_registry) as (address, proxy):
        proxy.drop_blobs = "first"
        proxy.ignore_range = True
        code, document, stderr = analyze(f"{address}/team/app:1.0")
    assert code == 0, stderr
    check_figures(document)
    for digest in _layer_digests(layout):
        (first_range, _), (resume_range, resume_status) = proxy.blob_requests(digest)
        # Asked from byte N, sent whole: the first N bytes are read past, not counted twice.
        assert first_range is None and resume_range is not None and resume_status == 200


def test_a_manifest_cut_off_is_asked_for_again(plain_registry: str) -> None:
    with flaky_proxy(plain_registry) as (address, proxy):
        proxy.drop_manifests = 2
        code, document, stderr = analyze(f"{address}/team/app:1.0")
    assert code == 0, stderr
    check_figures(document)
    manifests = [path for path, _, _ in proxy.log if "/manifests/" in path]
    assert manifests[:3] == ["/v2/team/app/manifests/1.0"] * 3


def test_a_blob_that_keeps_failing_ends_in_one_line(plain_registry: str) -> None:
    with flaky_proxy(plain_registry) as (address, proxy):
        proxy.drop_blobs = "always"
        code, _, stderr = analyze(f"{address}/team/app:1.0")
    assert code == 2 and stderr.count("\n") == 1
    assert "broke off at byte 0 and could not be resumed after 5 attempts" in stderr
    (digest,) = {path.rpartition("/")[2] for path, _, _ in proxy.log if "/blobs/" in path}
    assert digest in stderr
    # The first request and four more, each asking from byte 0 again (nothing came).
    assert proxy.blob_requests(digest) == [(None, 200)] * 5


def test_a_registry_that_stays_unavailable_ends_in_one_line(plain_registry: str) -> None:
    with flaky_proxy(plain_registry) as (address, proxy):
        proxy.blob_503 = True
        code, _, stderr = analyze(f"{address}/team/app:1.0")
    assert code == 2 and stderr.count("\n") == 1
    assert "registry error 503 after 5 attempts" in stderr


def test_the_password_of_creds_is_not_in_the_options_repr() -> None:
    # The options travel with every registry store; a repr of them (a debugger, a log line, a
    # traceback that shows locals) must not show the password, as a Credential's does not.
    from dockerlens.image.registry_auth import Credential, RegistryOptions

    options = RegistryOptions(creds="alice:s3cret-pa55")
    assert "s3cret-pa55" not in repr(options)
    assert "s3cret-pa55" not in repr(Credential("alice", "s3cret-pa55", None, "--creds"))
