from __future__ import annotations

from pathlib import Path

import dockerlens.rules

from .conftest import ROOT


def test_rules_folder_is_installed_as_dockerlens_rules() -> None:
    # `rules/` at the top of the repository is the package `dockerlens.rules` once installed.
    assert Path(dockerlens.rules.__file__).resolve().parent == (ROOT / "rules").resolve()
