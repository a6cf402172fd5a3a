"""Helpers the rules share for speed: they must never change what a rule finds."""

from __future__ import annotations

import pytest

from dockerlens.lint.commands import effective_commands, may_run, program
from dockerlens.model import Step, build_model
from dockerlens.shell import parse_shell
from dockerlens.syntax.parser import parse

RUNS = [
    "RUN sudo apt-get update",
    "RUN s'u'do true",
    'RUN s"ud"o true',
    "RUN su\\do true",
    "RUN /usr/bin/sudo -E make install",
    "RUN env A=1 sudo -u app id",
    "RUN sh -c 'sudo id'",
    'RUN ["sudo", "id"]',
    'RUN ["sh", "-c", "x && sudo id"]',
    "RUN <<EOF\nset -e\nsudo id\nEOF",
    "RUN echo sudo",
    "RUN chown -R app /app && chmod 0755 /app/bin",
    "RUN c\\hown app /app",
    "RUN apt-get install -y curl",
    "RUN $(echo sudo) id",
]


def _run_steps(text: str) -> list[Step]:
    dockerfile = build_model(parse(f"FROM scratch\n{text}\n"), "Dockerfile", {})
    return [step for step in dockerfile.steps if step.keyword == "RUN"]


@pytest.mark.parametrize("text", RUNS)
@pytest.mark.parametrize("name", ["sudo", "chown", "chmod", "apt-get", "id"])
def test_may_run_is_true_whenever_a_command_has_that_name(text: str, name: str) -> None:
    for step in _run_steps(text):
        runs = any(program(c) == name for c in effective_commands(step, wrappers=True))
        if runs:
            assert may_run(step, name)


def test_may_run_is_false_when_the_name_is_not_in_the_text() -> None:
    (step,) = _run_steps("RUN apt-get install -y curl")
    assert not may_run(step, "sudo")
    assert may_run(step, "apt-get")


def test_parsed_scripts_are_shared_and_cannot_be_changed() -> None:
    first = parse_shell("apt-get update && apt-get install -y curl")
    again = parse_shell("apt-get update && apt-get install -y curl")
    assert first is again
    assert isinstance(first.commands, tuple)
    assert [c.name for c in first.commands] == ["apt-get", "apt-get"]
