"""The lens on archives written in Python: a base image below the Dockerfile's layers, a BuildKit
heredoc RUN and ``COPY --link`` (which no local builder here makes), through every layout."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dockerlens.cli import cli
from tests.cli_runner import CliRunner
from tests.image.conftest import measured_bytes

DOCKERFILE = """\
FROM debian:12
ENV A=1
RUN <<EOT
set -e
head -c 5000 /dev/zero > /opt/tool.bin
EOT
RUN rm -rf /usr/share/doc
COPY --link app /srv/app
"""
DOCS, TOOL, APP = 9000, 5000, 700


@pytest.fixture
def image(make_layer: Callable[[list[Any]], bytes]) -> dict[str, Any]:
    return {
        "tag": "lens:1",
        "layers": [
            make_layer(
                [("dir", "usr"), ("file", "bin/sh", 1200), ("file", "usr/share/doc/a", DOCS)]
            ),
            make_layer([("dir", "opt"), ("file", "opt/tool.bin", TOOL)]),
            make_layer([("whiteout", "usr/share/doc")]),
            make_layer([("file", "srv/app", APP)]),
        ],
        "commands": [
            "/bin/sh -c #(nop) ADD file:0123456789abcdef0123456789abcdef in / ",
            "RUN /bin/sh -c set -e\nhead -c 5000 /dev/zero > /opt/tool.bin\n # buildkit",
            "RUN /bin/sh -c rm -rf /usr/share/doc # buildkit",
            "COPY --link app /srv/app # buildkit",
        ],
        "empty": (1,),  # ENV A=1
    }


@pytest.fixture(params=["docker-archive", "docker-archive-oci", "oci-dir"])
def source(request: pytest.FixtureRequest, archives: Any, image: dict[str, Any]) -> str:
    if request.param == "docker-archive":
        return f"docker-archive:{archives.docker_archive('lens.tar', [image])}"
    if request.param == "docker-archive-oci":
        return f"docker-archive:{archives.docker_archive('lens.tar', [image], layout='oci')}"
    return f"oci:{archives.oci_layout('lens', [image], compression='gzip')}"


def _run(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_base_layers_and_heredoc(source: str, tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(DOCKERFILE)
    document = _run("analyze", "-f", "json", "-q", source, "--dockerfile", str(dockerfile))
    (result,) = document["images"]
    located = [
        (
            layer["dockerfile"]["line"],
            layer["dockerfile"]["end_line"],
            layer["dockerfile"]["from_base"],
        )
        for layer in result["layers"]
    ]
    assert located == [(1, 1, True), (3, 6, False), (7, 7, False), (8, 8, False)]
    assert [layer["dockerfile"]["matched_by"] for layer in result["layers"]] == [
        "base image",
        "command",
        "command",
        "sources and destination",
    ]
    instructions = {item["line"]: item for item in result["dockerfile"]["instructions"]}
    assert instructions[1]["bytes_wasted"] == DOCS
    assert instructions[1]["wasted_hidden_by"] == [{"line": 7, "bytes": DOCS}]
    assert instructions[3]["files"] == 1 and instructions[3]["bytes_wasted"] == 0


def test_lint_image_reports_base_bytes_hidden(source: str, tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(DOCKERFILE)
    findings = _run(
        "lint", "--no-shellcheck", "--format", "json", "--image", source, str(dockerfile)
    )
    (base,) = [finding for finding in findings if finding["code"] == "DK602"]
    assert (base["line"], base["measured_bytes"]) == (1, DOCS)
    assert "line 7" in base["message"]
    assert not [finding for finding in findings if finding["code"] == "DK601"]
    ignored = _run(
        "lint", "--no-shellcheck", "--format", "json", "--ignore", "DK602", "--image", source,
        str(dockerfile),
    )  # fmt: skip
    assert not [finding for finding in ignored if finding["code"] == "DK602"]
    (tmp_path / ".dockerlens.toml").write_text('severity = { DK602 = "error" }\n')
    raised = _run("lint", "--no-shellcheck", "--format", "json", "--image", source, str(dockerfile))
    assert [finding["severity"] for finding in raised if finding["code"] == "DK602"] == ["error"]


def test_lint_report_never_replaces_the_image_it_prices(source: str, tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(DOCKERFILE)
    location = source.split(":", 1)[1]
    target = Path(location) / "index.json" if source.startswith("oci:") else Path(location)
    before = target.read_bytes()
    result = CliRunner().invoke(
        cli, ["lint", "--no-shellcheck", "--image", source, "-o", str(target), str(dockerfile)]
    )
    assert result.exit_code == 2
    assert "an input of this run; not overwriting it" in result.stderr
    assert result.stderr.count("\n") == 1
    assert target.read_bytes() == before


def test_another_dockerfile_attributes_nothing(source: str, tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(DOCKERFILE.replace("rm -rf /usr/share/doc", "rm -rf /usr/share/man"))
    document = _run("analyze", "-f", "json", "-q", source, "--dockerfile", str(dockerfile))
    (result,) = document["images"]
    assert result["dockerfile"]["matched"] is False
    assert [layer["dockerfile"] for layer in result["layers"]] == [None] * 4
    findings = _run(
        "lint", "--no-shellcheck", "--format", "json", "--image", source, str(dockerfile)
    )
    assert not [finding for finding in findings if finding["code"] in ("DK601", "DK602")]


def test_bad_options(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(DOCKERFILE)
    cases = [
        (["analyze", "x.tar", "--target", "build"], "--target and --build-arg need --dockerfile"),
        (["analyze", "x.tar", "--dockerfile", str(dockerfile), "--target", "nope"], "no stage"),
        (["analyze", "x.tar", "--dockerfile", str(tmp_path / "missing")], "no such file"),
        (["analyze", "x.tar", "--dockerfile", str(dockerfile), "--build-arg", "X"], "NAME=VALUE"),
        (["lint", "--image", "x.tar", str(dockerfile), str(dockerfile) + "2"], "exactly one"),
    ]
    (tmp_path / "Dockerfile2").write_text("FROM scratch\n")
    for args, message in cases:
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.output


CACHES_DOCKERFILE = """\
FROM scratch
COPY busybox /bin/busybox
RUN npm install --omit=dev
RUN apk add curl=8.0.0-r0
RUN apt-get update && apt-get install -y --no-install-recommends curl=8.0
"""


def test_cache_bytes_of_each_finding(
    archives: Any, make_layer: Callable[[list[Any]], bytes], tmp_path: Path
) -> None:
    image = {
        "tag": "caches:1",
        "layers": [
            make_layer([("file", "bin/busybox", 100)]),
            make_layer(
                [
                    ("file", "root/.npm/_cacache/index-v5/a", 500),
                    ("file", "home/node/.npm/_cacache/b", 300),
                    ("file", "app/node_modules/m/index.js", 1000),
                    ("file", "var/lib/apt/lists/stray", 77),  # not npm's: not DK203's bytes
                ]
            ),
            make_layer(
                [("file", "var/cache/apk/APKINDEX.tar.gz", 900), ("file", "usr/bin/curl", 5)]
            ),
            make_layer(
                [
                    ("file", "var/lib/apt/lists/deb_InRelease", 60),
                    ("file", "var/cache/apt/archives/curl.deb", 50),
                    ("file", "usr/bin/curl2", 5),
                ]
            ),
        ],
        "commands": [
            "COPY busybox /bin/busybox # buildkit",
            "RUN /bin/sh -c npm install --omit=dev # buildkit",
            "RUN /bin/sh -c apk add curl=8.0.0-r0 # buildkit",
            "RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends "
            "curl=8.0 # buildkit",
        ],
    }
    source = f"docker-archive:{archives.docker_archive('caches.tar', [image])}"
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(CACHES_DOCKERFILE)
    findings = _run(
        "lint", "--no-shellcheck", "--format", "json", "--image", source, str(dockerfile)
    )
    measured = measured_bytes(findings)
    assert measured == {("DK203", 3): 800, ("DL3019", 4): 900, ("DL3009", 5): 110}
    for report in ("text", "github", "gitlab", "checkstyle", "junit", "sarif"):
        result = CliRunner().invoke(
            cli, ["lint", "--no-shellcheck", "--format", report, "--image", source, str(dockerfile)]
        )
        assert result.exit_code == 1, result.output
        assert "[measured in caches:1: 800 bytes]" in result.stdout, report
    # with a Dockerfile the image was not built from, nothing is measured
    dockerfile.write_text(CACHES_DOCKERFILE.replace("--omit=dev", "--production"))
    findings = _run(
        "lint", "--no-shellcheck", "--format", "json", "--image", source, str(dockerfile)
    )
    assert [finding["measured_bytes"] for finding in findings] == [None] * len(findings)


def test_without_dockerfile_the_keys_are_null(source: str) -> None:
    document = _run("analyze", "-f", "json", "-q", source)
    (result,) = document["images"]
    assert result["dockerfile"] is None
    assert {(layer["dockerfile"], layer["dockerfile_reason"]) for layer in result["layers"]} == {
        (None, "no-dockerfile")
    }


TARGETS_DOCKERFILE = """\
FROM scratch AS test
ARG SUITE=unit
RUN head -c 900 /dev/zero > /report.tmp
RUN rm /report.tmp

FROM scratch
COPY app /app
"""


def test_lint_image_built_for_another_target(
    archives: Any, make_layer: Callable[[list[Any]], bytes], tmp_path: Path
) -> None:
    image = {
        "tag": "tests:1",
        "layers": [
            make_layer([("file", "report.tmp", 900)]),
            make_layer([("whiteout", "report.tmp")]),
        ],
        "commands": [
            "RUN |1 SUITE=unit /bin/sh -c head -c 900 /dev/zero > /report.tmp # buildkit",
            "RUN |1 SUITE=unit /bin/sh -c rm /report.tmp # buildkit",
        ],
    }
    source = f"docker-archive:{archives.docker_archive('tests.tar', [image])}"
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(TARGETS_DOCKERFILE)
    lint = ["lint", "--no-shellcheck", "--format", "json", "--image", source]
    # DK210 judges the stages the default build ships; the image shows what the target kept
    assert measured_bytes(_run(*lint, "--target", "test", str(dockerfile))) == {("DK601", 3): 900}
    # without --target the last stage is compared, which did not make this image
    assert measured_bytes(_run(*lint, str(dockerfile))) == {}
    result = CliRunner().invoke(cli, ["lint", "--target", "test", str(dockerfile)])
    assert result.exit_code == 2 and "--target and --build-arg need --image" in result.stderr
    result = CliRunner().invoke(cli, [*lint, "--target", "nope", str(dockerfile)])
    assert result.exit_code == 2 and "no stage named 'nope'" in result.stderr
