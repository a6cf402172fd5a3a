"""Differential tests: dockerlens's parser against BuildKit's (the `dockerfile` package)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockerlens.syntax.parser import Dialect, parse

from .conftest import FIXTURES, require_oracle
from .oracle import oracle_outcome, our_outcome

FIXTURE_FILES = sorted(FIXTURES.glob("**/*Dockerfile*"))

pytestmark = pytest.mark.oracle


def test_fixtures_exist() -> None:
    assert len(FIXTURE_FILES) >= 20


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_agrees_with_buildkit(path: Path) -> None:
    dockerfile = require_oracle()
    text = path.read_text(encoding="utf-8")
    expected = oracle_outcome(dockerfile, text)
    assert expected is not None
    assert our_outcome(text) == expected


# Pieces real Dockerfiles are made of, and the characters that trip parsers up.
ATOMS = [
    "FROM",
    "RUN",
    "run",
    "COPY",
    "ADD",
    "ENV",
    "LABEL",
    "ARG",
    "CMD",
    "ENTRYPOINT",
    "ONBUILD",
    "HEALTHCHECK",
    "SHELL",
    "USER",
    "WORKDIR",
    "EXPOSE",
    "VOLUME",
    "MAINTAINER",
    "STOPSIGNAL",
    "FOO",
    " ",
    "  ",
    "\t",
    "\n",
    "\n",
    "\r\n",
    "\\",
    "\\\n",
    "`",
    "`\n",
    "#",
    "# escape=`\n",
    "# syntax=x\n",
    "# check=skip=all\n",
    "<<",
    "<<-",
    "EOF",
    "<<EOF",
    "<<'EOF'",
    '<<"EOF"',
    "\nEOF\n",
    "\n\tEOF\n",
    "3<<X",
    "X",
    "--mount=type=cache,target=/x",
    "--from=a",
    "--",
    "-",
    "[",
    "]",
    '"',
    "'",
    ",",
    '["a", "b"]',
    "[1]",
    "=",
    "a=b",
    "k v",
    "$",
    "${",
    "}",
    "${a:-b}",
    "$a",
    "é",
    "\u00a0",
    "\x85",
    "\x0b",
    "\x0c",
    "{",
    ":",
    "NaN",
    "null",
    "\ufeff",
]
dockerfile_text = st.lists(st.sampled_from(ATOMS), min_size=0, max_size=40).map("".join)


@pytest.mark.parametrize(
    "text",
    [
        "RUN <<\ufeff",  # found by hypothesis: Go's scanner skips a word's leading BOM
        "RUN <<\ufeffEOF\nx\nEOF\n",
        "COPY <<\ufeffEOF /a\nx\nEOF\n",
    ],
)
def test_a_byte_order_mark_at_the_start_of_a_word_agrees_with_buildkit(text: str) -> None:
    dockerfile = require_oracle()
    expected = oracle_outcome(dockerfile, text)
    assert expected is not None
    assert our_outcome(text) == expected


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfile_text)
def test_random_input_agrees_with_buildkit(text: str) -> None:
    dockerfile = require_oracle()
    expected = oracle_outcome(dockerfile, text)
    if expected is not None:
        assert our_outcome(text) == expected


@settings(max_examples=300, deadline=None)
@given(st.one_of(dockerfile_text, st.text(max_size=300)))
def test_any_input_gives_instructions_or_an_error(text: str) -> None:
    for dialect in Dialect:
        result = parse(text, dialect=dialect)
        assert result.instructions or result.error is not None
        if result.error is not None:
            assert result.error.line >= 1
            assert result.error.message
