from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step

#: Words that name a secret on their own.
SECRET_WORDS = frozenset(
    {
        "apikey",
        "credential",
        "credentials",
        "pass",
        "passwd",
        "password",
        "pword",
        "secret",
        "token",
    }
)
#: ...also at the end of a word written without separators (``DBPASSWORD``, ``apiToken``).
SECRET_ENDINGS = ("apikey", "passwd", "password", "secret", "token")
#: Words that name a secret only sometimes (``KEY`` is often a public key's fingerprint).
WEAK_WORDS = frozenset({"auth", "key"})
#: Words that make ``key`` a secret when they come just before it (``API_KEY``).
KEY_KINDS = frozenset(
    {
        "access",
        "account",
        "api",
        "app",
        "application",
        "auth",
        "client",
        "consumer",
        "deploy",
        "encryption",
        "hmac",
        "jwt",
        "licence",
        "license",
        "master",
        "private",
        "secret",
        "service",
        "session",
        "ssh",
        "storage",
        "subscription",
    }
)
#: Words saying the variable is about a secret, not the secret (BuildKit's allow-list:
#: public, file, version; and more of the same kind).
NOT_SECRET = frozenset(
    {
        "dir",
        "disable",
        "disabled",
        "enable",
        "enabled",
        "expires",
        "expiry",
        "endpoint",
        "file",
        "files",
        "length",
        "method",
        "mode",
        "name",
        "path",
        "plugin",
        "public",
        "size",
        "skip",
        "timeout",
        "ttl",
        "type",
        "uri",
        "url",
        "use",
        "version",
    }
)
#: Words that make ``auth`` or ``key`` on its own a setting: who is let in, not with what
#: (``SQLPAD_AUTH_DISABLED_DEFAULT_ROLE=admin``, ``AUTH_PROVIDER=github``).
WEAK_SETTINGS = frozenset({"provider", "providers", "realm", "role", "roles", "scope", "scopes"})
#: Words that make a weak word public: keys named for verifying downloads.
PUBLIC_KEY_WORDS = frozenset(
    {"fingerprint", "gnupg", "gpg", "id", "ids", "keyring", "keyserver", "pgp"}
)
#: Names that are secrets though no word says so.
KNOWN_SECRETS = frozenset({"AWS_ACCESS_KEY_ID"})
#: Names that look like secrets and are switches: apt-key reads whether it is set.
KNOWN_SWITCHES = frozenset({"APT_KEY_DONT_WARN_ON_DANGEROUS_USAGE"})
#: nginx's `*_pass` directives (``proxy_pass``, ``uwsgi_pass``): ``PASS`` after these names
#: the upstream a request is passed to (``DD_UWSGI_PASS=uwsgi_server``), not a password.
PASS_TO = frozenset({"fastcgi", "grpc", "memcached", "proxy", "scgi", "uwsgi"})
_FINGERPRINTS = LazyPattern(r"^(?:(?:0x)?[0-9A-Fa-f]{16,40}[\s,]*)+$")
_PATH = LazyPattern(r"^[\w.~-]*/[\w./~-]*$|\.(?:key|pem|crt|p12|pfx|jks|asc|gpg)$")
#: A URL with no user, password or query in it: where something is, which is no secret.
_PLAIN_URL = LazyPattern(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/@?#\s]+(?:/[^?#@\s]*)?$")


@functools.lru_cache(maxsize=4096)
def words(name: str) -> tuple[str, ...]:
    """``MY_apiToken`` -> ``my``, ``api``, ``token`` (kept: the same names come back in
    every file, ``PATH``, ``LANG``...)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return tuple(w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w)


#: Values that switch something on or off: no secret (``APT_KEY_DONT_WARN_ON_DANGEROUS_USAGE=1``,
#: ``GOOGLE_API_KEY=no``).
_SWITCHES = frozenset({"0", "1", "true", "false", "yes", "no", "on", "off", "none", "null"})


#: A value that stands for one given at run time (``**None**``, ``<password>``, ``{{ .key }}``).
_PLACEHOLDER = LazyPattern(r"\*\*[\w-]*\*\*|<[\w .-]*>|\{\{.*\}\}")


def looks_secret(name: str, values: list[str]) -> bool:
    """The heuristic: see the rule's documentation. ``values``: what the variable may hold."""
    if values and all(value.lower() in _SWITCHES for value in values):
        return False
    if values and all(_PLACEHOLDER.fullmatch(value) for value in values):
        return False
    if name.upper() in KNOWN_SECRETS:
        return True
    if name.upper() in KNOWN_SWITCHES:
        return False
    # Where a credential file lives is no secret: GOOGLE_APPLICATION_CREDENTIALS=/run/secrets/k.
    if values and all(_PATH.search(value) or _PLAIN_URL.match(value) for value in values):
        return False
    parts = words(name)
    if any(part in NOT_SECRET for part in parts):
        return False
    for index, part in enumerate(parts):
        if part == "pass" and index > 0 and parts[index - 1] in PASS_TO:
            continue
        if part in SECRET_WORDS or part.endswith(SECRET_ENDINGS):
            return True
        if part == "key" and index > 0 and parts[index - 1] in KEY_KINDS:
            return True
    if not any(part in WEAK_WORDS for part in parts):
        return False
    if any(part in PUBLIC_KEY_WORDS or part in WEAK_SETTINGS for part in parts):
        return False
    if any(
        part == "key" and index > 0 and parts[index - 1].isdigit()
        for index, part in enumerate(parts)
    ):
        return False  # the key of a numbered entry: Filters__0__Key
    # A key's fingerprint, or where a key file lives, is no secret.
    return not any(_FINGERPRINTS.match(value) or _PATH.search(value) for value in values)


class SecretsInArgOrEnv(Rule):
    """An `ARG` or `ENV` name says it holds a secret (a password, a token, an API key).

    ## What it does
    Flags `ARG` and `ENV` (also in `ONBUILD`) whose name looks like a secret's.

    ## Why is this bad?
    `ENV` values are stored in the image's configuration, and build arguments used by a
    `RUN` end up in the image history: anyone who can pull the image can read them. Secrets
    belong in `RUN --mount=type=secret`, which never writes them into the image.

    ## Example
    ```dockerfile lines=2
    FROM node:22-slim
    ARG NPM_TOKEN
    RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > ~/.npmrc && npm ci
    ```

    ```dockerfile lines=2
    FROM postgres:17
    ENV POSTGRES_PASSWORD=hunter2
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim
    RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
    ```

    ```dockerfile
    FROM debian:12
    ARG USERNAME=vscode
    ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D
    ENV POSTGRES_PASSWORD_FILE=/run/secrets/db_password
    ```

    ## How names are judged
    A name is split into words at `_`, `-`, `.` and lower-to-upper case changes
    (`apiToken` is `api`, `token`). It looks like a secret when:

    * a word is `password`, `passwd`, `pword`, `pass`, `secret`, `token`, `apikey`,
      `credential(s)`, or ends with `password`, `passwd`, `secret`, `token` or `apikey`
      (`DBPASSWORD`);
    * or `key` follows a word naming a secret key: `api`, `access`, `secret`, `private`,
      `client`, `app`, `license`, `encryption`, `master`, `session`, `ssh`, `jwt`... (`API_KEY`);
    * or a word is `key` or `auth` on its own, unless the name also has `gpg`, `pgp`,
      `gnupg`, `keyring`, `keyserver`, `fingerprint` or `id`, or names a setting of who is
      let in (`role`, `provider`, `realm`, `scope`: `AUTH_PROVIDER=github`), or is the key of
      a numbered entry (`Filters__0__Key`), or the value (or the default of an `ARG` of that
      name) is a list of key fingerprints or a file path: `GPG_KEY`,
      `SWIFT_SIGNING_KEY=8A7495662C3CD4AE...` and `SERVER_KEY=certs/server.key` name public
      keys and files, not secrets;

    and the value (or every default an `ARG` of that name has) is not a file path, nor a URL
    with no user, password or query in it: a path says where a credential lives
    (`GOOGLE_APPLICATION_CREDENTIALS=/run/secrets/key.json`), a URL where a public key is
    fetched from (`SERVER_KEY=https://download.example.com`), neither is a secret;

    and no word says the variable is *about* a secret: `public`, `file`, `version` (BuildKit's
    allow-list), `path`, `dir`, `url`, `uri`, `endpoint`, `name`, `type`, `method`, `mode`,
    `plugin`, `enabled`, `disabled`, `enable`, `disable`, `use`, `skip` (switches:
    `AUTH_PROVIDER_USE_ID_TOKEN`), `length`, `size`, `timeout`, `ttl`, `expiry`, `expires`.
    `AWS_ACCESS_KEY_ID` is always reported;
    `APT_KEY_DONT_WARN_ON_DANGEROUS_USAGE` (a switch apt-key reads) never is, nor is `pass`
    after `proxy`, `uwsgi`, `fastcgi`, `scgi`, `grpc` or `memcached` (nginx's `*_pass`
    directives name an upstream: `UWSGI_PASS=uwsgi_server`).

    An `ENV` that sets the name to nothing as written (`ENV OAUTH2_SECRET=""`) is not reported:
    it documents a setting the container is given at run time, and the image holds no value.
    Nor is a value that switches something on or off (`0`, `1`, `true`, `false`, `yes`, `no`,
    `on`, `off`, `none`, `null`): `GOOGLE_API_KEY=no` holds no key; nor a placeholder for a
    value given at run time (`**None**`, `<password>`, `{{ .token }}`).
    An `ARG` is reported with or without a default, since the value a build passes ends up in
    the image history.

    ## Differences from hadolint
    One rule answers to both hadolint's DL3064 and BuildKit's `SecretsUsedInArgOrEnv`, with
    fewer false positives than either. hadolint matches substrings and a fixed list of 48
    names: `USERNAME`, `CI_DEPLOY_USER`, `TRAVIS_OS_NAME` or `TOKENIZERS_PARALLELISM` are
    reported, `DB_PASS` is not. BuildKit matches whole words with an allow-list, but reports
    every `KEY`, such as the `GPG_KEY` fingerprints of the official images. Each offending
    name is reported (hadolint reports the instruction once).

    ## References
    - [BuildKit's SecretsUsedInArgOrEnv](https://docs.docker.com/go/dockerfile/rule/secrets-used-in-arg-or-env/)
    - [Build secrets](https://docs.docker.com/build/building/secrets/)
    """

    code = "DL3064"
    name = "secrets-in-arg-or-env"
    severity = Severity.WARNING
    category = Category.SECURITY
    message = "Potentially sensitive data should not be used in the `ARG` or `ENV` commands"
    on = frozenset({"ARG", "ENV"})
    onbuild = True
    buildkit_name = "SecretsUsedInArgOrEnv"

    def __init__(self, options: object = None) -> None:
        super().__init__(options)
        self._defaults: dict[str, list[str]] | None = None

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        keyword = step.keyword
        empty = _set_empty(step)
        for name, value in _definitions(step):
            if name in empty:
                continue
            values = [value] if value else []
            # ENV X=$X re-exports an ARG: what the ARG holds tells what X is.
            values += self._arg_defaults(ctx).get(name, [])
            if looks_secret(name, values):
                yield Problem(
                    step,
                    message=f'{self.message} ({keyword} "{name}")',
                    at=name,
                )

    def _arg_defaults(self, ctx: LintContext) -> dict[str, list[str]]:
        """The defaults every ARG of the file gives each name."""
        if self._defaults is None:
            self._defaults = {}
            for step in ctx.steps:
                if step.keyword == "ARG":
                    for name, default in _definitions(step):
                        if default:
                            self._defaults.setdefault(name, []).append(default)
        return self._defaults


def _set_empty(step: Step) -> frozenset[str]:
    """Names an ``ENV`` sets to nothing as written (``ENV OAUTH2_SECRET=""``): the image holds
    no value, the container gets one at run time."""
    if step.keyword != "ENV":
        return frozenset()
    return frozenset(key for key, value, _ in step.instruction.pairs if value in ("", '""', "''"))


def _definitions(step: Step) -> list[tuple[str, str | None]]:
    """(name, value as expanded) of each variable the instruction sets."""
    instruction = step.instruction
    if step.keyword == "ENV":
        expanded = step.expanded if len(step.expanded) == 2 * len(instruction.pairs) else ()
        return [
            (key, expanded[2 * i + 1] if expanded else value)
            for i, (key, value, _) in enumerate(instruction.pairs)
        ]
    out: list[tuple[str, str | None]] = []
    for i, word in enumerate(instruction.value):
        text = step.expanded[i] if len(step.expanded) == len(instruction.value) else word
        name, has_default, default = text.partition("=")
        out.append((name, default if has_default else None))
    return out
