"""Every rule's docstring is executed, every data case is run, and the docs match the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockerlens.lint.docgen import builtin_pages
from dockerlens.lint.docs import read_doc
from dockerlens.lint.registry import BUILTIN_ENTRY_POINT, load_registry
from dockerlens.lint.testing import Case, check_examples, load_cases, run_case
from tests.conftest import FIXTURES, ROOT

REGISTRY = load_registry()
RULES = list(REGISTRY)
CASE_FILES = sorted((FIXTURES / "rules").glob("*.yaml"))
CASES: list[Case] = [case for path in CASE_FILES for case in load_cases(path)]


def test_builtin_rules_come_through_the_entry_point() -> None:
    from importlib.metadata import entry_points

    names = {e.name: e.value for e in entry_points(group="dockerlens.rules")}
    assert names.get(BUILTIN_ENTRY_POINT) == "dockerlens.rules"
    assert RULES and all(REGISTRY.origins[r.code] == BUILTIN_ENTRY_POINT for r in RULES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_docstring_examples(rule: type) -> None:
    check_examples(rule)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}-{c.name}")
def test_data_cases(case: Case) -> None:
    run_case(case, REGISTRY)


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_case_files_are_named_after_their_rule(path: Path) -> None:
    rule = REGISTRY.resolve(path.stem)
    assert rule is not None, f"{path.name}: no rule {path.stem}"
    assert all(REGISTRY.resolve(c.rule) is rule for c in load_cases(path))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_one_rule_per_module(rule: type) -> None:
    siblings = [r for r in RULES if r.__module__ == rule.__module__]
    assert siblings == [rule]
    assert rule.__module__.startswith("dockerlens.rules.")
    assert rule.__module__.rsplit(".", 1)[1].startswith(rule.code.lower() + "_")


def test_generated_docs_are_up_to_date() -> None:
    folder = ROOT / "docs" / "rules"
    pages = builtin_pages()
    committed = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.md")}
    stale = sorted(set(committed) - set(pages))
    missing = sorted(set(pages) - set(committed))
    changed = sorted(n for n in set(pages) & set(committed) if pages[n] != committed[n])
    assert not (stale or missing or changed), (
        f"docs/rules drifted (stale {stale}, missing {missing}, changed {changed}); "
        "run: python -m dockerlens.lint.docgen docs/rules"
    )


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_summary_is_one_sentence(rule: type) -> None:
    summary = read_doc(rule).summary
    assert summary.endswith(".") and len(summary) <= 120


HADOLINT_CODES = (
    ["DL1001"]
    + [f"DL{n}" for n in range(3000, 3068) if n not in (3005, 3017, 3031, 3039)]
    + ["DL4000", "DL4001", "DL4003", "DL4004", "DL4005", "DL4006"]
)
BUILDKIT_CHECKS = [
    "StageNameCasing",
    "FromAsCasing",
    "NoEmptyContinuation",
    "ConsistentInstructionCasing",
    "DuplicateStageName",
    "ReservedStageName",
    "JSONArgsRecommended",
    "MaintainerDeprecated",
    "UndefinedArgInFrom",
    "WorkdirRelativePath",
    "UndefinedVar",
    "MultipleInstructionsDisallowed",
    "LegacyKeyValueFormat",
    "RedundantTargetPlatform",
    "SecretsUsedInArgOrEnv",
    "InvalidDefaultArgInFrom",
    "FromPlatformFlagConstDisallowed",
    "CopyIgnoredFile",
    "InvalidDefinitionDescription",
    "ExposeProtoCasing",
    "ExposeInvalidFormat",
    "InvalidBaseImagePlatform",
]


def test_every_hadolint_rule_has_its_code() -> None:
    assert len(HADOLINT_CODES) == 71
    assert [c for c in HADOLINT_CODES if c not in REGISTRY.rules] == []


def test_every_buildkit_check_answers_to_its_name() -> None:
    assert len(BUILDKIT_CHECKS) == 22
    assert [name for name in BUILDKIT_CHECKS if not REGISTRY.select(name)] == []
    assert sorted(REGISTRY.select("MultipleInstructionsDisallowed")) == [
        "DL3012",
        "DL4003",
        "DL4004",
    ]


def _texts_with_runs() -> list[str]:
    """Every example and data case that has a RUN: the pool the next test runs over."""
    texts = [
        text
        for rule in RULES
        for text in (*read_doc(rule).examples, *read_doc(rule).counter_examples)
    ]
    texts += [case.text for path in CASE_FILES for case in load_cases(path)]
    return sorted({text for text in texts if "RUN" in text})


def test_run_mentions_never_hide_a_finding() -> None:
    """A rule's ``run_mentions`` only saves time: without it, the same findings."""
    from dockerlens.lint.engine import EnabledRule, LintSettings, lint_text
    from dockerlens.lint.testing import rule_options

    declaring = [rule for rule in RULES if rule.run_mentions]
    assert declaring
    unfiltered = [type(r.__name__, (r,), {"run_mentions": frozenset()}) for r in declaring]

    def settings(rules: list[type]) -> LintSettings:
        enabled = []
        for rule in rules:
            options = rule.Options(**rule_options(rule, dict(rule.example_options), "options"))
            enabled.append(EnabledRule(rule, options, rule.severity))
        return LintSettings(tuple(enabled))

    filtered_settings, unfiltered_settings = settings(declaring), settings(unfiltered)
    pool = _texts_with_runs()
    assert len(pool) > 500
    for text in pool:
        expected = lint_text(text, "Dockerfile", unfiltered_settings)
        assert lint_text(text, "Dockerfile", filtered_settings) == expected, text


def _offered_fixes(rule: type) -> list[bool]:
    """``Fix.safe`` of every fix the rule offers on its examples and data cases."""
    from dockerlens.lint.testing import lint_with

    doc = read_doc(rule)
    texts = [(text, dict(rule.example_options)) for text in doc.examples]
    texts += [(case.text, case.options) for case in CASES if case.rule == rule.code]
    return [
        finding.fix.safe
        for text, options in texts
        for finding in lint_with(rule, text, options)
        if finding.code == rule.code and finding.fix is not None
    ]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_fix_safety_is_documented_where_fixes_are_offered(rule: type) -> None:
    doc = read_doc(rule)
    offered = _offered_fixes(rule)
    assert doc.fixable == bool(offered), (
        f"{rule.code}: offers fixes but has no `## Fix safety` section"
        if offered
        else f"{rule.code}: has a `## Fix safety` section but no example or case is fixed"
    )
    section = doc.section("Fix safety")
    if any(offered):
        assert "Safe" in section or "safe" in section.replace("unsafe", ""), rule.code
    if not all(offered):
        assert "nsafe" in section, f"{rule.code}: offers unsafe fixes, the section must say so"


def test_at_least_thirty_rules_offer_fixes() -> None:
    assert sum(read_doc(rule).fixable for rule in RULES) >= 30
