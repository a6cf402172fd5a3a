"""Secrets: the file names that hold credentials, and what a file's content says.

The linter's DK209 judges the names a ``COPY`` writes (:func:`secret_kind`); the analyzer
reads the files of an image's layers, by name first (:func:`worth_reading`) and content second
(:func:`sniff`). A :class:`Secret` says what kind of credential and where, never its value.
"""

from __future__ import annotations

import math
import posixpath
import re
from typing import NamedTuple

from dockerlens.lazyre import LazyPattern
from dockerlens.paths import is_glob, parts

_SECRET_NAMES = frozenset(
    {
        ".env",
        ".npmrc",
        ".pypirc",
        ".netrc",
        "_netrc",
        ".git-credentials",
        ".dockercfg",
        ".pgpass",
        ".my.cnf",
        ".s3cfg",
        ".boto",
        ".vault-token",
        ".ssh",
        ".gnupg",
        "id_rsa",
        "id_dsa",
        "id_ecdsa",
        "id_ed25519",
        "id_ecdsa_sk",
        "id_ed25519_sk",
        "credentials.json",
        "client_secret.json",
        "service-account.json",
        "service_account.json",
        "gcloud-service-key.json",
        "secrets.json",
        "secrets.yaml",
        "secrets.yml",
        "secret.json",
        "secret.yaml",
        "secret.yml",
        "kubeconfig",
    }
)
#: Secrets known by their directory: ``.aws/credentials``, ``.docker/config.json``.
_SECRET_TAILS = frozenset(
    {".aws/credentials", ".docker/config.json", ".kube/config", ".aws/config"}
)
#: Private keys and key stores.
_KEY_SUFFIXES = (".key", ".p12", ".pfx", ".jks", ".keystore", ".ppk", ".p8")
#: Words in the name of a ``.pem`` or key store that holds certificates or Diffie-Hellman
#: parameters (``dhparam.pem``, ``dh2048.pem``, ``ffdhe4096.pem``: public), not keys.
_PUBLIC_WORDS = LazyPattern(
    r"(cert|crt|chain|bundle|^ca[-_.]|[-_.]ca$|^ca$|root|public|pub|trust|cacerts"
    r"|dhparam|^dh\d*$|ffdhe)",
    re.IGNORECASE,
)
#: Signing keys published for package repositories (``nodesource.gpg.key``, ``repo.asc.key``,
#: ``archive-keyring.key``) and public halves (``id_rsa.pub.pem``): public by their name.
_PUBLIC_KEY = LazyPattern(r"([-_.](gpg|pgp|asc|pub)([-_.]|$)|keyring|^gpg|^pgp)", re.IGNORECASE)
#: Lines of ``.npmrc`` / ``.pypirc`` / ``.netrc`` / ``.boto`` that carry a credential rather
#: than a setting (boto's ``gs_secret_access_key``, ``gs_oauth2_refresh_token``; its
#: ``gs_service_key_file`` names a file, it is no credential).
_CREDENTIAL_LINE = LazyPattern(
    r"(^|[\s:])(_authToken|_auth|_password|password|passwd|token)\s*[=:]"
    r"|(^|\s)(password|passwd)\s+[^\s=:]"
    r"|^\s*\w*(secret_access_key|refresh_token|client_secret|password|_pass)\s*[=:]",
    re.IGNORECASE | re.MULTILINE,
)
#: Files that are secrets only when they hold a credential: otherwise they are settings.
SETTINGS_FILES = frozenset({".npmrc", ".pypirc", ".netrc", "_netrc", ".boto"})


def holds_credential(text: str) -> bool:
    """An ``.npmrc``, ``.pypirc`` or ``.netrc`` text that sets a token or a password (a
    registry or index URL, ``always-auth`` or a username alone are settings)."""
    return _CREDENTIAL_LINE.search(text) is not None


#: ``prod.env``, ``secrets.env``: environment files named after a deployment or for secrets
#: (``meta.env``, ``versions.env`` are build information).
_ENV_FILE = LazyPattern(
    r"^(prod|production|staging|stage|dev|development|local|secrets?|credentials)\.env$",
    re.IGNORECASE,
)
_SAMPLE = LazyPattern(r"(example|sample|template|dist|default|tpl|test|dummy|fake)", re.IGNORECASE)


def names_an_example(name: str) -> bool:
    """``name`` says the file documents an example or a template (``.env.example``,
    ``id_rsa.sample``, ``config.dist``): its values are not secrets, wherever it is copied."""
    return _SAMPLE.search(name) is not None


def secret_kind(source: str) -> str | None:
    """The copied name, when it looks like a secret (a private key, credentials, a dotenv
    file); None otherwise, and for globs, whose matches the text does not tell."""
    path = source.rstrip("/")
    name = posixpath.basename(path)
    if not name or is_glob(name) or name.startswith("<<"):
        return None
    if names_an_example(name):
        return None
    tail = "/".join(parts(path)[-2:])
    if name in _SECRET_NAMES or tail in _SECRET_TAILS:
        return name
    if name.startswith(".env.") or _ENV_FILE.match(name):
        return name
    stem = name.rsplit(".", 1)[0]
    if _PUBLIC_KEY.search(stem):
        return None
    if name.endswith(_KEY_SUFFIXES):
        return None if _PUBLIC_WORDS.search(stem) and not name.endswith(".key") else name
    if name.endswith(".pem") and ("key" in stem.lower() or not _PUBLIC_WORDS.search(stem)):
        return name
    return None


# --- what a file holds ---------------------------------------------------------------------

#: Files larger than this are not read for secrets (a credential file is small).
MAX_SNIFF_BYTES = 1024 * 1024
#: Files not named like a secret are read only up to this size, and only when their name says
#: they are text (configuration, scripts, dotenv).
MAX_OTHER_BYTES = 256 * 1024
#: ``deploy_key``, ``ssh_host_ed25519_key``, ``signing-key``: key files without a suffix.
_KEY_NAME = LazyPattern(r"(^|[-_])key$", re.IGNORECASE)
_TEXT_SUFFIXES = (
    ".env", ".json", ".yaml", ".yml", ".ini", ".conf", ".cfg", ".config", ".properties",
    ".toml", ".sh", ".bash", ".txt", ".xml", ".py", ".js", ".rb", ".php", ".pem", ".key",
)  # fmt: skip
#: Folders whose files are installed packages, documentation or tests: the keys and tokens
#: there are fixtures and examples (Python's and Node's test suites ship private keys).
_NOT_YOURS = frozenset(
    {
        "site-packages", "dist-packages", "node_modules", "vendor", "gems", "test", "tests",
        "testdata", "testing", "fixtures", "__tests__", "spec", "example", "examples",
        "sample", "samples", "doc", "docs", "man", "licenses", "third_party", "third-party",
    }
)  # fmt: skip
#: Values documented as examples, or placeholders.
_PLACEHOLDER = LazyPattern(
    r"example|sample|dummy|fake|placeholder|changeme|change_me|your[-_]|xxxx|\*\*\*|<|\$\{|\{\{",
    re.IGNORECASE,
)


class Secret(NamedTuple):
    """A credential found in a file: its kind and where; never its value."""

    kind: str
    #: 1-based line of the file where it starts.
    line: int


_PRIVATE_KEY = LazyPattern(
    rb"-----BEGIN (RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY( BLOCK)?-----"
    rb"[\r\n]+(?:[A-Za-z0-9-]+: [^\r\n]*[\r\n]+)*[A-Za-z0-9+/=]{20}"
)
#: Key files written as PEM text, whose blocks tell a public key or a certificate from a key.
PEM_SUFFIXES = (".pem", ".key", ".crt", ".cer")
_PEM_BLOCK = LazyPattern(rb"-----BEGIN ([A-Z0-9 ]+)-----")
#: PEM blocks anyone may hold: keys to verify with, certificates, revocation lists, DH groups.
_PUBLIC_PEM = frozenset(
    {b"PUBLIC KEY", b"RSA PUBLIC KEY", b"CERTIFICATE", b"TRUSTED CERTIFICATE", b"X509 CRL",
     b"DH PARAMETERS", b"PGP PUBLIC KEY BLOCK", b"CERTIFICATE REQUEST"}
)  # fmt: skip


def public_pem_only(data: bytes) -> bool:
    """``data`` holds PEM blocks and every one is public (``BEGIN PUBLIC KEY``, a
    certificate): a ``homebrew-1.pem`` that verifies signatures is no secret."""
    blocks = _PEM_BLOCK.findall(data)
    return bool(blocks) and all(block in _PUBLIC_PEM for block in blocks)


_PUTTY = LazyPattern(rb"^PuTTY-User-Key-File-\d: ", re.MULTILINE)
#: (kind, literals, pattern) of tokens known by their shape. Each pattern needs enough random
#: characters that a word or an identifier cannot match; it runs only on data that holds one of
#: its literals (``in`` is many times faster than a regular expression's search).
_TOKENS: tuple[tuple[str, tuple[bytes, ...], LazyPattern[bytes]], ...] = (
    (
        "github-token",
        (b"ghp_", b"gho_", b"ghu_", b"ghs_", b"ghr_", b"github_pat_"),
        LazyPattern(rb"\b(gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{82})\b"),
    ),
    ("gitlab-token", (b"glpat-",), LazyPattern(rb"\bglpat-[A-Za-z0-9_-]{20,}\b")),
    (
        "slack-token",
        (b"xoxa-", b"xoxb-", b"xoxp-", b"xoxo-", b"xoxs-", b"xoxr-"),
        LazyPattern(rb"\bxox[abposr]-[0-9]{8,}-[0-9A-Za-z-]{10,}\b"),
    ),
    ("stripe-key", (b"k_live_",), LazyPattern(rb"\b[sr]k_live_[0-9A-Za-z]{24,}\b")),
    ("npm-token", (b"npm_",), LazyPattern(rb"\bnpm_[A-Za-z0-9]{36}\b")),
    (
        "pypi-token",
        (b"pypi-AgEIcHlwaS5vcmc",),
        LazyPattern(rb"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"),
    ),
)
_AWS_KEY_ID = LazyPattern(rb"\b((?:AKIA|ASIA)[A-Z0-9]{16})\b")
_AWS_SECRET = LazyPattern(
    rb"(?i)(aws_?secret_?access_?key|secret_?access_?key|aws_?secret)[\"']?\s*[:=]\s*[\"']?"
    rb"([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"
)
_AZURE_STORAGE = LazyPattern(rb"AccountKey=([A-Za-z0-9+/]{86}==)")
_NPMRC_TOKEN = LazyPattern(rb"(?m)^\s*(?://[^\s]*:)?(_authToken|_auth|_password)\s*=\s*(\S+)")
_PYPIRC_PASSWORD = LazyPattern(rb"(?m)^\s*password\s*[:=]\s*(\S+)")
_NETRC_PASSWORD = LazyPattern(rb"(?:^|\s)password\s+(\S+)")
_GIT_CREDENTIAL = LazyPattern(rb"(?m)^https?://[^:/\s]+:([^@\s]+)@")
_DOCKER_AUTH = LazyPattern(rb"\"(auth|identitytoken)\"\s*:\s*\"([A-Za-z0-9+/=_.-]{8,})\"")
_ENV_ASSIGNMENT = LazyPattern(
    rb"(?m)^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*(?:TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|APIKEY))"
    rb"\s*=\s*[\"']?([^\s\"'#]+)"
)


def _line(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


#: Any dotenv assignment: its name and value.
_ENV_ASSIGNMENT_LINE = LazyPattern(
    rb"(?m)^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*[\"']?([^\s\"'#]+)"
)
_SECRET_NAME = LazyPattern(rb"(?:TOKEN|SECRET|PASSWORD|PASSWD|PASS|KEY|CREDENTIALS?)$", re.I)


def env_holds_secret(data: bytes) -> bool:
    """A dotenv text gives some secret-named variable a value that is not a placeholder (a
    file that sets ``APP_KEY=`` and ``DB_HOST=db`` holds settings only). Not secrets either:
    a path or a framework reference (``JWT_SECRET_KEY=%kernel.project_dir%/config/jwt/...``,
    a file the secret is in), and a development default that repeats a setting of the same
    file (``DB_USER=koillection`` with ``DB_PASSWORD=koillection``, Symfony's committed
    ``.env``)."""
    secrets: list[bytes] = []
    settings: set[bytes] = set()
    for match in _ENV_ASSIGNMENT_LINE.finditer(data):
        name, value = match.group(1), match.group(2)
        if _SECRET_NAME.search(name):
            secrets.append(value)
        else:
            settings.add(value)
    return any(
        not _placeholder(value)
        and not value.startswith((b"/", b"./", b"%"))
        and value not in settings
        for value in secrets
    )


#: Secret files known by name that deployments render from ``{{ }}`` placeholders.
TEMPLATED_SECRET_FILES = frozenset(
    {"secrets.json", "secrets.yaml", "secrets.yml", "secret.json", "secret.yaml", "secret.yml"}
)
_TEMPLATE_SPAN = LazyPattern(rb"\{\{.*?\}\}")
#: A YAML or JSON value (``key: value``, ``"key": "value"``).
_STRUCTURED_VALUE = LazyPattern(rb"[:=][ \t]*[\"']?([^\s\"',}#]+)")


def placeholders_only(data: bytes) -> bool:
    """A secrets file whose secrets are ``{{ }}`` placeholders (gitlab's ``secrets.yml``
    template) and that holds no value looking generated: a template, not a secret."""
    if _TEMPLATE_SPAN.search(data) is None:
        return False
    values = _STRUCTURED_VALUE.findall(_TEMPLATE_SPAN.sub(b"", data))
    return not any(_random_looking(value) for value in values)


def _placeholder(value: bytes) -> bool:
    return _PLACEHOLDER.search(value.decode("utf-8", "replace")) is not None


def _entropy(value: bytes) -> float:
    counts: dict[int, int] = {}
    for byte in value:
        counts[byte] = counts.get(byte, 0) + 1
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def _random_looking(value: bytes) -> bool:
    """Long and varied enough to be a generated credential rather than a word or a setting."""
    return len(value) >= 16 and _entropy(value) >= 3.5 and not _placeholder(value)


def worth_reading(path: str, size: int) -> bool:
    """Whether to read ``path`` (an image path, ``/`` or not) for secrets: by name first."""
    if size <= 0 or size > MAX_SNIFF_BYTES:
        return False
    folders = set(parts(path)[:-1])
    if folders & _NOT_YOURS or "/share/doc/" in path:
        return False
    name = posixpath.basename(path)
    if secret_kind(path) is not None or name in SETTINGS_FILES:
        return True
    return size <= MAX_OTHER_BYTES and (
        name.endswith(_TEXT_SUFFIXES)
        or name.startswith(".env")
        or _KEY_NAME.search(name) is not None
    )


def sniff(path: str, data: bytes) -> Secret | None:
    """The first credential ``data`` (the content of ``path``) holds, judged by content: never
    a public key or certificate, a settings file without a credential, an example or
    placeholder value, or a binary file."""
    if b"\0" in data[:8192]:
        return None
    name = posixpath.basename(path)
    if "snakeoil" in name:
        return None  # Debian's ssl-cert makes a throwaway key for every image that installs it
    found = _private_key(data)
    if found is not None:
        return found
    for kind, literals, pattern in _TOKENS:
        if not any(literal in data for literal in literals):
            continue
        match = pattern.search(data)
        if match is not None and not _placeholder(match.group(0)):
            return Secret(kind, _line(data, match.start()))
    checks = (_aws, _azure, _gcp_service_account, _docker_config, _settings_file, _env_file)
    for check in checks:
        found = check(name, path, data)
        if found is not None:
            return found
    return None


def _private_key(data: bytes) -> Secret | None:
    if b"PRIVATE KEY" not in data and b"PuTTY-User-Key-File-" not in data:
        return None
    match = _PRIVATE_KEY.search(data) or _PUTTY.search(data)
    if match is None:
        return None
    return Secret("private-key", _line(data, match.start()))


def _aws(name: str, path: str, data: bytes) -> Secret | None:
    if b"AKIA" not in data and b"ASIA" not in data:
        return None
    key_id = _AWS_KEY_ID.search(data)
    secret = _AWS_SECRET.search(data)
    if key_id is None or secret is None:
        return None
    if _placeholder(key_id.group(1)) or not _random_looking(secret.group(2)):
        return None
    return Secret("aws-access-key", _line(data, key_id.start()))


def _azure(name: str, path: str, data: bytes) -> Secret | None:
    if b"AccountKey=" not in data:
        return None
    match = _AZURE_STORAGE.search(data)
    if match is None or not _random_looking(match.group(1)):
        return None
    return Secret("azure-storage-key", _line(data, match.start()))


def _gcp_service_account(name: str, path: str, data: bytes) -> Secret | None:
    if not name.endswith(".json") or b'"service_account"' not in data:
        return None
    match = re.search(rb'"private_key"\s*:\s*"-----BEGIN (RSA )?PRIVATE KEY-----', data)
    if match is None:
        return None
    return Secret("gcp-service-account", _line(data, match.start()))


def _docker_config(name: str, path: str, data: bytes) -> Secret | None:
    if name not in ("config.json", ".dockercfg") or (
        name == "config.json" and "/.docker/" not in path
    ):
        return None
    match = _DOCKER_AUTH.search(data)
    if match is None or _placeholder(match.group(2)):
        return None
    return Secret("docker-registry-auth", _line(data, match.start()))


def _settings_file(name: str, path: str, data: bytes) -> Secret | None:
    if name == ".npmrc":
        match = _NPMRC_TOKEN.search(data)
        kind = "npm-credential"
    elif name == ".pypirc":
        match = _PYPIRC_PASSWORD.search(data)
        kind = "pypi-password"
    elif name in (".netrc", "_netrc"):
        match = _NETRC_PASSWORD.search(data)
        kind = "netrc-password"
    elif name == ".git-credentials":
        match = _GIT_CREDENTIAL.search(data)
        kind = "git-credentials"
    else:
        return None
    if match is None:
        return None
    value = match.group(match.lastindex or 0)
    if _placeholder(value) or value.startswith((b"$", b"%")):
        return None
    return Secret(kind, _line(data, match.start()))


def _env_file(name: str, path: str, data: bytes) -> Secret | None:
    if not (name.startswith(".env") or name.endswith(".env") or secret_kind(path)):
        return None
    if names_an_example(name):
        return None  # .env.example, .env.sample: values documented as examples
    for match in _ENV_ASSIGNMENT.finditer(data):
        if _random_looking(match.group(2)):
            return Secret("env-secret", _line(data, match.start()))
    return None
