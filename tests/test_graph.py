from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockerlens import graph as graphs
from dockerlens.cli import cli
from dockerlens.lint.docs import read_doc
from dockerlens.lint.registry import load_registry
from dockerlens.lint.testing import load_cases
from dockerlens.model import build_model
from dockerlens.syntax.parser import parse
from tests.cli_runner import CliRunner, Result
from tests.conftest import FIXTURES

MULTI = (
    "ARG V=1\nFROM golang:1.23 AS build\nENV CGO_ENABLED=0\nRUN go build -o /app\n"
    "FROM alpine AS unused\nRUN true\n"
    "FROM scratch\nCOPY --from=build /app /app\nCOPY --from=busybox:1 /bin/sh /sh\n"
    "RUN --mount=from=build,target=/b ls\n"
)


def test_graph_edges() -> None:
    df = build_model(parse(MULTI), "Dockerfile")
    g = graphs.build_graph(df)
    kinds = {(a, b): d["kind"] for a, b, d in g.edges(data=True)}
    assert kinds[("image:docker.io/library/golang:1.23", "stage:Dockerfile:0")] == "from"
    assert kinds[("stage:Dockerfile:0", "instr:Dockerfile:2")] == "contains"
    assert kinds[("instr:Dockerfile:2", "instr:Dockerfile:3")] == "next"
    assert kinds[("stage:Dockerfile:0", "instr:Dockerfile:8")] == "copy-from"
    assert kinds[("image:docker.io/library/busybox:1", "instr:Dockerfile:9")] == "copy-from"
    assert kinds[("stage:Dockerfile:0", "instr:Dockerfile:10")] == "mount-from"
    assert not any(b == "stage:Dockerfile:2" and d == "from" for (_, b), d in kinds.items())


def test_variable_definition_to_use_edges() -> None:
    df = build_model(parse("FROM a\nARG DIR=/x\nENV HOME_DIR=$DIR\nWORKDIR $HOME_DIR\n"), "D")
    g = graphs.build_graph(df)
    defines = {(a, b, d["var"]) for a, b, d in g.edges(data=True) if d["kind"] == "defines"}
    assert defines == {("instr:D:2", "instr:D:3", "DIR"), ("instr:D:3", "instr:D:4", "HOME_DIR")}


def test_needed_and_unused_stages() -> None:
    df = build_model(parse(MULTI), "Dockerfile")
    report = graphs.stage_report(df)
    assert (report.target, report.needed, report.unused) == (2, [0, 2], [1])
    assert graphs.stage_report(df, "unused").needed == [1]
    with pytest.raises(KeyError):
        graphs.stage_report(df, "nope")


def test_build_order_across_dockerfiles() -> None:
    base = build_model(parse("FROM debian:12\nRUN true\n"), "base/Dockerfile")
    app = build_model(parse("FROM acme/base:1\nRUN true\n"), "app/Dockerfile")
    tool = build_model(parse("FROM acme/app\nCOPY --from=acme/base:1 / /\n"), "tool/Dockerfile")
    images = {"base/Dockerfile": "acme/base:1", "app/Dockerfile": "acme/app:latest"}
    g, order = graphs.build_order([tool, app, base], images)
    assert order == ["base/Dockerfile", "app/Dockerfile", "tool/Dockerfile"]
    assert g.has_edge("base/Dockerfile", "tool/Dockerfile")
    loop = build_model(parse("FROM acme/app\n"), "base/Dockerfile")
    with pytest.raises(graphs.BuildOrderError, match="cycle"):
        graphs.build_order([loop, app], images)


def test_exports() -> None:
    g = graphs.build_graph(build_model(parse(MULTI), "Dockerfile"))
    dot = graphs.to_dot(g)
    assert dot.startswith("digraph dockerlens {") and '"stage:Dockerfile:0" ->' in dot
    mermaid = graphs.to_mermaid(g)
    assert mermaid.startswith("flowchart LR") and "-->" in mermaid
    data = json.loads(graphs.to_json(g))
    assert {n["id"] for n in data["nodes"]} >= {"stage:Dockerfile:0", "instr:Dockerfile:8"}


def graph_cli(tmp_path: Path, text: str, *args: str) -> Result:
    (tmp_path / "Dockerfile").write_text(text, encoding="utf-8")
    return CliRunner().invoke(cli, ["graph", *args, str(tmp_path / "Dockerfile")])


@pytest.mark.parametrize("fmt", ["dot", "mermaid", "json"])
def test_an_empty_file_is_an_error_as_in_parse(tmp_path: Path, fmt: str) -> None:
    result = graph_cli(tmp_path, "", "--format", fmt)
    assert result.exit_code == 1
    assert result.stderr.endswith(":1: parse error: file with no instructions\n")
    parsed = CliRunner().invoke(cli, ["parse", str(tmp_path / "Dockerfile")])
    assert parsed.exit_code == 1 and parsed.stdout == result.stderr
    assert graph_cli(tmp_path, MULTI, "--format", fmt).exit_code == 0


def test_unused_stages_are_marked_in_dot_and_mermaid(tmp_path: Path) -> None:
    dot = graph_cli(tmp_path, MULTI).stdout
    marked = [line for line in dot.splitlines() if "style=dashed, color=gray" in line]
    assert [line.split()[0] for line in marked] == [f'"stage:{tmp_path / "Dockerfile"}:1"']
    assert '"stage unused (unused)"' in marked[0]
    mermaid = graph_cli(tmp_path, MULTI, "--format", "mermaid").stdout.splitlines()
    node = next(line.split("[")[0].strip() for line in mermaid if "stage unused (unused)" in line)
    assert mermaid[-1] == f"  class {node} unused"
    assert sum("(unused)" in line for line in mermaid) == 1
    # Another target, other unused stages.
    other = graph_cli(tmp_path, MULTI, "--target", "unused").stdout
    assert other.count("(unused)") == 2 and "stage unused (unused)" not in other


def test_stages_only_view(tmp_path: Path) -> None:
    g = graphs.stages_only(graphs.build_graph(build_model(parse(MULTI), "D")))
    assert {d["kind"] for _, d in g.nodes(data=True)} == {"stage", "image"}
    edges = {(a, b): d["kind"] for a, b, d in g.edges(data=True)}
    assert edges == {
        ("image:docker.io/library/golang:1.23", "stage:D:0"): "from",
        ("image:docker.io/library/alpine:latest", "stage:D:1"): "from",
        ("stage:D:0", "stage:D:2"): "copy-from, mount-from",
        ("image:docker.io/library/busybox:1", "stage:D:2"): "copy-from",
    }
    data = json.loads(graph_cli(tmp_path, MULTI, "--stages", "--format", "json").stdout)
    assert {n["kind"] for n in data["nodes"]} == {"stage", "image"}
    assert [n["unused"] for n in data["nodes"] if n["kind"] == "stage"] == [False, True, False]
    assert data["files"][0]["unused_stages"] == [1]
    assert "instr:" not in graph_cli(tmp_path, MULTI, "--stages", "--format", "mermaid").stdout


def _texts_for(code: str) -> list[str]:
    rule = load_registry().resolve(code)
    assert rule is not None
    doc = read_doc(rule)
    cases = load_cases(FIXTURES / "rules" / f"{code}.yaml")
    return [*doc.examples, *doc.counter_examples, *(case.text for case in cases)]


def test_graph_and_dl3022_agree_on_undefined_stage_references() -> None:
    from dockerlens.lint.testing import lint_with

    registry = load_registry()
    rules = [registry.resolve("DL3022"), registry.resolve("DL3023")]
    texts = sorted(set(_texts_for("DL3022") + _texts_for("DL3023")))
    assert len(texts) > 20
    flagged_somewhere = 0
    for text in texts:
        df = build_model(parse(text), "Dockerfile")
        listed = sorted(
            df.steps[ref.step].line
            for ref, _ in graphs.stage_report(df).undefined
            if ref.kind == "copy"
        )
        linted = sorted(f.line for rule in rules if rule for f in lint_with(rule, text))
        assert listed == linted, text
        flagged_somewhere += bool(listed)
    assert flagged_somewhere >= 10


def test_undefined_references_say_why(tmp_path: Path) -> None:
    text = (
        "FROM golang:1.23 AS build\nFROM debian:12\nCOPY --from=buld /a /a\n"
        "COPY --from=5 /b /b\nRUN --mount=from=later,target=/c ls\nCOPY --from=1 /d /d\n"
        "FROM scratch AS later\n"
    )
    data = json.loads(graph_cli(tmp_path, text, "--format", "json").stdout)
    reasons = {
        (r["line"], r["kind"]): r["reason"] for r in data["files"][0]["undefined_stage_references"]
    }
    assert reasons == {
        (3, "copy"): "no stage 'buld': did you mean 'build'?",
        (4, "copy"): "stage 5 is not an earlier stage",
        (5, "mount"): "stage 'later' is only defined later",
        (6, "copy"): "names its own stage",
    }
    # The edges say the same.
    flagged = {e["target"] for e in data["edges"] if e.get("undefined")}
    path = tmp_path / "Dockerfile"
    assert flagged == {f"instr:{path}:{line}" for line in (3, 4, 5, 6)}


def test_a_base_named_like_its_own_stage_is_the_image() -> None:
    # BuildKit looks a base up among earlier stages only: this is the image `node`.
    df = build_model(parse("FROM node:22 AS build\nFROM node AS node\nFROM node\n"), "D")
    assert graphs.stage_report(df).undefined == []
    assert [r.image is not None for r in df.references] == [True, True, False]
    assert df.references[2].target_stage == 1


def test_a_bad_base_image_is_not_a_stage_reference() -> None:
    # Judged by the rules about FROM; `COPY --from` with the same text is DL3022's.
    df = build_model(parse("FROM {{base}}\nCOPY --from={{base}} /a /a\n"), "D")
    assert [(r.kind, m.reason) for r, m in graphs.stage_report(df).undefined] == [
        ("copy", "'{{base}}' is neither a stage nor a valid image reference")
    ]
