"""CI thresholds: dive's keys and units, `.dive-ci`, dockerlens's own limits, strictness, exit 1."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from dockerlens.cli import cli
from dockerlens.image.errors import ImageInputError
from dockerlens.image.units import human_size, parse_bytes
from tests.cli_runner import CliRunner


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20MB", 20_000_000),
        ("20MiB", 20_971_520),
        ("19Mb", 19_000_000),
        ("1.5 GiB", 1_610_612_736),
        ("1,000", 1000),
        ("42", 42),
        ("7k", 7000),
        ("2kib", 2048),
    ],
)
def test_parse_bytes_like_go_humanize(text: str, expected: int) -> None:
    assert parse_bytes(text, "x") == expected


@pytest.mark.parametrize("text", ["lots", "12 parsecs", "-5MB", "MB"])
def test_parse_bytes_refuses_nonsense(text: str) -> None:
    with pytest.raises(ImageInputError):
        parse_bytes(text, "x")


def test_human_size() -> None:
    assert human_size(999) == "999 B"
    assert human_size(1_048_576) == "1.05 MB"
    assert human_size(1_982_256) == "1.98 MB"
    assert human_size(123_456_789) == "123 MB"


@pytest.fixture
def waste_archive(archives: Any, make_layer: Any) -> Path:
    """1,000,000 bytes written then deleted over a 100-byte first layer."""
    layers = [
        make_layer([("file", "base", 100)]),
        make_layer([("file", "big", 1_000_000)]),
        make_layer([("whiteout", "big")]),
    ]
    path: Path = archives.docker_archive(
        "w.tar", [{"tag": "w:1", "layers": layers, "commands": ["A", "B", "C"]}]
    )
    return path


def invoke(*args: str, cwd: Path | None = None) -> Any:
    previous = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, ["analyze", "-q", *args])
    finally:
        os.chdir(previous)


def test_strict_comparisons_pass_at_the_threshold(waste_archive: Path, tmp_path: Path) -> None:
    # dive's figures here: efficiency 100/1,000,100... wasted 1,000,000, user wasted 1.0.
    source = f"docker-archive:{waste_archive}"
    at = invoke(
        source,
        "--max-wasted-bytes",
        "1000000",
        "--highest-wasted-bytes",
        "1MB",
        "--highest-user-wasted-percent",
        "1",
        "--max-image-size",
        "1000100",
        cwd=tmp_path,
    )
    assert at.exit_code == 0, at.output
    over = invoke(source, "--max-wasted-bytes", "999999", cwd=tmp_path)
    assert over.exit_code == 1
    assert "threshold crossed" in over.stderr and "max-wasted-bytes" in over.stderr
    assert "FAIL" in over.stdout


def test_dive_ci_file_is_read_with_dive_defaults(waste_archive: Path, tmp_path: Path) -> None:
    (tmp_path / ".dive-ci").write_text("rules:\n  highestWastedBytes: 2MB\n")
    # lowestEfficiency defaults to 0.9 when a .dive-ci is used; this image's is ~0.0001.
    result = invoke("-f", "json", f"docker-archive:{waste_archive}", cwd=tmp_path)
    assert result.exit_code == 1
    rules = {
        rule["rule"]: rule["status"] for rule in json.loads(result.stdout)["thresholds"]["results"]
    }
    assert rules == {
        "lowestEfficiency": "fail",
        "highestWastedBytes": "pass",
        "highestUserWastedPercent": "fail",
    }
    ignored = invoke("--no-dive-ci", f"docker-archive:{waste_archive}", cwd=tmp_path)
    assert ignored.exit_code == 0
    overridden = invoke(
        f"docker-archive:{waste_archive}",
        "--lowest-efficiency",
        "disabled",
        "--highest-user-wasted-percent",
        "disabled",
        cwd=tmp_path,
    )
    assert overridden.exit_code == 0, overridden.output


def test_project_config_thresholds(waste_archive: Path, tmp_path: Path) -> None:
    (tmp_path / ".dockerlens.toml").write_text('[analyze]\nmax-layer-size = "999kB"\n')
    result = invoke(f"docker-archive:{waste_archive}", cwd=tmp_path)
    assert result.exit_code == 1
    # Layers are numbered as JSON's index: the 1 MB layer is the second, index 1.
    assert "max-layer-size" in result.stderr and "layer 1 " in result.stderr
    # The configuration is found from the current folder upwards, as lint's is.
    below = tmp_path / "sub" / "dir"
    below.mkdir(parents=True)
    assert invoke(f"docker-archive:{waste_archive}", cwd=below).exit_code == 1
    (tmp_path / ".dockerlens.toml").write_text('[analyze]\nmax-layer-size = "1MB"\n')
    assert invoke(f"docker-archive:{waste_archive}", cwd=tmp_path).exit_code == 0
    (tmp_path / ".dockerlens.toml").write_text('[analyze]\nmax-layer = "1MB"\n')
    bad = invoke(f"docker-archive:{waste_archive}", cwd=tmp_path)
    assert bad.exit_code == 2 and "unknown analyze setting" in bad.stderr


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (".dive-ci", b"rules:\n  lowestEfficiency: high\n", ".dive-ci: lowestEfficiency: 'high'"),
        (".dive-ci", b"rules:\n  lowestEfficiency: 0.9 # caf\xe9\n", "cannot read .dive-ci: not"),
        (
            ".dockerlens.toml",
            b'[analyze]\nmax-image-size = "big"\n',
            ".dockerlens.toml: [analyze]: max-image-size: 'big' is not a size",
        ),
        (
            "pyproject.toml",
            b'[tool.dockerlens.analyze]\nsecrets = "maybe"\n',
            "pyproject.toml: [tool.dockerlens.analyze]: secrets: 'maybe' is not true or false",
        ),
    ],
)
def test_a_bad_threshold_file_is_named_in_one_line(
    waste_archive: Path, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    (tmp_path / name).write_bytes(content)
    result = invoke(f"docker-archive:{waste_archive}", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith("dockerlens: error: ") and result.stderr.count("\n") == 1
    assert message in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--max-image-size", "bogus"], "--max-image-size: 'bogus' is not a size"),
        (["--lowest-efficiency", "2"], "--lowest-efficiency: '2' is not a number between 0 and 1"),
        (["--max-secrets", "x"], "--max-secrets: 'x' is not a count"),
    ],
)
def test_a_bad_threshold_option_is_named_as_typed(
    waste_archive: Path, tmp_path: Path, option: list[str], message: str
) -> None:
    result = invoke(*option, f"docker-archive:{waste_archive}", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"dockerlens: error: {message}"), result.stderr
    assert result.stderr.count("\n") == 1


def test_text_report_has_bars_and_no_progress_when_not_a_terminal(
    waste_archive: Path, tmp_path: Path
) -> None:
    result = CliRunner().invoke(cli, ["analyze", f"docker-archive:{waste_archive}"])
    assert result.exit_code == 0
    assert result.stderr == ""
    assert "█" * 20 in result.stdout  # the largest layer's full bar
    assert "wasted 1 MB (1000000 B) in 1 files" in result.stdout
    assert "/big" in result.stdout
