"""Registry credentials, found where skopeo and the Docker CLI find them, and how to speak TLS.

Order (the first place that has an entry for the registry wins): ``--creds`` / ``--creds-file``;
``--authfile`` or ``$REGISTRY_AUTH_FILE``; ``${XDG_RUNTIME_DIR}/containers/auth.json``; the
Docker CLI's ``$DOCKER_CONFIG/config.json`` (``~/.docker/config.json``). The two JSON files are
read by docker-py (``docker.auth``), which also runs ``credsStore`` / ``credHelpers``
(``docker-credential-NAME get``). A credential says where it came from; its secret is never part
of a message or a repr.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockerlens.image.errors import ImageInputError

DOCKER_HUB_HOSTS = ("registry-1.docker.io", "index.docker.io", "docker.io")
#: where the Docker CLI and podman/skopeo look for a registry's private CA and client certificate
CERTS_D_ROOTS = ("/etc/docker/certs.d", "/etc/containers/certs.d")


@dataclass(frozen=True, slots=True)
class RegistryOptions:
    """What the command line says about registries (all optional)."""

    #: ``USER:PASSWORD`` (``--creds``): a secret, kept out of the repr as a Credential's is
    creds: str | None = field(default=None, repr=False)
    #: a file whose first line is ``USER:PASSWORD`` (``--creds-file``)
    creds_file: str | None = None
    #: an auth.json / config.json to read instead of the default ones (``--authfile``)
    authfile: str | None = None
    #: a directory of ``*.crt`` CAs and ``*.cert``/``*.key`` client pairs (``--cert-dir``)
    cert_dir: str | None = None
    tls_verify: bool = True


@dataclass(frozen=True, slots=True)
class Credential:
    username: str | None
    password: str | None = field(repr=False)
    #: an OAuth2 refresh token (``identitytoken``): traded for a bearer token, never sent as is
    identity_token: str | None = field(default=None, repr=False)
    #: where it was found, as a person would look for it ("--creds", a file, a helper)
    origin: str = ""

    def describe(self) -> str:
        """``user 'alice' from /root/.docker/config.json``: names the credential, not its secret."""
        who = "an identity token" if self.identity_token else f"user {self.username!r}"
        return f"{who} from {self.origin}"


def _from_user_password(text: str, origin: str) -> Credential:
    username, colon, password = text.partition(":")
    if not colon or not username:
        raise ImageInputError(f"{origin}: expected USER:PASSWORD")
    return Credential(username, password, None, origin)


def _creds_file(path: str) -> Credential:
    try:
        with open(path, encoding="utf-8") as file:
            line = file.readline().rstrip("\r\n")
    except OSError as err:
        raise ImageInputError(f"--creds-file {path}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise ImageInputError(f"--creds-file {path}: not UTF-8 text") from None
    if not line:
        raise ImageInputError(
            f"--creds-file {path}: its first line is empty (expected USER:PASSWORD)"
        )
    return _from_user_password(line, f"--creds-file {path}")


def check_options(options: RegistryOptions) -> None:
    """What the command line names is checked before any image is read, whether or not a
    registry asks for it: a typing error in --creds-file is never a silent anonymous pull, and
    is told before an unreachable registry is."""
    if options.creds is not None:
        _from_user_password(options.creds, "--creds")
    if options.creds_file is not None:
        _creds_file(options.creds_file)
    if options.authfile is not None:
        import json

        try:
            with open(options.authfile, "rb") as file:
                document = json.loads(file.read())
        except FileNotFoundError:
            raise ImageInputError(f"auth file {options.authfile} does not exist") from None
        except OSError as err:
            raise ImageInputError(f"--authfile {options.authfile}: {err.strerror or err}") from None
        except ValueError as err:
            raise ImageInputError(
                f"{options.authfile}: not a usable auth file (not JSON: {err})"
            ) from None
        if not isinstance(document, dict):
            raise ImageInputError(f"{options.authfile}: not a usable auth file (not an object)")
    if options.cert_dir is not None:
        _load_certificates(ssl.create_default_context(), options.cert_dir, options.tls_verify)


def _auth_files(options: RegistryOptions) -> list[tuple[str, bool]]:
    """(path, whether it must exist) of the auth files to read, in order."""
    files: list[tuple[str, bool]] = []
    if options.authfile:
        files.append((options.authfile, True))
    elif os.environ.get("REGISTRY_AUTH_FILE"):
        files.append((os.environ["REGISTRY_AUTH_FILE"], True))
    else:
        runtime = os.environ.get("XDG_RUNTIME_DIR")
        if runtime:
            files.append((os.path.join(runtime, "containers", "auth.json"), False))
    docker_dir = os.environ.get("DOCKER_CONFIG") or os.path.join(Path.home(), ".docker")
    files.append((os.path.join(docker_dir, "config.json"), False))
    return files


def _credential_in(path: str, host: str) -> Credential | None:
    import docker.auth
    import docker.errors

    try:
        config = docker.auth.AuthConfig.load_config(path, None)
    except (docker.errors.DockerException, ValueError) as err:
        raise ImageInputError(f"{path}: not a usable auth file ({err})") from None
    if not config.get("auths") and not config.creds_store and not config.cred_helpers:
        return None
    key = "docker.io" if host in DOCKER_HUB_HOSTS else host
    helper = config.get_credential_store(key)
    try:
        entry: dict[str, Any] | None = config.resolve_authconfig(key)
    except (docker.errors.DockerException, ValueError) as err:
        # docker-py wraps the helper's failure; its text names the helper, not a secret.
        raise ImageInputError(
            f"{path}: the credential helper docker-credential-{helper} failed for {host} "
            f"({str(err).splitlines()[0][:200]})"
        ) from None
    if not entry:
        return None
    origin = path
    if helper is not None and "ServerAddress" in entry:  # docker-py's shape for a helper's answer
        origin = f"{path} (docker-credential-{helper})"
    token = entry.get("IdentityToken") or entry.get("identitytoken")
    username = entry.get("Username") or entry.get("username")
    password = entry.get("Password") or entry.get("password")
    if not token and not (username and password is not None):
        return None
    return Credential(username, password, token, origin)


def find_credential(host: str, options: RegistryOptions) -> tuple[Credential | None, list[str]]:
    """The credential for ``host``, and the places looked at (for a message when none is)."""
    if options.creds is not None:
        return _from_user_password(options.creds, "--creds"), ["--creds"]
    if options.creds_file is not None:
        return _creds_file(options.creds_file), [f"--creds-file {options.creds_file}"]
    looked: list[str] = []
    for path, required in _auth_files(options):
        if not os.path.exists(path):
            if required:
                raise ImageInputError(f"auth file {path} does not exist")
            continue
        looked.append(path)
        credential = _credential_in(path, host)
        if credential is not None:
            return credential, looked
    return None, looked


def _certs_dirs(host: str, options: RegistryOptions) -> list[str]:
    if options.cert_dir is not None:
        if not os.path.isdir(options.cert_dir):
            raise ImageInputError(f"--cert-dir {options.cert_dir} is not a directory")
        return [options.cert_dir]
    roots = [*CERTS_D_ROOTS, os.path.join(Path.home(), ".config", "containers", "certs.d")]
    return [os.path.join(root, host) for root in roots if os.path.isdir(os.path.join(root, host))]


def uses_https(host: str, options: RegistryOptions) -> bool:
    """Loopback registries speak plain HTTP unless a certificate directory is given for them."""
    name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
    if name not in ("localhost", "127.0.0.1", "[::1]"):
        return True
    return bool(_certs_dirs(host, options))


def tls_context(host: str, options: RegistryOptions) -> ssl.SSLContext:
    """System CAs plus the ``*.crt`` of the certificate directory; its client pair if any."""
    if not options.tls_verify:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        context = ssl.create_default_context()
    for directory in _certs_dirs(host, options):
        _load_certificates(context, directory, options.tls_verify)
    return context


def _load_certificates(context: ssl.SSLContext, directory: str, verify: bool) -> None:
    """The ``*.crt`` CAs (when verifying) and ``*.cert``/``*.key`` client pairs of a folder."""
    try:
        names = sorted(os.listdir(directory))
    except OSError as err:
        raise ImageInputError(f"--cert-dir {directory}: {err.strerror or err}") from None
    for name in names:
        path = os.path.join(directory, name)
        try:
            if name.endswith(".crt") and verify:
                context.load_verify_locations(cafile=path)
            elif name.endswith(".cert"):
                context.load_cert_chain(path, os.path.join(directory, name[:-5] + ".key"))
        except (OSError, ssl.SSLError) as err:
            raise ImageInputError(f"{path}: not a usable certificate ({err})") from None
