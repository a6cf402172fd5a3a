from __future__ import annotations

import json

import pytest

from dockerlens import graph as graphs
from dockerlens.model import build_model
from dockerlens.syntax.parser import parse

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
