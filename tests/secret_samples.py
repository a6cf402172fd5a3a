"""A labelled set of files for the secret scanner: credentials of every kind it knows, written
the ways real files write them, and files that look alike but hold none.

Every credential here is made up at run time from a seeded generator (no real credential, and
no token-shaped string in the repository for a scanner to trip on).
"""

from __future__ import annotations

import base64
import json
import random
import string
from typing import NamedTuple


class Sample(NamedTuple):
    path: str
    data: bytes
    #: The kind the scanner must report; None: it must report nothing.
    kind: str | None


def samples(seed: int = 7) -> list[Sample]:
    rng = random.Random(seed)

    def token(alphabet: str, length: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(length))

    alnum = string.ascii_letters + string.digits
    b64 = alnum + "+/"
    body = "\n".join(token(b64, 64) for _ in range(8))

    def pem(label: str) -> str:
        return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"

    aws_id = "AKIA" + token(string.ascii_uppercase + string.digits, 16)
    aws_secret = token(b64, 40)
    gh = "ghp_" + token(alnum, 36)
    gl = "glpat-" + token(alnum + "_-", 20)
    slack = (
        "xoxb-" + token(string.digits, 12) + "-" + token(string.digits, 12) + "-" + token(alnum, 24)
    )
    stripe = "sk_" + "live_" + token(alnum, 24)
    npm = "npm_" + token(alnum, 36)
    pypi = "pypi-" + "AgEIcHlwaS5vcmc" + token(alnum + "_-", 60)
    docker_auth = base64.b64encode(b"ci:" + token(alnum, 20).encode()).decode()
    azure = token(b64, 86) + "=="
    service_account = {
        "type": "service_account",
        "project_id": "demo",
        "private_key_id": token("0123456789abcdef", 40),
        "private_key": pem("PRIVATE KEY"),
        "client_email": "ci@demo.iam.gserviceaccount.com",
    }
    positives = [
        Sample("/root/.ssh/id_rsa", pem("RSA PRIVATE KEY").encode(), "private-key"),
        Sample("/home/app/.ssh/id_ed25519", pem("OPENSSH PRIVATE KEY").encode(), "private-key"),
        Sample("/etc/nginx/tls/server.key", pem("EC PRIVATE KEY").encode(), "private-key"),
        Sample("/app/keys/signing.pem", pem("PRIVATE KEY").encode(), "private-key"),
        Sample("/app/keys/enc.pem", pem("ENCRYPTED PRIVATE KEY").encode(), "private-key"),
        Sample(
            "/root/deploy.ppk",
            f"PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nPublic-Lines: 6\n{body}\n".encode(),
            "private-key",
        ),
        Sample(
            "/root/.aws/credentials",
            f"[default]\naws_access_key_id = {aws_id}\n"
            f"aws_secret_access_key = {aws_secret}\n".encode(),
            "aws-access-key",
        ),
        Sample(
            "/app/config/settings.yaml",
            f"storage:\n  aws_access_key_id: {aws_id}\n"
            f"  aws_secret_access_key: '{aws_secret}'\n".encode(),
            "aws-access-key",
        ),
        Sample(
            "/app/gcp/key.json",
            json.dumps(service_account, indent=2).encode(),
            "gcp-service-account",
        ),
        Sample(
            "/app/appsettings.json",
            json.dumps(
                {
                    "Storage": "DefaultEndpointsProtocol=https;AccountName=demo;"
                    f"AccountKey={azure};EndpointSuffix=core.windows.net"
                }
            ).encode(),
            "azure-storage-key",
        ),
        Sample("/root/.npmrc", f"//registry.npmjs.org/:_authToken={npm}\n".encode(), "npm-token"),
        Sample(
            "/app/.npmrc",
            "registry=https://npm.example.internal/\n"
            f"//npm.corp.internal/:_authToken={token(alnum, 32)}\n".encode(),
            "npm-credential",
        ),
        Sample(
            "/root/.pypirc",
            "[distutils]\nindex-servers = corp\n[corp]\nrepository = https://pypi.corp.internal\n"
            f"username = ci\npassword = {token(alnum, 24)}\n".encode(),
            "pypi-password",
        ),
        Sample(
            "/root/.netrc",
            f"machine git.corp.internal\n  login ci\n  password {token(alnum, 24)}\n".encode(),
            "netrc-password",
        ),
        Sample(
            "/root/.git-credentials",
            f"https://ci:{token(alnum, 30)}@git.corp.internal\n".encode(),
            "git-credentials",
        ),
        Sample(
            "/root/.docker/config.json",
            json.dumps({"auths": {"registry.corp.internal": {"auth": docker_auth}}}).encode(),
            "docker-registry-auth",
        ),
        Sample(
            "/app/scripts/release.sh", f"#!/bin/sh\nexport GH_TOKEN={gh}\n".encode(), "github-token"
        ),
        Sample("/app/.gitlab.yml", f"token: {gl}\n".encode(), "gitlab-token"),
        Sample("/app/notify.py", f'SLACK = "{slack}"\n'.encode(), "slack-token"),
        Sample("/app/config/billing.toml", f'stripe_key = "{stripe}"\n'.encode(), "stripe-key"),
        Sample(
            "/app/.pypirc",
            f"[pypi]\nusername = __token__\npassword = {pypi}\n".encode(),
            "pypi-token",
        ),
        Sample(
            "/app/.env", f"DEBUG=0\nDATABASE_PASSWORD={token(alnum, 24)}\n".encode(), "env-secret"
        ),
        Sample("/app/prod.env", f"export API_TOKEN='{token(alnum, 32)}'\n".encode(), "env-secret"),
        Sample("/srv/.env.production", f"JWT_SECRET={token(b64, 48)}\n".encode(), "env-secret"),
    ]
    negatives = [
        Sample("/root/.ssh/id_rsa.pub", f"ssh-rsa {token(b64, 200)} ci@host\n".encode(), None),
        Sample("/etc/ssl/certs/ca.pem", pem("CERTIFICATE").encode(), None),
        Sample("/etc/apt/keyrings/nodesource.gpg.key", pem("PGP PUBLIC KEY BLOCK").encode(), None),
        Sample("/usr/share/keyrings/docker.gpg", b"\x99\x02\r\x04" + bytes(range(256)), None),
        Sample("/app/public.pem", pem("PUBLIC KEY").encode(), None),
        Sample("/root/.npmrc", b"registry=https://npm.corp.internal/\nalways-auth=true\n", None),
        Sample("/root/.npmrc", b"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n", None),
        Sample("/root/.pypirc", b"[pypi]\nusername = __token__\n", None),
        Sample(
            "/root/.aws/credentials",
            b"[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
            b"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
            None,
        ),
        Sample(
            "/app/.env.example", b"DATABASE_PASSWORD=changeme\nAPI_TOKEN=your-token-here\n", None
        ),
        Sample("/app/.env", b"DATABASE_PASSWORD=postgres\nAPP_SECRET=${APP_SECRET}\n", None),
        Sample("/app/.env", b"NODE_ENV=production\nPORT=8080\n", None),
        Sample(
            "/app/README.txt",
            b"Set GH_TOKEN to a token such as ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
            None,
        ),
        Sample(
            "/usr/lib/python3/dist-packages/twisted/test/server.pem",
            pem("RSA PRIVATE KEY").encode(),
            None,
        ),
        Sample(
            "/app/node_modules/ssh2/test/fixtures/id_rsa", pem("RSA PRIVATE KEY").encode(), None
        ),
        Sample("/etc/ssl/private/ssl-cert-snakeoil.key", pem("PRIVATE KEY").encode(), None),
        Sample("/usr/bin/app", b"\x7fELF\x02\x01\x01\0" + f"ghp_{token(alnum, 36)}".encode(), None),
        Sample("/root/.docker/config.json", b'{"credsStore": "desktop"}\n', None),
        Sample("/app/config/settings.yaml", b"password_min_length: 12\ntoken_ttl: 3600\n", None),
        Sample("/app/docs/api.md.txt", b"Authorization: Bearer <token>\n", None),
        Sample("/root/.netrc", b"machine git.corp.internal login ci\n", None),
        Sample("/app/uuid.json", json.dumps({"id": token("0123456789abcdef", 32)}).encode(), None),
    ]
    return positives + negatives


def holdout_samples(seed: int = 11) -> list[Sample]:
    """A second labelled set, written after the scanner and not used to tune it: other spellings
    of the same kinds (CRLF, headers, quotes, other file names) and other look-alikes. Its
    figures are measured (``bench/secrets_precision.py``), not asserted one by one."""
    rng = random.Random(seed)

    def token(alphabet: str, length: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(length))

    alnum = string.ascii_letters + string.digits
    b64 = alnum + "+/"
    lines = [token(b64, 64) for _ in range(6)]

    def pem(label: str, newline: str = "\n", headers: str = "") -> str:
        body = newline.join(lines)
        return f"-----BEGIN {label}-----{newline}{headers}{body}{newline}-----END {label}-----"

    aws_id = "AKIA" + token(string.ascii_uppercase + string.digits, 16)
    aws_secret = token(b64, 40)
    docker_auth = base64.b64encode(b"bot:" + token(alnum, 24).encode()).decode()
    service_account = {
        "type": "service_account",
        "project_id": "shop",
        "private_key": pem("PRIVATE KEY") + "\n",
        "client_email": "deploy@shop.iam.gserviceaccount.com",
    }
    positives = [
        Sample("/home/app/.ssh/id_ecdsa", pem("EC PRIVATE KEY", "\r\n").encode(), "private-key"),
        Sample("/app/certs/tls.key", pem("PRIVATE KEY").encode(), "private-key"),
        Sample(
            "/srv/deploy/key.pem",
            pem(
                "RSA PRIVATE KEY",
                headers="Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,"
                + token("0123456789ABCDEF", 32)
                + "\n\n",
            ).encode(),
            "private-key",
        ),
        Sample("/app/id_rsa", pem("OPENSSH PRIVATE KEY").encode(), "private-key"),
        Sample("/app/deploy_key", pem("OPENSSH PRIVATE KEY").encode(), "private-key"),
        Sample("/etc/ssl/private/server.key", pem("RSA PRIVATE KEY").encode(), "private-key"),
        Sample(
            "/app/.env.local",
            f"STRIPE_SECRET_KEY=sk_{'live'}_{token(alnum, 32)}\n".encode(),
            "stripe-key",
        ),
        Sample(
            "/app/config.json",
            json.dumps({"github_token": "ghp_" + token(alnum, 36)}, indent=2).encode(),
            "github-token",
        ),
        Sample(
            "/app/src/settings.py",
            f'AWS_ACCESS_KEY_ID = "{aws_id}"\nAWS_SECRET_ACCESS_KEY = "{aws_secret}"\n'.encode(),
            "aws-access-key",
        ),
        Sample("/app/sa.json", json.dumps(service_account).encode(), "gcp-service-account"),
        Sample(
            "/app/web.config",
            (
                '<configuration><connectionStrings><add name="Blob" connectionString="'
                "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey="
                f'{token(b64, 86)}==" /></connectionStrings></configuration>\n'
            ).encode(),
            "azure-storage-key",
        ),
        Sample(
            "/home/node/.npmrc",
            f"_auth={base64.b64encode(('ci:' + token(alnum, 20)).encode()).decode()}\n"
            "always-auth=true\n".encode(),
            "npm-credential",
        ),
        Sample(
            "/root/.netrc",
            f"machine api.corp.internal login bot password {token(alnum, 28)}\n".encode(),
            "netrc-password",
        ),
        Sample(
            "/root/.docker/config.json",
            json.dumps({"auths": {"ghcr.io": {"auth": docker_auth}}}, indent="\t").encode(),
            "docker-registry-auth",
        ),
        Sample(
            "/app/.env",
            (
                "export SLACK_BOT_TOKEN=xoxb-"
                + token(string.digits, 11)
                + "-"
                + token(string.digits, 13)
                + "-"
                + token(alnum, 24)
                + "\n"
            ).encode(),
            "slack-token",
        ),
        Sample(
            "/app/entrypoint.sh",
            f'#!/bin/sh\ncurl -H "PRIVATE-TOKEN: glpat-{token(alnum, 20)}" "$URL"\n'.encode(),
            "gitlab-token",
        ),
        Sample(
            "/opt/app/.env.production",
            f'DB_PASSWORD="{token(alnum + "!@%^", 20)}"\n'.encode(),
            "env-secret",
        ),
        Sample("/app/settings.env", f"PAYMENT_API_KEY={token(alnum, 40)}\n".encode(), "env-secret"),
        Sample(
            "/root/.pypirc",
            (
                "[pypi]\n  username: __token__\n"
                f"  password: pypi-AgEIcHlwaS5vcmc{token(alnum, 70)}\n"
            ).encode(),
            "pypi-token",
        ),
        Sample(
            "/root/.git-credentials",
            f"https://oauth2:{token(alnum, 26)}@gitlab.corp.internal\n".encode(),
            "git-credentials",
        ),
        Sample("/app/.env", f"NPM_TOKEN=npm_{token(alnum, 36)}\n".encode(), "npm-token"),
    ]
    negatives = [
        Sample("/app/.env.sample", f"API_TOKEN={token(alnum, 32)}\nDEBUG=1\n".encode(), None),
        Sample("/app/.npmrc", b"//registry.npmjs.org/:_authToken=$NPM_TOKEN\n", None),
        Sample("/app/config.yaml", b"db:\n  password: ${DB_PASSWORD}\n", None),
        Sample("/app/docs.txt", b"export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n", None),
        Sample(
            "/app/package-lock.json",
            json.dumps(
                {"packages": {"node_modules/a": {"integrity": "sha512-" + token(b64, 86) + "=="}}}
            ).encode(),
            None,
        ),
        Sample("/app/.env", b"SECRET_KEY_BASE=\nPASSWORD_MIN_LENGTH=12\n", None),
        Sample(
            "/app/static/app.js",
            (
                f'var csrfToken="{token(alnum, 40)}",nonce="{token(b64, 24)}";'
                "function t(){return csrfToken}\n"
            ).encode(),
            None,
        ),
        Sample("/app/config/settings.py", b'SECRET_KEY = os.environ["SECRET_KEY"]\n', None),
        Sample("/app/.env", b"GITHUB_TOKEN=ghp_" + b"x" * 36 + b"\n", None),
        Sample(
            "/app/keys/README.txt",
            b"Put your key here:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA...\n"
            b"-----END RSA PRIVATE KEY-----\n",
            None,
        ),
        Sample(
            "/app/.docker/config.json",
            b'{"auths": {"registry.corp.internal": {}}, "credsStore": "pass"}\n',
            None,
        ),
        Sample(
            "/app/jwks.json",
            json.dumps({"keys": [{"kty": "RSA", "e": "AQAB", "n": token(b64, 342)}]}).encode(),
            None,
        ),
        Sample("/app/.env", b"SESSION_SECRET=aaaaaaaaaaaaaaaaaaaaaaaa\n", None),
        Sample(
            "/app/model.json",
            json.dumps({"weights": [token(b64, 200) for _ in range(5)]}).encode(),
            None,
        ),
        Sample("/etc/ssl/certs/server.pem", pem("CERTIFICATE").encode(), None),
        Sample("/app/ssh/known_hosts", f"github.com ssh-ed25519 {token(b64, 68)}\n".encode(), None),
        Sample(
            "/app/.pypirc",
            b"[distutils]\nindex-servers = pypi\n[pypi]\nusername = __token__\npassword =\n",
            None,
        ),
        Sample(
            "/app/config/app.ini",
            f"[session]\nsecret_length = 32\nsalt_hex = {token('0123456789abcdef', 32)}\n".encode(),
            None,
        ),
    ]
    return positives + negatives
