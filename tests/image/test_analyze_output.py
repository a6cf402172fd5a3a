"""What ``dockerlens analyze`` prints (issue 10 §2) and its findings through lint's reporters
(issue 12 §3): literal image text, 80 columns, dot labels, NO_COLOR, cut lists, file hints,
--platform, --graph with --format, every layer over --max-layer-size, layer numbers."""

from __future__ import annotations

import io
import json
import re
import tarfile
from pathlib import Path
from typing import Any

import pytest

from dockerlens.cli import cli
from dockerlens.image.engine import EMPTY_LAYER_DIFF_ID, pair_history
from tests.cli_runner import CliRunner, Result
from tests.test_reporters import sarif_validator

HOSTILE_COMMAND = "/bin/sh -c echo [bold]loud[/bold] :smile: \x1b[31mred\ttab"


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["analyze", "-q", *args], env=env)


def hostile_layer() -> bytes:
    """Names rich would read as markup or emoji, a control character and a byte not UTF-8."""
    buffer = io.BytesIO()
    names = ["etc/root:x:0:0", "[bold]name", "esc\x1b[2Jname", "latin\udcffname"]
    with tarfile.open(
        fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT, errors="surrogateescape"
    ) as archive:
        for size, name in enumerate(names, start=10):
            info = tarfile.TarInfo(name)
            info.size = size
            archive.addfile(info, io.BytesIO(b"x" * size))
    return buffer.getvalue()


def test_image_text_prints_literally(archives: Any, make_layer: Any) -> None:
    layers = [hostile_layer(), make_layer([("whiteout", "etc/root:x:0:0")])]
    path = archives.docker_archive(
        "hostile.tar", [{"tag": "x:1", "layers": layers, "commands": [HOSTILE_COMMAND, "B"]}]
    )
    result = run(f"docker-archive:{path}")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "/etc/root:x:0:0" in out  # not an emoji
    assert "/[bold]name" in out  # not markup
    assert "[bold]loud[/bold] :smile:" in out
    assert "\x1b" not in out and "␛[2Jname" in out and "␛[31mred␉tab" in out
    assert "/latin\\xffname" in out  # a byte that is not UTF-8
    document = json.loads(run("-f", "json", f"docker-archive:{path}").stdout)
    (image,) = document["images"]
    assert image["layers"][0]["created_by"] == HOSTILE_COMMAND  # JSON keeps the exact text
    assert "/latin\udcffname" in {item["path"] for item in image["largest"]}


def layer_rows(text: str, count: int) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("# "))
    return [line for line in lines[start + 1 :] if re.match(r"^\s*\d+ ", line)][:count]


def test_layer_table_keeps_its_numbers_at_80_columns(archives: Any, make_layer: Any) -> None:
    long_run = "/bin/sh -c " + " && ".join(f"step-number-{n} --with-options" for n in range(12))
    layers = [
        make_layer([("file", "base", 2_000_000)]),
        make_layer([("file", "big", 123_456)]),
        make_layer([("whiteout", "big"), ("file", "new", 7)]),
    ]
    path = archives.docker_archive(
        "wide.tar",
        [{"tag": "x:1", "layers": layers, "commands": ["A", long_run, "/bin/sh -c rm big"]}],
    )
    document = json.loads(run("-f", "json", f"docker-archive:{path}").stdout)
    result = run(f"docker-archive:{path}", env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    rows = layer_rows(result.stdout, 3)
    for row, layer in zip(rows, document["images"][0]["layers"], strict=True):
        # number, size, files added/changed/removed, digest: all there; the instruction wraps
        assert row.split()[0] == str(layer["index"])
        assert layer["diff_id"].split(":")[1][:12] in row
    assert rows[1].count("123 kB") == 2  # size and wasted
    # The instruction wraps over several lines instead of pushing the numbers out.
    assert "step-number-3--with-options" in re.sub(r"\s+", "", result.stdout)
    assert re.search(r"^\s*2\s+\S+ B\s+1\s+0\s+1\s+", rows[2]), rows[2]


def test_layer_numbers_are_the_same_in_text_and_json(archives: Any, make_layer: Any) -> None:
    layers = [
        make_layer([("file", "base", 100)]),
        make_layer([("file", "big", 1000)]),
        make_layer([("whiteout", "big")]),
    ]
    path = archives.docker_archive(
        "n.tar", [{"tag": "x:1", "layers": layers, "commands": ["A", "B", "C"]}]
    )
    (image,) = json.loads(run("-f", "json", f"docker-archive:{path}").stdout)["images"]
    text = run(f"docker-archive:{path}").stdout
    assert [row.split()[0] for row in layer_rows(text, 3)] == ["0", "1", "2"]
    assert [layer["index"] for layer in image["layers"]] == [0, 1, 2]
    (wasted,) = image["wasted"]
    assert (wasted["added_in_layer"], wasted["hidden_in_layer"]) == (1, 2)
    assert re.search(r"/big\s+1: B\s+2: C\s+deleted", text), text


def test_dot_labels_have_real_line_breaks(archives: Any, make_layer: Any) -> None:
    base = make_layer([("file", "base", 100)])
    path = archives.docker_archive(
        "two.tar",
        [
            {
                "tag": "a:1",
                "layers": [base, make_layer([("file", "a", 1)])],
                "commands": ["A", "B"],
            },
            {
                "tag": "b:1",
                "layers": [base, make_layer([("file", "b", 2)])],
                "commands": ["A", "C"],
            },
        ],
    )
    dot = run("--graph", "dot", f"docker-archive:{path}").stdout
    assert 'label="a:1\\n2 layers, 101 B"' in dot
    assert "\\\\n" not in dot
    mermaid = run("--graph", "mermaid", f"docker-archive:{path}").stdout
    assert '["a:1<br/>2 layers, 101 B"]' in mermaid
    hostile = archives.docker_archive(
        "tagged.tar",
        [
            {"tag": "evil\x1b[2J:1", "layers": [base], "commands": ["A"]},
            {"tag": "b:1", "layers": [base], "commands": ["A"]},
        ],
    )
    for graph in ("dot", "mermaid"):
        output = run("--graph", graph, f"docker-archive:{hostile}").stdout
        assert "\x1b" not in output and "evil␛[2J:1" in output


def test_no_color_is_honoured(archives: Any, make_layer: Any) -> None:
    path = archives.docker_archive(
        "c.tar", [{"tag": "x:1", "layers": [make_layer([("file", "a", 5)])], "commands": ["A"]}]
    )
    terminal = {"FORCE_COLOR": "1", "TERM": "xterm-256color", "NO_COLOR": ""}
    coloured = run(f"docker-archive:{path}", env=terminal)
    assert "\x1b[1m" in coloured.stdout  # bold, without NO_COLOR
    plain = run(f"docker-archive:{path}", env={**terminal, "NO_COLOR": "1"})
    assert plain.exit_code == 0 and "\x1b" not in plain.stdout
    assert "x:1" in plain.stdout


def test_cut_lists_say_how_much_they_left_out(archives: Any, make_layer: Any) -> None:
    names = [f"f{n:02d}" for n in range(30)]
    layers = [
        make_layer([("file", name, 100 + n) for n, name in enumerate(names)]),
        make_layer([("whiteout", name) for name in names] + [("file", "keep", 1)]),
    ]
    path = archives.docker_archive(
        "cut.tar", [{"tag": "x:1", "layers": layers, "commands": ["A", "B"]}]
    )
    text = run("--top", "5", f"docker-archive:{path}").stdout
    assert "… and 25 more wasted files; --top 0 shows all" in text
    (image,) = json.loads(run("-f", "json", "--top", "5", f"docker-archive:{path}").stdout)[
        "images"
    ]
    assert (len(image["wasted"]), image["wasted_omitted"], image["wasted_files"]) == (5, 25, 30)
    assert (len(image["largest"]), image["largest_omitted"]) == (1, 0)
    assert len(image["dive"]["inefficient_files"]) == 5
    assert image["dive"]["inefficient_files_omitted"] == 25
    everything = json.loads(run("-f", "json", "--top", "0", f"docker-archive:{path}").stdout)
    assert everything["images"][0]["wasted_omitted"] == 0
    assert "more wasted files" not in run("--top", "0", f"docker-archive:{path}").stdout


def test_an_archive_file_without_a_transport_gets_a_hint(
    archives: Any, make_layer: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No engine: the hint must not depend on what the engine answers.
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    path = archives.docker_archive(
        "image.tar", [{"tag": "x:1", "layers": [make_layer([("file", "a", 5)])], "commands": ["A"]}]
    )
    result = run(str(path))
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert f"write docker-archive:{path} (docker save) or oci-archive:{path}" in line
    assert "not a tar archive" not in line
    text = tmp_path / "notes.txt"
    text.write_text("hello\n" * 200)
    (line,) = run(str(text)).stderr.splitlines()
    assert f"docker-archive:{text}" in line and "is not a tar archive" in line
    (line,) = run(f"docker-archive:{text}").stderr.splitlines()
    assert line.endswith("is not a tar archive (nor a gzip or zstd compressed one)")


def test_platform_that_matches_nothing_is_an_error(archives: Any, make_layer: Any) -> None:
    path = archives.docker_archive(
        "p.tar", [{"tag": "x:1", "layers": [make_layer([("file", "a", 5)])], "commands": ["A"]}]
    )
    wrong = run("--platform", "linux/arm64", f"docker-archive:{path}")
    assert wrong.exit_code == 2
    assert "no image for --platform linux/arm64 (it has: linux/amd64)" in wrong.stderr
    assert run("--platform", "linux/amd64", f"docker-archive:{path}").exit_code == 0
    malformed = run("--platform", "linux", f"docker-archive:{path}")
    assert malformed.exit_code == 2 and "expected os/arch[/variant]" in malformed.stderr


def test_graph_with_a_report_format_is_refused(archives: Any, make_layer: Any) -> None:
    path = archives.docker_archive(
        "g.tar", [{"tag": "x:1", "layers": [make_layer([("file", "a", 5)])], "commands": ["A"]}]
    )
    refused = run("--format", "json", "--graph", "dot", f"docker-archive:{path}")
    assert refused.exit_code == 2
    assert "--graph dot prints the graph instead of the report" in refused.stderr
    assert run("--graph", "json", f"docker-archive:{path}").exit_code == 0


def three_layers(archives: Any, make_layer: Any) -> Path:
    layers = [
        make_layer([("file", "a", 100_000)]),
        make_layer([("file", "b", 200_000)]),
        make_layer([("file", "c", 50)]),
    ]
    path: Path = archives.docker_archive(
        "three.tar", [{"tag": "x:1", "layers": layers, "commands": ["A", "B", "C"]}]
    )
    return path


def test_max_layer_size_reports_every_layer_over_it(archives: Any, make_layer: Any) -> None:
    path = three_layers(archives, make_layer)
    result = run("-f", "json", "--max-layer-size", "90kB", f"docker-archive:{path}")
    assert result.exit_code == 1
    results = json.loads(result.stdout)["thresholds"]["results"]
    assert [(r["status"], r["layer"], r["value"]) for r in results] == [
        ("fail", 0, 100_000),
        ("fail", 1, 200_000),
    ]
    assert len(result.stderr.splitlines()) == 2
    assert "layer 0 size" in result.stderr and "layer 1 size" in result.stderr
    passing = run("-f", "json", "--max-layer-size", "1MB", f"docker-archive:{path}")
    (only,) = json.loads(passing.stdout)["thresholds"]["results"]
    assert (only["status"], only["layer"]) == ("pass", 1)  # the largest layer


def test_thresholds_through_lint_reporters(archives: Any, make_layer: Any) -> None:
    path = three_layers(archives, make_layer)
    source = f"docker-archive:{path}"
    args = ("--max-layer-size", "90kB", "--max-image-size", "1GB", source)
    sarif = run("-f", "sarif", *args)
    assert sarif.exit_code == 1
    log = json.loads(sarif.stdout)
    assert [error.message for error in sarif_validator().iter_errors(log)] == []
    (sarif_run,) = log["runs"]
    results = sarif_run["results"]
    assert [r["ruleId"] for r in results] == ["DK505", "DK505"]
    assert all(r["level"] == "error" for r in results)
    assert "layer 1 size (B) 200000 crosses threshold 90000" in results[1]["message"]["text"]
    location = results[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "x%3A1"  # the image
    assert [rule["id"] for rule in sarif_run["tool"]["driver"]["rules"]] == ["DK505"]
    github = run("-f", "github", *args).stdout.splitlines()
    assert len(github) == 2 and github[0].startswith("::error file=x%3A1,line=1")
    assert "title=DK505 max-layer-size" in github[0]
    junit = run("-f", "junit", *args).stdout
    assert junit.count("<failure") == 2 and 'classname="x:1"' in junit
    gitlab = json.loads(run("-f", "gitlab", *args).stdout)
    assert [issue["check_name"] for issue in gitlab] == ["DK505", "DK505"]
    checkstyle = run("-f", "checkstyle", *args).stdout
    assert checkstyle.count("<error ") == 2
    clean = run("-f", "sarif", "--max-layer-size", "1GB", source)
    assert clean.exit_code == 0 and json.loads(clean.stdout)["runs"][0]["results"] == []
    document = json.loads(run("-f", "json", *args).stdout)
    assert [f["code"] for f in document["findings"]] == ["DK505", "DK505"]
    assert document["findings"][0]["path"] == "x:1"


# -- history and layers of engine images (--layers-only) -----------------------------------------

E = EMPTY_LAYER_DIFF_ID
LEGACY_STEPS = [
    ("/bin/sh -c #(nop) COPY file:aa in /bin/busybox", 1_980_000),
    ("/bin/busybox true", 0),
    ("/bin/sh -c #(nop)  ENV A=1", 0),
    ("/bin/busybox true", 0),
    ("/bin/sh -c #(nop) COPY file:bb in /f.txt", 3),
    ("/bin/busybox true", 0),
]
BUILDKIT_STEPS = [
    ("COPY busybox /bin/busybox # buildkit", 1_980_000),
    ("RUN /bin/busybox true # buildkit", 0),
    ("ENV A=1", 0),
    ("RUN /bin/busybox true # buildkit", 0),
    ("COPY f.txt /f.txt # buildkit", 3),
    ("RUN /bin/busybox true # buildkit", 0),
]


def test_history_pairs_with_layers_as_each_builder_writes_it() -> None:
    # The legacy builder dropped the empty RUNs: two layers, the two COPY steps.
    assert pair_history(LEGACY_STEPS, ["sha256:a", "sha256:b"]) == [0, 4]
    # BuildKit kept them: the first RUN made files (directories), the other two nothing.
    layers = ["sha256:a", "sha256:r", E, "sha256:b", E]
    assert pair_history(BUILDKIT_STEPS, layers) == [0, 1, 3, 4, 5]
    # One empty layer between two candidate 0-byte RUNs: either could have made it.
    assert pair_history(BUILDKIT_STEPS, ["sha256:a", E, "sha256:b"]) == [0, None, 4]
    # Fewer candidate steps than layers: nothing pairs.
    assert pair_history(BUILDKIT_STEPS[:1], ["sha256:a", "sha256:b"]) == [None, None]
