"""The built-in rules' generated index, and the engine importing only the rules a file needs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dockerlens.lint.registry import builtin_specs, load_registry
from dockerlens.lint.rule import RuleSpec
from dockerlens.lint.ruleindex import DEFAULT_PATH, builtin_specs_from_classes, render
from tests.conftest import ROOT


def test_the_committed_index_is_what_the_rule_classes_declare() -> None:
    assert DEFAULT_PATH == ROOT / "rules" / "_index.py"
    expected = render(builtin_specs_from_classes())
    assert DEFAULT_PATH.read_text(encoding="utf-8") == expected, (
        "rules/_index.py drifted from the rule classes; run: python -m dockerlens.lint.ruleindex"
    )
    assert builtin_specs() == builtin_specs_from_classes()


def test_a_spec_loads_its_class() -> None:
    for spec in builtin_specs():
        rule = spec.load()
        assert (rule.code, rule.__module__) == (spec.code, spec.module)
        assert RuleSpec.of(rule) == spec


@pytest.mark.parametrize(
    ("keywords", "mentioned", "needed"),
    [
        ({"FROM"}, frozenset(), False),
        ({"RUN"}, frozenset(), False),  # a RUN that mentions no `cd`
        ({"RUN"}, frozenset({"cd"}), True),
        ({"RUN"}, None, True),  # mentions not looked at: needed
        ({"ONBUILD RUN"}, frozenset({"cd"}), False),  # DL3003 does not visit ONBUILD
    ],
)
def test_needed_by(keywords: set[str], mentioned: frozenset[str] | None, needed: bool) -> None:
    spec = load_registry().spec("DL3003")
    assert spec is not None and spec.on == {"RUN"} and not spec.onbuild
    assert spec.needed_by(frozenset(keywords), mentioned) is needed


def test_needed_by_onbuild_and_file_wide_rules() -> None:
    registry = load_registry()
    dl3062 = registry.spec("DL3062")  # go install: visits ONBUILD RUN too
    assert dl3062 is not None and dl3062.onbuild
    assert dl3062.needed_by(frozenset({"ONBUILD RUN"}), frozenset({"go"}))
    assert not dl3062.needed_by(frozenset({"ONBUILD RUN"}), frozenset({"npm"}))
    dl3061 = registry.spec("DL3061")  # decides at the end of the file: always needed
    assert dl3061 is not None and not dl3061.on
    assert dl3061.needed_by(frozenset(), frozenset())


PROBE = """
import json, sys
from dockerlens.lint.config import settings_from_layers
from dockerlens.lint.engine import lint_text
from dockerlens.lint.registry import load_registry
from pathlib import Path
from dockerlens.lint.config import read_hadolint
registry = load_registry()
layers = [read_hadolint(Path(sys.argv[1]), registry)] if len(sys.argv) > 1 else []
settings = settings_from_layers(registry, layers).settings
findings = lint_text(sys.stdin.read(), "-", settings)
loaded = sorted(m.rsplit(".", 1)[1].split("_")[0].upper() for m in sys.modules
                if m.startswith("dockerlens.rules.") and m != "dockerlens.rules._index")
print(json.dumps({"codes": sorted({f.code for f in findings}), "loaded": loaded}))
"""


def _probe(text: str, config: Path | None = None) -> dict[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *([str(config)] if config else [])],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, list[str]] = json.loads(done.stdout)
    return result


def test_a_file_imports_only_the_rules_it_needs() -> None:
    scratch = _probe("FROM scratch\nCOPY app /app\n")
    assert "DL3008" not in scratch["loaded"] and "DL3059" not in scratch["loaded"]
    assert "DL3061" in scratch["loaded"]  # file-wide rules always run
    assert "BK009" in scratch["loaded"]  # a COPY
    apt = _probe("FROM debian:12\nRUN apt-get update && apt-get install -y curl\n")
    assert {"DL3008", "DL3009", "DL3015"} <= set(apt["codes"])
    assert {"DL3008", "DL3009", "DL3015"} <= set(apt["loaded"])
    assert "DL3018" not in apt["loaded"]  # apk add: not mentioned
    assert len(apt["loaded"]) < len(builtin_specs())


def test_skipping_the_rules_a_file_does_not_need_changes_no_finding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On every documented example and data case of every rule: the same findings as when
    every rule runs on every file."""
    from dockerlens.lint.config import settings_from_layers
    from dockerlens.lint.docs import read_doc
    from dockerlens.lint.engine import lint_text
    from dockerlens.lint.testing import load_cases
    from tests.conftest import FIXTURES

    registry = load_registry()
    texts = []
    for rule in registry.classes():
        doc = read_doc(rule)
        texts += [*doc.examples, *doc.counter_examples]
    for path in sorted((FIXTURES / "rules").glob("*.yaml")):
        texts += [case.text for case in load_cases(path)]
    assert len(texts) > 500
    settings = settings_from_layers(registry, []).settings

    def findings() -> list[list[tuple[str, int, str]]]:
        return [
            sorted((f.code, f.line, f.message) for f in lint_text(t, "-", settings)) for t in texts
        ]

    lazy = findings()
    monkeypatch.setattr(RuleSpec, "needed_by", lambda *_: True)
    assert findings() == lazy
    assert sum(map(len, lazy)) > 500
    inert = [e.rule.code for e in settings.rules if e.rule.inert_unless]
    assert len(inert) >= 10
    settings = settings.replace(
        rules=tuple(e._replace(rule=e.rule._replace(inert_unless=())) for e in settings.rules),
    )
    assert findings() == lazy  # the rules the engine leaves out as inert run, and find nothing


def test_inert_rules_are_left_out_until_their_option_is_set(tmp_path: Path) -> None:
    for spec in builtin_specs():
        defaults = spec.load().Options()
        for name in spec.inert_unless:
            assert not getattr(defaults, name), f"{spec.code}: {name} defaults to a value"
    text = 'FROM debian:12\nLABEL org.opencontainers.image.source="github.com/x/y"\n'
    plain = _probe(text)
    assert "DL3048" in plain["loaded"]  # the label rules that need no schema
    assert not {"DL3049", "DL3052", "DL3026"} & set(plain["loaded"])
    config = tmp_path / ".hadolint.yaml"
    config.write_text("label-schema:\n  org.opencontainers.image.source: url\n", encoding="utf-8")
    configured = _probe(text, config)
    assert {"DL3049", "DL3052"} <= set(configured["loaded"])
    assert "DL3052" in configured["codes"]
