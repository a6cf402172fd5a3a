"""Helpers the rules share for speed: they must never change what a rule finds."""

from __future__ import annotations

import pytest

from dockerlens.lint.commands import effective_commands, mentionable_text, program
from dockerlens.lint.packages import invocations
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
    "ARG PIP=pip3\nRUN $PIP install flask",
    "ENV APT=apt-get\nRUN \"$APT\" install -y curl",
    "ARG TOOL\nRUN $TOOL install x",
]


def _run_steps(text: str, build_args: dict[str, str] | None = None) -> list[Step]:
    dockerfile = build_model(parse(f"FROM scratch\n{text}\n"), "Dockerfile", build_args or {})
    return [step for step in dockerfile.steps if step.keyword == "RUN"]


@pytest.mark.parametrize("text", RUNS)
@pytest.mark.parametrize("name", ["sudo", "chown", "chmod", "apt-get", "id", "pip3", "npm"])
def test_every_program_a_run_runs_is_in_its_mentionable_text(text: str, name: str) -> None:
    for build_args in ({}, {"TOOL": "npm"}):
        for step in _run_steps(text, build_args):
            written = any(program(c) == name for c in effective_commands(step, wrappers=True))
            expanded = any(call.name == name for call in invocations(step))
            if written or expanded:
                assert name in mentionable_text(step)


def test_the_mentionable_text_leaves_out_what_no_program_is_named_by() -> None:
    (step,) = _run_steps("RUN apt-get install -y curl")
    assert "sudo" not in mentionable_text(step)
    assert "apt-get" in mentionable_text(step)


def test_parsed_scripts_are_shared_and_cannot_be_changed() -> None:
    first = parse_shell("apt-get update && apt-get install -y curl")
    again = parse_shell("apt-get update && apt-get install -y curl")
    assert first is again
    assert isinstance(first.commands, tuple)
    assert [c.name for c in first.commands] == ["apt-get", "apt-get"]
