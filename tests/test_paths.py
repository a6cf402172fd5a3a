"""The path algebra the rules, the build-context readers and the analyzer share."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dockerlens.paths import Relation, clean, normalize, relation, resolve

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
