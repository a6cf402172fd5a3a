"""The options that say how to reach a registry: credentials and TLS (declarations only: command
modules import this at start-up)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from dockerlens import arguments
from dockerlens.errors import UserError

if TYPE_CHECKING:
    from dockerlens.image.registry_auth import RegistryOptions

_Command = TypeVar("_Command", bound=Callable[..., Any])


def registry_options(command: _Command) -> _Command:
    """``--creds``, ``--creds-file``, ``--authfile``, ``--cert-dir``, ``--tls-verify``."""
    command = arguments.option(
        "--tls-verify",
        "tls_verify",
        type=arguments.BOOL,
        default=True,
        show_default=True,
        metavar="BOOL",
        help="Verify registries' TLS certificates; --tls-verify=false only for a registry you "
        "trust on a network you trust.",
    )(command)
    command = arguments.option(
        "--cert-dir",
        type=arguments.Path(file_okay=False),
        default=None,
        help="A registry's private CA (*.crt) and client certificate (*.cert + *.key); default: "
        "/etc/docker/certs.d/HOST:PORT, /etc/containers/certs.d/HOST:PORT. A loopback registry "
        "is spoken to over HTTPS when it has one, plain HTTP otherwise.",
    )(command)
    command = arguments.option(
        "--authfile",
        type=arguments.Path(dir_okay=False),
        default=None,
        help="Registry credentials file (auth.json or config.json); default: $REGISTRY_AUTH_FILE, "
        "then ${XDG_RUNTIME_DIR}/containers/auth.json, then $DOCKER_CONFIG/config.json with its "
        "credsStore / credHelpers.",
    )(command)
    command = arguments.option(
        "--creds-file",
        type=arguments.Path(dir_okay=False),
        default=None,
        help="A file whose first line is USER:PASSWORD for the registry (keeps it off the "
        "command line).",
    )(command)
    command = arguments.option(
        "--creds",
        metavar="USER:PASSWORD",
        default=None,
        help="Credentials for the registry (before any auth file).",
    )(command)
    return command


def registry_settings(
    creds: str | None,
    creds_file: str | None,
    authfile: str | None,
    cert_dir: str | None,
    tls_verify: bool,
) -> RegistryOptions:
    """The values of :func:`registry_options`, checked."""
    if creds is not None and creds_file is not None:
        raise UserError("--creds and --creds-file: give one")
    from dockerlens.image.errors import ImageInputError
    from dockerlens.image.registry_auth import RegistryOptions, check_options

    if cert_dir is not None and not os.path.isdir(cert_dir):
        raise UserError(f"--cert-dir {cert_dir}: no such directory")
    options = RegistryOptions(creds, creds_file, authfile, cert_dir, tls_verify)
    try:
        check_options(options)
    except ImageInputError as err:
        raise UserError(str(err)) from None
    return options
