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
RULES = REGISTRY.classes()
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
    from dockerlens.lint.registry import REMOVED_HADOLINT_CODES

    registered = {code for code in REGISTRY.rules if code.startswith("DL")}
    assert sorted(registered ^ set(HADOLINT_CODES)) == []
    assert sorted(REMOVED_HADOLINT_CODES & registered) == []
    documented = {p.stem for p in (ROOT / "docs" / "rules").glob("DL*.md")}
    assert sorted(set(HADOLINT_CODES) - documented) == []


def test_every_buildkit_check_answers_to_its_name() -> None:
    registered = {rule.buildkit_name for rule in RULES if rule.buildkit_name}
    assert sorted(registered ^ set(BUILDKIT_CHECKS)) == []
    assert [name for name in BUILDKIT_CHECKS if not REGISTRY.select(name)] == []
    for rule in RULES:
        if rule.buildkit_name:
            page = (ROOT / "docs" / "rules" / f"{rule.code}.md").read_text(encoding="utf-8")
            assert f"`{rule.buildkit_name}`" in page, rule.code
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
            enabled.append(EnabledRule.of(rule, options))
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


def _with_doc(rule: type, edit: tuple[str, str], count: int = 1) -> type:
    """``rule`` with one edit made to its docstring (the checks below must catch it)."""
    doc = rule.__doc__ or ""
    assert doc.count(edit[0]) >= count, edit[0]
    return type(rule.__name__, (rule,), {"__doc__": doc.replace(*edit, count)})


def test_an_example_must_state_the_lines_it_fires_on() -> None:
    rule = REGISTRY.resolve("DL3020")
    assert rule is not None
    check_examples(rule)
    with pytest.raises(AssertionError, match="does not say the lines"):
        check_examples(_with_doc(rule, ("```dockerfile lines=2\n", "```dockerfile\n")))
    with pytest.raises(AssertionError, match=r"should fire on lines \[3\], fires on \[2\]"):
        check_examples(_with_doc(rule, ("```dockerfile lines=2\n", "```dockerfile lines=3\n")))
    with pytest.raises(AssertionError, match="Use instead 1 states lines"):
        check_examples(
            _with_doc(
                rule,
                (
                    "## Use instead\n    ```dockerfile\n",
                    "## Use instead\n    ```dockerfile lines=2\n",
                ),
            )
        )


def test_a_fixing_rule_pairs_each_example_with_its_use_instead() -> None:
    rule = REGISTRY.resolve("DL3020")
    assert rule is not None and len(read_doc(rule).examples) == 2
    counter = "```dockerfile\n    FROM debian:12\n    COPY app.py /app/\n    ```\n"
    with pytest.raises(AssertionError, match=r"2 Example blocks needs .* there are 1"):
        check_examples(_with_doc(rule, (counter, "")))


def test_a_failing_case_without_lines_is_an_error(tmp_path: Path) -> None:
    case = "rule: DL3020\ncases:\n  - name: no lines\n    fail: |\n      FROM a\n      ADD b /c\n"
    (tmp_path / "DL3020.yaml").write_text(case, encoding="utf-8")
    with pytest.raises(ValueError, match="states the lines"):
        load_cases(tmp_path / "DL3020.yaml")
    (tmp_path / "DL3020.yaml").write_text(case + "    lines: [2]\n", encoding="utf-8")
    assert load_cases(tmp_path / "DL3020.yaml")[0].lines == [2]
    passing = case.replace("fail:", "pass:") + "    lines: [2]\n"
    (tmp_path / "DL3020.yaml").write_text(passing, encoding="utf-8")
    with pytest.raises(ValueError, match="a pass case states none"):
        load_cases(tmp_path / "DL3020.yaml")


def test_rule_options_read_only_with_fresh_mutable_defaults_and_validated() -> None:
    from dockerlens.lint import RuleOptions, option

    class Base(RuleOptions):
        names: list[str] = option([], doc="Names.")

    class Options(Base):
        limit: int = option(3, doc="A limit.")

        def validate(self) -> None:
            if self.limit < 0:
                raise ValueError("limit must not be negative")

    first, second = Options(), Options(limit=5)
    assert (first.names, first.limit, second.limit) == ([], 3, 5)
    assert first.names is not second.names  # a default list is not shared
    assert first == Options() and first != second and hash(first) == hash(Options())
    assert repr(second).endswith(".Options(names=[], limit=5)")
    with pytest.raises(AttributeError):
        first.limit = 4  # type: ignore[misc]
    with pytest.raises(TypeError, match="no option 'limt'"):
        Options(limt=4)
    with pytest.raises(ValueError, match="negative"):
        Options(limit=-1)
    import pickle

    from dockerlens.rules.dl3059_consecutive_run import Options as Dl3059Options

    configured = Dl3059Options(max_commands=2)  # options travel to worker processes
    assert pickle.loads(pickle.dumps(configured)) == configured


def test_a_plugin_rule_may_keep_dataclass_options() -> None:
    """The configuration, the documentation and the result cache read a dataclass's fields as
    they read RuleOptions' options."""
    from dataclasses import dataclass, field

    from dockerlens.lint import Category, Rule, Severity
    from dockerlens.lint.cache import _stable
    from dockerlens.lint.docs import options_table
    from dockerlens.lint.testing import rule_options

    @dataclass(frozen=True)
    class Options:
        allowed: list[str] = field(default_factory=list, metadata={"doc": "Allowed images."})
        strict: bool = False

    class Plugin(Rule):
        code = "ACME002"
        name = "acme-two"
        severity = Severity.INFO
        category = Category.STYLE

    Plugin.Options = Options
    assert [(f.name, f.default, f.doc) for f in Plugin.option_fields()] == [
        ("allowed", [], "Allowed images."),
        ("strict", False, ""),
    ]
    assert rule_options(Plugin, {"allowed": ["a"], "strict": True}, "test") == {
        "allowed": ["a"],
        "strict": True,
    }
    assert options_table(Plugin) == [
        ("allowed", "list[str]", "[]", "Allowed images."),
        ("strict", "bool", "false", ""),
    ]
    assert _stable(Options(["a"]))[1] == {"allowed": ["a"], "strict": False}


def test_an_option_needs_a_type_and_read_only_classes_refuse_del() -> None:
    from dockerlens.lint import RuleOptions, option
    from dockerlens.lint.findings import Finding
    from dockerlens.lint.rule import Severity

    with pytest.raises(TypeError, match="option 'allowed' has no type"):

        class Options(RuleOptions):
            allowed = option([], doc="Untyped.")

    finding = Finding("Dockerfile", 1, 1, 1, 2, "DL3000", "x", Severity.INFO, "m", "u")
    with pytest.raises(AttributeError):
        del finding.path  # type: ignore[misc]


def test_a_subclass_with_a_default_schema_is_not_inert() -> None:
    from dockerlens.rules.dl3049_missing_label import MissingLabel

    from dockerlens.lint import option
    from dockerlens.lint.labels import SchemaOptions
    from dockerlens.lint.rule import RuleSpec

    class HouseOptions(SchemaOptions):
        label_schema: dict[str, str] = option({"org.opencontainers.image.source": "url"})

    class HouseLabels(MissingLabel):
        code = "ACME049"
        Options = HouseOptions

    assert RuleSpec.of(MissingLabel).inert_unless == ("label_schema",)
    assert RuleSpec.of(HouseLabels).inert_unless == ()
