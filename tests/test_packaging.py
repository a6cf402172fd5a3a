from __future__ import annotations

from pathlib import Path

import dockerlens.rules

from .conftest import ROOT


def test_rules_folder_is_installed_as_dockerlens_rules() -> None:
    # `rules/` at the top of the repository is the package `dockerlens.rules` once installed.
    assert Path(dockerlens.rules.__file__).resolve().parent == (ROOT / "rules").resolve()


def test_the_wheel_holds_the_rules_and_registers_them(tmp_path: Path) -> None:
    """What users install: every rule module, every lint module, and the entry point."""
    import subprocess
    import sys
    import zipfile

    wheel_command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path)]
    subprocess.run([*wheel_command, str(ROOT)], check=True, capture_output=True)
    [wheel] = tmp_path.glob("dockerlens-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    rules = {f"dockerlens/rules/{p.name}" for p in (ROOT / "rules").glob("*.py")}
    lint = {f"dockerlens/lint/{p.relative_to(ROOT / 'dockerlens' / 'lint').as_posix()}"
            for p in (ROOT / "dockerlens" / "lint").rglob("*.py")}  # fmt: skip
    assert len(rules) > 90 and rules <= names
    assert lint <= names
    [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[dockerlens.rules]\nbuiltin = dockerlens.rules" in text
