"""The DK2xx/DK3xx rules whose findings depend on files next to the Dockerfile (the build
context): they cannot be YAML cases, which lint text alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockerlens.lint.registry import load_registry
from dockerlens.lint.testing import lint_with

REGISTRY = load_registry()


def findings(code: str, folder: Path, text: str, name: str = "Dockerfile") -> list[int]:
    """Lines where rule ``code`` fires on ``text`` written to ``folder/name``."""
    rule = REGISTRY.resolve(code)
    assert rule is not None
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return [f.line for f in lint_with(rule, text, path=str(path)) if f.code == code]


GO_BUILD = "FROM golang:1.23\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n"
CARGO_BUILD = "FROM rust:1.82\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"


@pytest.mark.parametrize(
    ("text", "lock"), [(GO_BUILD, "go.sum"), (CARGO_BUILD, "Cargo.lock")], ids=["go", "cargo"]
)
def test_dk205_builds_with_dependencies(tmp_path: Path, text: str, lock: str) -> None:
    (tmp_path / lock).write_text("", encoding="utf-8")
    assert findings("DK205", tmp_path, text) == [4]


@pytest.mark.parametrize("text", [GO_BUILD, CARGO_BUILD], ids=["go", "cargo"])
def test_dk205_builds_without_dependencies_are_not_reported(tmp_path: Path, text: str) -> None:
    assert findings("DK205", tmp_path, text) == []


def test_dk205_without_a_context_assumes_dependencies() -> None:
    rule = REGISTRY.resolve("DK205")
    assert rule is not None
    assert [f.line for f in lint_with(rule, GO_BUILD, path="-")] == [4]


APP_WITH_GCC = (
    "FROM debian:12-slim\n"
    "COPY . /src\n"
    "RUN apt-get update && apt-get install -y gcc && make -C /src\n"
    'CMD ["/src/app"]\n'
)


def test_dk204_reports_an_application_image(tmp_path: Path) -> None:
    assert findings("DK204", tmp_path, APP_WITH_GCC) == [3]


def test_dk204_skips_dev_containers(tmp_path: Path) -> None:
    assert findings("DK204", tmp_path, APP_WITH_GCC, name=".devcontainer/Dockerfile") == []
