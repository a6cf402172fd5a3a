"""Secrets in any layer (issue 13 §1): found while layers stream, hidden or visible, from every
source; reported in every format without their values; failing the run unless allowed.

The credentials come from the generated labelled set (``tests.secret_samples``): no real one,
and no token-shaped string in the repository.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from dockerlens.cli import cli
from tests.cli_runner import CliRunner, Result
from tests.image.test_thresholds import invoke
from tests.secret_samples import samples

SAMPLES = samples()


def sample(path: str, kind: str | None) -> bytes:
    return next(s.data for s in SAMPLES if s.path == path and s.kind == kind)


PRIVATE_KEY = sample("/root/.ssh/id_rsa", "private-key")
TLS_KEY = sample("/etc/nginx/tls/server.key", "private-key")
DOTENV = sample("/app/.env", "env-secret")
AWS_SETTINGS = sample("/app/config/settings.yaml", "aws-access-key")
PUBLIC_KEY = sample("/root/.ssh/id_rsa.pub", None)
SETTINGS_NPMRC = b"registry=https://npm.corp.internal/\nalways-auth=true\n"
CREDENTIALS = (PRIVATE_KEY, TLS_KEY, DOTENV, AWS_SETTINGS)

FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit", "checkstyle")


def value_fragments(data: bytes) -> set[str]:
    """Every 10-character window of the random-looking words of ``data`` (the values)."""
    words = re.findall(r"[A-Za-z0-9+/_-]{16,}", data.decode())
    values = [w for w in words if re.search(r"[a-z]", w) and re.search(r"[A-Z]", w)]
    assert values, "a sample without a value to look for"
    return {value[i : i + 10] for value in values for i in range(len(value) - 9)}


def assert_no_value(text: str, credentials: tuple[bytes, ...] = CREDENTIALS) -> None:
    for data in credentials:
        leaked = [fragment for fragment in value_fragments(data) if fragment in text]
        assert leaked == [], "part of a secret's value was printed"


def run(*args: str, cwd: Path | None = None) -> Result:
    result: Result = invoke(*args, cwd=cwd)
    return result


def secrets_of(result: Result) -> list[dict[str, Any]] | None:
    (image,) = json.loads(result.stdout)["images"]
    secrets: list[dict[str, Any]] | None = image["secrets"]
    return secrets


def summary(secrets: list[dict[str, Any]] | None) -> list[tuple[Any, ...]]:
    assert secrets is not None
    return [
        (s["path"], s["kind"], s["line"], s["layer"], s["visible"], s["hidden_in_layer"])
        for s in secrets
    ]


# -- archives written in Python ------------------------------------------------------------------


def secret_layers(make_layer: Any) -> list[bytes]:
    return [
        make_layer(
            [
                ("dir", "root/.ssh"),
                ("file", "root/.ssh/id_rsa", PRIVATE_KEY),
                ("file", "root/.ssh/id_rsa.pub", PUBLIC_KEY),
                ("file", "root/.npmrc", SETTINGS_NPMRC),
                ("file", "etc/tls/server.key", TLS_KEY),
                ("hardlink", "etc/tls/current.key", "etc/tls/server.key"),
            ]
        ),
        # The key is deleted; the TLS key's first name too, but its hard link still shows it.
        make_layer([("whiteout", "root/.ssh/id_rsa"), ("whiteout", "etc/tls/server.key")]),
        make_layer(
            [
                ("file", "app/.env", DOTENV),
                ("dir", "app/conf"),
                ("file", "app/conf/settings.yaml", b"# settings\n" + AWS_SETTINGS),
            ]
        ),
        make_layer([("opaque", "app/conf"), ("file", "app/conf/other.yaml", b"a: 1\n")]),
    ]


COMMANDS = [
    "/bin/sh -c #(nop) COPY dir:abc in /",
    "/bin/sh -c rm /root/.ssh/id_rsa /etc/tls/server.key",
    "COPY app /app # buildkit",
    "RUN rm -rf /app/conf && mkdir /app/conf # buildkit",
]
EXPECTED = [
    ("/root/.ssh/id_rsa", "private-key", 1, 0, False, 1),
    ("/etc/tls/server.key", "private-key", 1, 0, True, None),
    ("/app/.env", "env-secret", 2, 2, True, None),
    ("/app/conf/settings.yaml", "aws-access-key", 3, 2, False, 3),
]


@pytest.fixture(params=["docker-legacy", "docker-oci", "oci-gzip", "oci-archive-zstd"])
def secret_source(request: pytest.FixtureRequest, archives: Any, make_layer: Any) -> str:
    image = {"tag": "app:1", "layers": secret_layers(make_layer), "commands": COMMANDS}
    if request.param == "docker-legacy":
        return f"docker-archive:{archives.docker_archive('legacy.tar', [image])}"
    if request.param == "docker-oci":
        return f"docker-archive:{archives.docker_archive('oci.tar', [image], layout='oci')}"
    if request.param == "oci-gzip":
        return f"oci:{archives.oci_layout('layout', [image], compression='gzip')}"
    path = archives.oci_layout("layout.tar", [image], compression="zstd", archive=True)
    return f"oci-archive:{path}"


def test_secrets_in_any_layer_from_every_archive_source(secret_source: str) -> None:
    result = run("-f", "json", secret_source)
    assert result.exit_code == 1, result.output
    secrets = secrets_of(result)
    assert summary(secrets) == EXPECTED
    assert secrets is not None
    assert [s["added_by"] for s in secrets] == [
        "COPY dir:abc in /",
        "COPY dir:abc in /",
        "COPY app /app",
        "COPY app /app",
    ]
    assert secrets[0]["hidden_by"] == "RUN rm /root/.ssh/id_rsa /etc/tls/server.key"
    assert secrets[3]["hidden_by"] == "RUN rm -rf /app/conf && mkdir /app/conf"
    document = json.loads(result.stdout)
    assert [f["code"] for f in document["findings"]] == ["DK507"] * 4
    assert document["thresholds"]["passed"] is False
    assert "max-secrets: secrets found 4 crosses threshold 0" in result.stderr
    assert_no_value(result.stdout + result.stderr)


def test_the_value_is_never_printed_in_any_format(archives: Any, make_layer: Any) -> None:
    image = {"tag": "app:1", "layers": secret_layers(make_layer), "commands": COMMANDS}
    source = f"docker-archive:{archives.docker_archive('legacy.tar', [image])}"
    for output_format in FORMATS:
        result = run("-f", output_format, source)
        assert result.exit_code == 1, (output_format, result.output)
        assert "/root/.ssh/id_rsa" in result.stdout, output_format
        assert_no_value(result.stdout + result.stderr)
    text = run(source).stdout
    assert "secrets (4; values never shown)" in text
    assert "env-secret" in text and "hidden by 1: RUN rm /root/.ssh/id_rsa" in text
    sarif = json.loads(run("-f", "sarif", source).stdout)
    messages = [r["message"]["text"] for r in sarif["runs"][0]["results"]]
    assert "private-key in /root/.ssh/id_rsa (line 1), added by layer 0" in messages[0]
    assert "hidden by layer 1" in messages[0] and "still in layer 0" in messages[0]
    assert "visible in the final file system" in messages[1]
    github = run("-f", "github", source).stdout.splitlines()
    assert len(github) == 4 and all("title=DK507 secret-in-layer" in line for line in github)
    gitlab = json.loads(run("-f", "gitlab", source).stdout)
    assert [issue["check_name"] for issue in gitlab] == ["DK507"] * 4


def test_public_keys_and_settings_alone_are_not_secrets(archives: Any, make_layer: Any) -> None:
    layer = make_layer(
        [
            ("file", "root/.ssh/id_rsa.pub", PUBLIC_KEY),
            ("file", "root/.npmrc", SETTINGS_NPMRC),
            ("file", "etc/ssl/certs/ca.pem", sample("/etc/ssl/certs/ca.pem", None)),
            ("file", "app/.env", b"NODE_ENV=production\nPORT=8080\n"),
        ]
    )
    path = archives.docker_archive(
        "clean.tar", [{"tag": "c:1", "layers": [layer], "commands": ["A"]}]
    )
    result = run("-f", "json", f"docker-archive:{path}")
    assert result.exit_code == 0, result.output
    assert secrets_of(result) == []
    # The public key is not even read: by name first, it is not a file that holds secrets.
    assert json.loads(result.stdout)["images"][0]["secret_files_read"] == 3
    assert "secrets: none found (3 files read)" in run(f"docker-archive:{path}").stdout


def test_files_over_the_size_cap_and_binaries_are_not_read(archives: Any, make_layer: Any) -> None:
    padded_key = PRIVATE_KEY + b"\n" * (2 * 1024 * 1024)
    layer = make_layer(
        [
            ("file", "root/.ssh/id_rsa", padded_key),
            ("file", "usr/bin/tool", b"\x7fELF\x02\x01\x01\0" + PRIVATE_KEY),
        ]
    )
    path = archives.docker_archive(
        "big.tar", [{"tag": "b:1", "layers": [layer], "commands": ["A"]}]
    )
    result = run("-f", "json", f"docker-archive:{path}")
    assert result.exit_code == 0, result.output
    assert secrets_of(result) == []
    assert json.loads(result.stdout)["images"][0]["secret_files_read"] == 0


def test_max_secrets_and_no_secrets(archives: Any, make_layer: Any, tmp_path: Path) -> None:
    image = {"tag": "app:1", "layers": secret_layers(make_layer), "commands": COMMANDS}
    source = f"docker-archive:{archives.docker_archive('legacy.tar', [image])}"
    allowed = run("-f", "json", "--max-secrets", "disabled", source)
    assert allowed.exit_code == 0, allowed.output
    assert len(secrets_of(allowed) or []) == 4
    assert json.loads(allowed.stdout)["thresholds"]["results"] == []
    at = run("-f", "json", "--max-secrets", "4", source)
    assert at.exit_code == 0
    (rule,) = json.loads(at.stdout)["thresholds"]["results"]
    assert (rule["rule"], rule["status"], rule["value"]) == ("max-secrets", "pass", 4)
    assert run("--max-secrets", "3", source).exit_code == 1
    unread = run("-f", "json", "--no-secrets", source)
    assert unread.exit_code == 0 and secrets_of(unread) is None
    assert json.loads(unread.stdout)["findings"] == []
    skipped = run("-f", "json", "--no-secrets", "--max-secrets", "0", source)
    (rule,) = json.loads(skipped.stdout)["thresholds"]["results"]
    assert rule["status"] == "skip" and skipped.exit_code == 0
    layers_only = run("-f", "json", "--layers-only", source)
    assert layers_only.exit_code == 0 and secrets_of(layers_only) is None

    (tmp_path / ".dockerlens.toml").write_text('[analyze]\nmax-secrets = "disabled"\n')
    assert run(source, cwd=tmp_path).exit_code == 0
    assert run("--max-secrets", "0", source, cwd=tmp_path).exit_code == 1  # option first
    (tmp_path / ".dockerlens.toml").write_text("[analyze]\nsecrets = false\n")
    assert secrets_of(run("-f", "json", source, cwd=tmp_path)) is None
    assert run("--secrets", source, cwd=tmp_path).exit_code == 1


@pytest.mark.parametrize(
    ("args", "config", "message"),
    [
        (("--max-secrets", "some"), None, "max-secrets: 'some' is not a count"),
        (("--max-secrets", "-1"), None, "max-secrets: '-1' is not a count"),
        (("--secrets", "--layers-only"), None, "--secrets reads layer content"),
        ((), '[analyze]\nsecrets = "maybe"\n', "secrets: 'maybe' is not true or false"),
    ],
)
def test_bad_secret_settings_are_one_line_errors(
    archives: Any,
    make_layer: Any,
    tmp_path: Path,
    args: tuple[str, ...],
    config: str | None,
    message: str,
) -> None:
    layer = make_layer([("file", "a", 10)])
    path = archives.docker_archive("a.tar", [{"tag": "a:1", "layers": [layer], "commands": ["A"]}])
    if config is not None:
        (tmp_path / ".dockerlens.toml").write_text(config)
    result = run(*args, f"docker-archive:{path}", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr == f"dockerlens: error: {message}\n" or (
        result.stderr.startswith("dockerlens: error: ") and message in result.stderr
    ), result.stderr


def test_rules_explains_the_secret_code() -> None:
    result = CliRunner().invoke(cli, ["rules", "DK507"])
    assert result.exit_code == 0
    assert "secret-in-layer" in result.stdout and "--max-secrets disabled" in result.stdout


# -- images built by the real engine -----------------------------------------------------------

SECRET_DOCKERFILE = """\
FROM scratch
COPY busybox /bin/busybox
SHELL ["/bin/busybox", "sh", "-c"]
COPY id_rsa /root/.ssh/id_rsa
RUN rm /root/.ssh/id_rsa
COPY app.env /app/.env
COPY id_rsa.pub /root/.ssh/id_rsa.pub
COPY npmrc /root/.npmrc
"""


@pytest.fixture(scope="module")
def secret_image(image_builder: Any) -> str:
    files = {
        "id_rsa": PRIVATE_KEY,
        "app.env": DOTENV,
        "id_rsa.pub": PUBLIC_KEY,
        "npmrc": SETTINGS_NPMRC,
    }
    tag: str = image_builder.build("secrets", SECRET_DOCKERFILE, files)
    return tag


@pytest.mark.docker
def test_engine_image_deleted_key_and_visible_dotenv(
    secret_image: str, image_builder: Any, tmp_path: Path
) -> None:
    saved = image_builder.save([secret_image], tmp_path / "secrets.tar")
    for source in (secret_image, f"docker-archive:{saved}"):
        result = run("-f", "json", source)
        assert result.exit_code == 1, result.output
        secrets = secrets_of(result)
        assert summary(secrets) == [
            ("/root/.ssh/id_rsa", "private-key", 1, 1, False, 2),
            ("/app/.env", "env-secret", 2, 3, True, None),
        ]
        assert secrets is not None
        assert secrets[0]["added_by"].startswith("COPY ")
        assert "/root/.ssh/id_rsa" in secrets[0]["added_by"]
        # The legacy builder writes the SHELL in force: "/bin/busybox sh -c rm ..."
        assert secrets[0]["hidden_by"].endswith("rm /root/.ssh/id_rsa")
        assert_no_value(result.stdout + result.stderr)
    for output_format in FORMATS:
        result = run("-f", output_format, secret_image)
        assert result.exit_code == 1 and "/app/.env" in result.stdout, output_format
        assert_no_value(result.stdout + result.stderr, (PRIVATE_KEY, DOTENV))


def test_the_leak_check_catches_part_of_a_value() -> None:
    for data in CREDENTIALS:
        value = max(re.findall(r"[A-Za-z0-9+/_-]{16,}", data.decode()), key=len)
        with pytest.raises(AssertionError):
            assert_no_value(f"line 1: {value[3:15]}…")


def test_legacy_builder_instructions_under_another_shell() -> None:
    from dockerlens.image.analysis import instruction_of

    nop = "/bin/busybox sh -c #(nop) COPY file:8d3d in /root/.ssh/id_rsa "
    assert instruction_of(nop) == "COPY file:8d3d in /root/.ssh/id_rsa"
    assert instruction_of("/bin/sh -c #(nop)  ENV A=1") == "ENV A=1"


def test_a_secret_takes_its_layers_dockerfile_line() -> None:
    from dockerlens.image.report import secrets_with_dockerfile_lines

    line = {"path": "Dockerfile", "line": 4, "instruction": "COPY id_rsa /root/.ssh/id_rsa"}
    document: dict[str, Any] = {
        "images": [
            {
                "layers": [{"index": 0}, {"index": 1, "dockerfile": line}],
                "secrets": [{"layer": 1}, {"layer": 0}],
            },
            {"layers": [{"index": 0}], "secrets": None},
        ]
    }
    secrets_with_dockerfile_lines(document)
    assert document["images"][0]["secrets"] == [{"layer": 1, "dockerfile": line}, {"layer": 0}]


def test_secrets_from_a_registry(
    archives: Any, make_layer: Any, skopeo_copy: Any, registry: str
) -> None:
    image = {"tag": "app:1", "layers": secret_layers(make_layer), "commands": COMMANDS}
    path = archives.docker_archive("legacy.tar", [image])
    reference = f"{registry}/dockerlens/secrets:1"
    skopeo_copy(f"docker-archive:{path}", f"docker://{reference}", "--dest-tls-verify=false")
    result = run("-f", "json", f"docker://{reference}")
    assert result.exit_code == 1, result.output
    assert summary(secrets_of(result)) == EXPECTED
    assert_no_value(result.stdout + result.stderr)
