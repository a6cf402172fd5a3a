"""The path algebra the rules, the build-context readers and the analyzer share."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dockerlens.paths import Relation, clean, covers, normalize, relation, resolve

_PARTS = st.sampled_from(["a", "b", "..", ".", "", "$X", "*"])


@given(st.lists(_PARTS, max_size=8), st.booleans())
def test_normalize_is_clean_without_parents_above_the_start(words: list[str], rooted: bool) -> None:
    path = ("/" if rooted else "") + "/".join(words)
    result = normalize(path)
    assert ".." not in result.split("/") and "." not in result.split("/")
    assert result == "/" or not result.endswith("/")
    assert normalize(result) == result
    if rooted:
        assert result == clean(path)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("", "/"),
        ("..", "/"),
        ("../a", "a"),
        ("a/../../b", "b"),
        ("/a/./b/", "/a/b"),
        ("$X/../y", "y"),
    ],
)
def test_normalize(path: str, expected: str) -> None:
    assert normalize(path) == expected


def test_resolve_and_relation() -> None:
    assert resolve("bin/app", "/srv") == "/srv/bin/app"
    assert resolve("~/x", "/") is None and resolve("$(pwd)/x", "/") is None
    assert resolve("rel", None) is None
    assert relation("/tmp/*", "/tmp/file.tgz") is Relation.SAME
    assert relation("/tmp", "/tmp/a/b") is Relation.CONTAINS
    assert relation("/tmp/a/b", "/tmp") is Relation.INSIDE
    assert relation("/tmp/a", "/var/a") is None


@pytest.mark.parametrize(
    ("path", "target", "expected"),
    [
        ("/var/lib/apt/lists", "/var/lib/apt/lists", True),
        ("/var/lib/apt/lists/", "/var/lib/apt/lists", True),
        ("/var/lib/apt/lists/*", "/var/lib/apt/lists", True),
        ("/var/lib/apt/lists/**", "/var/lib/apt/lists", True),
        ("/var/lib/apt/lists*", "/var/lib/apt/lists", True),
        ("/var/lib/apt", "/var/lib/apt/lists", True),
        ("/var/lib/ap*", "/var/lib/apt/lists", True),
        ("/var/lib/apt/lists/*.deb", "/var/lib/apt/lists", False),
        ("/var/lib/apt/lists/partial", "/var/lib/apt/lists", False),
        ("var/lib/apt/lists", "/var/lib/apt/lists", False),
        ("${GEM_HOME}/cache", "$GEM_HOME/cache", True),
        ("/root/.npm", "~/.npm/_cacache", False),
    ],
)
def test_covers(path: str, target: str, expected: bool) -> None:
    assert covers(path, target) is expected


def test_covers_with_homes_and_entries() -> None:
    assert covers("/home/node/.npm", "~/.npm/_cacache", homes=True)
    assert covers("$HOME/.npm/*", "/root/.npm", homes=True)
    assert covers("/usr/local/bundle/cache/*.gem", "/usr/local/bundle/cache", entries="*.gem")
    assert not covers("/usr/local/bundle/cache/*.gem", "/usr/local/bundle/cache")
