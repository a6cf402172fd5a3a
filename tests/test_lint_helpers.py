"""Helpers the rules share for speed: they must never change what a rule finds."""

from __future__ import annotations

import re

import pytest

from dockerlens.lint.commands import effective_commands, program
from dockerlens.lint.packages import invocations, mentionable_text
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
    "RUN $'sudo' id",
    "ARG PIP=pip3\nRUN $PIP install flask",
    'ENV APT=apt-get\nRUN "$APT" install -y curl',
    "ARG TOOL\nRUN $TOOL install x",
    # Names and words that only exist once variables are expanded.
    "ARG A=pi\nARG B=p\nRUN $A$B install flask",
    "RUN A=pi; B=p; $A$B install flask",
    "ARG X=pop\nRUN ${X/o/i} install flask",
    "ARG X=\nRUN p${X}ip install flask",
    'ENV X=""\nRUN X=; p${X}ip install flask',
    "ARG A=apt\nRUN $A-get install -y curl && ${A}-get clean",
    "ARG N=np\nRUN ${N}m install -g typescript",
    "ARG X=date\nRUN apt-get up$X",
    "ARG M=p\nRUN python -m ${M}ip install flask",
    "ONBUILD RUN $TOOL install x",
    'SHELL ["pwsh", "-Command"]\nARG P=pi\nRUN ${P}p install flask',
]
_UNQUOTED = re.compile(r"[\\\"']")


def _run_steps(text: str, build_args: dict[str, str] | None = None) -> list[Step]:
    dockerfile = build_model(parse(f"FROM scratch\n{text}\n"), "Dockerfile", build_args or {})
    return [step for step in dockerfile.steps if step.keyword == "RUN"]


@pytest.mark.parametrize("text", RUNS)
def test_every_word_a_rule_reads_is_in_the_mentionable_text(text: str) -> None:
    for build_args in ({}, {"TOOL": "npm"}):
        for step in _run_steps(text, build_args):
            read = {program(c) for c in effective_commands(step, wrappers=True)}
            read |= {word for call in invocations(step) for word in (call.name, *call.args)}
            mentionable = mentionable_text(step)
            for word in read:
                assert _UNQUOTED.sub("", word) in mentionable, (word, mentionable)


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


def test_a_destination_is_marked_where_it_is_not_where_its_text_first_appears() -> None:
    # Precision round 14: DL3045 marked the `.` of `pr_16956.patch`, not the `.` destination.
    from dockerlens.lint.registry import load_registry
    from dockerlens.lint.testing import lint_with

    rule = load_registry().resolve("DL3045")
    assert rule is not None
    [finding] = lint_with(rule, "FROM debian:12\nCOPY pr_16956.patch .\n")
    assert (finding.line, finding.column, finding.end_column) == (2, 21, 22)
