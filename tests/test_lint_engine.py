"""The engine: dispatch, pragmas of every form, the check directive, crashes, parse errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.engine import EnabledRule, LintSettings, add_external, lint_file, lint_text
from dockerlens.lint.findings import PARSE_ERROR, RULE_CRASHED, UNUSED_PRAGMA, Finding


class FlagRun(Rule):
    code = "TST100"
    name = "flag-run"
    severity = Severity.WARNING
    category = Category.STYLE
    on = frozenset({"RUN"})
    buildkit_name = "FlagRunCheck"

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        yield Problem(step, message="run", at="RUN")


class FlagRunOnBuild(FlagRun):
    code = "TST101"
    name = "flag-run-onbuild"
    onbuild = True
    buildkit_name = None


class Crashes(Rule):
    code = "TST102"
    name = "crashes"
    severity = Severity.INFO
    category = Category.STYLE
    on = frozenset({"FROM"})

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        raise RuntimeError("boom")


class CountsStages(Rule):
    code = "TST103"
    name = "counts-stages"
    severity = Severity.INFO
    category = Category.STYLE

    def finish(self, ctx: LintContext) -> Iterator[Problem]:
        yield Problem(None, message=f"{len(ctx.stages)} stages")


ENGINE = {c.code: c.severity for c in (PARSE_ERROR, RULE_CRASHED, UNUSED_PRAGMA)}


def lint(text: str, *rules: type[Rule], pragmas: bool = True) -> list[tuple[int, str]]:
    enabled = tuple(EnabledRule.of(r) for r in rules or (FlagRun,))
    settings = LintSettings(enabled, ENGINE, honour_pragmas=pragmas)
    return [(f.line, f.code) for f in lint_text(text, "Dockerfile", settings)]


def test_dispatch_by_keyword_and_position() -> None:
    text = "FROM a\nRUN x\nCOPY a b\n  RUN y\n"
    settings = LintSettings((EnabledRule.of(FlagRun, None, Severity.ERROR),), ENGINE)
    findings = lint_text(text, "Dockerfile", settings)
    assert [(f.line, f.column, f.end_column) for f in findings] == [(2, 1, 4), (4, 3, 6)]
    assert {f.severity for f in findings} == {Severity.ERROR}


def test_lines_are_the_parsers_lines() -> None:
    # A form feed or U+2028 inside an instruction is no line break for BuildKit: findings,
    # spans and the source lines handed to reporters count lines as the parser does.
    text = "FROM a\nRUN echo a\u2028b\nRUN echo c\x0cd\r\nRUN y\n"
    settings = LintSettings((EnabledRule.of(FlagRun, None, Severity.ERROR),), ENGINE)
    result = lint_file(text, "Dockerfile", settings)
    assert result.lines == ["FROM a", "RUN echo a\u2028b", "RUN echo c\x0cd", "RUN y"]
    assert [(f.line, f.column, f.end_line, f.end_column) for f in result.findings] == [
        (2, 1, 2, 4),
        (3, 1, 3, 4),
        (4, 1, 4, 4),
    ]


def test_onbuild_reaches_only_rules_that_ask() -> None:
    text = "FROM a\nONBUILD RUN x\n"
    assert lint(text, FlagRun) == []
    assert lint(text, FlagRunOnBuild) == [(2, "TST101")]


def test_parse_error_is_a_finding() -> None:
    assert lint("FROM a\nENV onlyone\n") == [(2, "DL1000")]


def test_a_crashing_rule_is_reported_and_the_others_still_run() -> None:
    found = lint("FROM a\nRUN x\n", Crashes, FlagRun)
    assert found == [(1, "DK999"), (2, "TST100")]


class YieldsNonsense(Rule):
    code = "TST105"
    name = "yields-nonsense"
    severity = Severity.INFO
    category = Category.STYLE
    on = frozenset({"RUN"})

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        yield "not a problem"  # type: ignore[misc]

    def finish(self, ctx: LintContext) -> Iterator[Problem]:
        yield Problem(None, line=len(ctx.lines) + 5)


class FailsToStart(Rule):
    code = "TST106"
    name = "fails-to-start"
    severity = Severity.INFO
    category = Category.STYLE

    def __init__(self, options: object = None) -> None:
        raise RuntimeError("no")


def test_a_rule_yielding_nonsense_or_failing_to_start_is_its_own_crash() -> None:
    # These used to escape the rule guard (a traceback for the whole run).
    found = lint("FROM a\nRUN x\n", YieldsNonsense, FailsToStart, FlagRun)
    assert found == [(1, "DK999"), (1, "DK999"), (2, "DK999"), (2, "TST100")]


def test_file_wide_problem_from_finish() -> None:
    assert lint("FROM a\nFROM b\n", CountsStages) == [(1, "TST103")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # hadolint: only the instruction on the very next line.
        ("FROM a\n# hadolint ignore=TST100\nRUN x\nRUN y\n", [(4, "TST100")]),
        ("FROM a\n# hadolint ignore=TST100\n\nRUN x\n", [(4, "TST100")]),
        ("FROM a\n#hadolint ignore = TST100 , DL3007 # why\nRUN x\n", []),
        ("FROM a\n# hadolint ignore=TST100 because\nRUN x\n", [(3, "TST100")]),
        # names work wherever codes do, case-insensitively
        ("FROM a\n# hadolint ignore=flag-run\nRUN x\n", []),
        ("FROM a\nRUN x\n# hadolint global ignore=TST100\n", []),
        # hadolint's stage form: above a FROM, that stage; inside a stage, the rest of it
        ("# hadolint stage ignore=TST100\nFROM a\nRUN x\nFROM b\nRUN y\n", [(5, "TST100")]),
        (
            "FROM a\nRUN x\n# hadolint stage ignore=TST100\nRUN y\nRUN z\nFROM b\nRUN w\n",
            [(2, "TST100"), (7, "TST100")],
        ),
        ("ARG V\n# hadolint stage ignore=TST100\n\nFROM a\nRUN x\n", []),
        # dockerlens forms, with reasons; blank lines and comments may sit between
        ("FROM a\n# dockerlens: ignore=TST100 -- ok\n\n# note\nRUN x\nRUN y\n", [(6, "TST100")]),
        ("FROM a\nRUN x\n# dockerlens: ignore-file=TST100\n", []),
        (
            "FROM a\nRUN x\n# dockerlens: ignore-stage=TST100\nRUN y\nFROM b\nRUN z\n",
            [(6, "TST100")],
        ),
        ("# dockerlens: ignore-stage=TST100\nFROM a\nRUN x\nFROM b\nRUN z\n", [(5, "TST100")]),
        # BuildKit's per-instruction form, by check name
        ("FROM a\n# check=skip=FlagRunCheck\nRUN x\nRUN y\n", [(4, "TST100")]),
        ("FROM a\n# check=skip=FlagRunCheck // why\n# more\nRUN x\n", []),
        ("FROM a\n# check=skip=FlagRunCheck\n\nRUN x\n", []),
        ("FROM a\n# check=skip=FlagRunCheck\n#\nRUN x\n", [(4, "TST100")]),
        # a pragma on a continuation line inside an instruction is not a pragma
        (
            "FROM a\nRUN x \\\n# hadolint ignore=TST100\n  && y\nRUN z\n",
            [(2, "TST100"), (5, "TST100")],
        ),
    ],
)
def test_pragmas(text: str, expected: list[tuple[int, str]]) -> None:
    assert [f for f in lint(text) if f[1] != "DK100"] == expected


def test_disable_ignore_pragma() -> None:
    assert lint("FROM a\n# hadolint ignore=TST100\nRUN x\n", pragmas=False) == [(3, "TST100")]


def test_unused_pragmas_are_reported() -> None:
    text = "FROM a\n# dockerlens: ignore=TST100,TST101\nRUN x\n# hadolint ignore=TST100\nCOPY a b\n"
    assert lint(text) == [(2, "DK100"), (4, "DK100")]


def test_external_severity_by_code_or_prefix_longest_first() -> None:
    settings = LintSettings(
        (),
        ENGINE,
        external_severity={"SC": Severity.ERROR, "SC20": Severity.STYLE, "SC2086": Severity.INFO},
    )
    result = lint_file("FROM a\nRUN x\n", "Dockerfile", settings)

    def sc(code: str) -> Finding:
        return Finding("Dockerfile", 2, 1, 2, 2, code, "shellcheck", Severity.WARNING, "m", "u")

    add_external(result, [sc("SC2086"), sc("SC2046"), sc("SC1091")])
    assert [(f.code, f.severity) for f in result.findings] == [
        ("SC1091", Severity.ERROR),
        ("SC2046", Severity.STYLE),
        ("SC2086", Severity.INFO),
    ]


def test_pragmas_for_shellcheck_are_not_judged_before_it_runs() -> None:
    # ShellCheck's findings are added after the rule pass: an SC code or the `shellcheck`
    # name is left alone by DK100 (it used to call `shellcheck` "not enabled").
    text = "FROM a\n# dockerlens: ignore=shellcheck\nCOPY a b\n# hadolint ignore=SC2086\nCOPY a b\n"
    assert lint(text) == []


def test_check_directive_skips_and_raises() -> None:
    assert lint("# check=skip=FlagRunCheck\nFROM a\nRUN x\n") == []
    assert lint("# check=skip=all\nFROM a\nRUN x\n") == []
    settings = LintSettings((EnabledRule.of(FlagRun, None, Severity.WARNING),), ENGINE)
    found = lint_text("# check=error=true\nFROM a\nRUN x\n", "Dockerfile", settings)
    assert [f.severity for f in found] == [Severity.ERROR]
    # rules that are no BuildKit check are untouched by the directive
    assert lint("# check=skip=all\nFROM a\nRUN x\n", FlagRunOnBuild) == [(3, "TST101")]


class SeesShell(Rule):
    code = "TST104"
    name = "sees-shell"
    severity = Severity.INFO
    category = Category.STYLE
    on = frozenset({"RUN"})

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        yield Problem(step, message=f"{step.shell_kind.name} {step.script is not None}")


def test_shell_pragma_sets_the_shell_of_following_runs() -> None:
    enabled = (EnabledRule.of(SeesShell, None, Severity.INFO),)
    text = '# hadolint shell=powershell\nFROM a\nRUN x\nFROM b\nSHELL ["sh", "-c"]\nRUN y\n'
    found = lint_text(text, "Dockerfile", LintSettings(enabled, ENGINE))
    assert [f.message for f in found] == ["POWERSHELL False", "POSIX True"]
    text = "FROM a\nRUN x\n# hadolint shell=pwsh\nARG V=1\nRUN y\nFROM b\nRUN z\n"
    found = lint_text(text, "Dockerfile", LintSettings(enabled, ENGINE))
    assert [f.message for f in found] == ["POSIX True", "POWERSHELL False", "POSIX True"]


def test_local_plugin_rules_load_from_a_folder(tmp_path: Path) -> None:
    from dockerlens.lint.registry import load_registry
    from tests.conftest import FIXTURES

    registry = load_registry([FIXTURES / "plugins" / "local_rules"])
    rule = registry.resolve("every-run")
    assert rule is not None and rule.code == "TST001"
    assert registry.origins["TST001"].endswith("every_run.py")


@pytest.mark.parametrize("group", ["console_scripts", "dockerlens.rules", "pytest11"])
def test_entry_point_scan_agrees_with_importlib_metadata(group: str) -> None:
    from importlib.metadata import entry_points as metadata_entry_points

    from dockerlens.lint.registry import entry_points

    expected = {(e.name, e.value) for e in metadata_entry_points(group=group)}
    assert set(entry_points(group)) == expected


class Experimental(FlagRun):
    code = "TST105"
    name = "experimental-check"
    buildkit_name = "ExperimentalCheck"
    default_enabled = False


@pytest.mark.parametrize(
    ("directive", "expected"),
    [
        ("", []),
        ("# check=experimental=ExperimentalCheck\n", [(3, "TST105")]),
        ("# check=experimental=all;skip=all\n", [(3, "TST105")]),
        ("# check=experimental=Other\n", []),
    ],
)
def test_experimental_checks_are_switched_on_by_the_directive(
    directive: str, expected: list[tuple[int, str]]
) -> None:
    dormant = (EnabledRule.of(Experimental, None, Severity.WARNING),)
    settings = LintSettings((), ENGINE, experimental=dormant)
    text = directive + "FROM a\nRUN x\n"
    found = [(f.line - (not directive), f.code) for f in lint_text(text, "Dockerfile", settings)]
    assert found == expected


def test_unknown_instructions_are_parse_errors_and_the_rest_is_linted() -> None:
    text = "FROM a\nFOO bar\nONBUILD BAR x\nRUN y\n"
    assert lint(text) == [(2, "DL1000"), (3, "DL1000"), (4, "TST100")]


class FlagAptRun(FlagRun):
    code = "TST104"
    name = "flag-apt-run"
    run_mentions = frozenset({"apt-get", "apt"})
    onbuild = True
    buildkit_name = None


def test_a_rule_with_run_mentions_sees_only_the_runs_that_mention_them() -> None:
    text = (
        "FROM debian\n"
        "RUN echo hello\n"
        "RUN a'pt'-get update\n"
        "ONBUILD RUN apt-get update\n"
        "ONBUILD RUN true\n"
        "WORKDIR /apt\n"
        "ARG INSTALL=apt-get\n"
        "RUN $INSTALL install -y curl\n"
    )
    assert lint(text, FlagAptRun) == [(3, "TST104"), (4, "TST104"), (8, "TST104")]
