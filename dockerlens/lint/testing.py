"""Testing rules, for dockerlens's own suite and for rule-pack authors.

* :func:`check_examples` runs a rule's docstring examples: every ``Example`` block must raise the
  rule, no ``Use instead`` block may, and when the rule offers fixes, fixing each ``Example`` must
  give the ``Use instead`` block at the same position.
* :func:`load_cases` reads extra cases kept as data (``fixtures/rules/<CODE>.yaml``)::

      rule: DL3008
      cases:
        - name: pinned with a target release
          pass: |
            FROM debian:12
            RUN apt-get install -y -t bookworm curl=7.88.1
        - name: unpinned in an ONBUILD
          fail: |
            FROM debian:12
            ONBUILD RUN apt-get install -y curl
          lines: [2]            # the lines its findings are on, in order
          options: {}           # optional: this rule's options, as in the config
          fix: |                # optional: the text once fixes are applied
            ...
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockerlens.lint.config import _Reader
from dockerlens.lint.docs import read_doc
from dockerlens.lint.engine import EnabledRule, LintSettings, lint_text
from dockerlens.lint.findings import PARSE_ERROR, RULE_CRASHED, Finding
from dockerlens.lint.fix import fix_text
from dockerlens.lint.registry import Registry, load_registry
from dockerlens.lint.rule import Rule


def lint_with(
    rule: type[Rule], text: str, options: dict[str, Any] | None = None, path: str | None = None
) -> list[Finding]:
    """Findings of ``rule`` alone on ``text`` (parse errors and crashes included).

    Without ``path`` the file sits alone in an empty build context, so rules that read the
    context (``.dockerignore``...) give the same answer wherever the tests run.
    """
    values = rule_options(rule, options or {}, "options")
    enabled = EnabledRule.of(rule, rule.Options(**values))
    engine = {c.code: c.severity for c in (PARSE_ERROR, RULE_CRASHED)}
    return lint_text(text, path or _empty_context(), LintSettings((enabled,), engine))


@functools.cache
def _empty_context() -> str:
    folder = tempfile.mkdtemp(prefix="dockerlens-example-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return os.path.join(folder, "Dockerfile")


def rule_options(rule: type[Rule], table: dict[str, Any], origin: str) -> dict[str, Any]:
    registry = Registry()
    return _Reader(origin, registry).options("options", rule, table)


def check_examples(rule: type[Rule]) -> None:
    doc = read_doc(rule)
    options = dict(getattr(rule, "example_options", {}) or {})
    fixed_examples = []
    for number, (example, lines) in enumerate(
        zip(doc.examples, doc.example_lines, strict=True), start=1
    ):
        findings = lint_with(rule, example, options)
        _no_engine_errors(rule, findings, f"Example {number}")
        raised = [f for f in findings if f.code == rule.code]
        if not raised:
            raise AssertionError(f"{rule.code}: Example {number} does not raise it:\n{example}")
        if lines is None:
            raise AssertionError(
                f"{rule.code}: Example {number} does not say the lines it fires on: open its "
                f"block with ```dockerfile lines={','.join(str(f.line) for f in raised)}"
            )
        if [f.line for f in raised] != lines:
            raise AssertionError(
                f"{rule.code}: Example {number} should fire on lines {lines}, "
                f"fires on {[f.line for f in raised]}"
            )
        if any(f.fix for f in raised):
            fixed_examples.append((number, example, raised))
    for number, (counter, lines) in enumerate(
        zip(doc.counter_examples, doc.counter_example_lines, strict=True), start=1
    ):
        if lines is not None:
            raise AssertionError(f"{rule.code}: Use instead {number} states lines {lines}")
        findings = lint_with(rule, counter, options)
        _no_engine_errors(rule, findings, f"Use instead {number}")
        raised = [f for f in findings if f.code == rule.code]
        if raised:
            raise AssertionError(
                f"{rule.code}: Use instead {number} raises it at line {raised[0].line}: "
                f"{raised[0].message}\n{counter}"
            )
    # Extra Use-instead blocks are other good forms; an Example without its fixed form would
    # leave its fix unchecked.
    if fixed_examples and len(doc.counter_examples) < len(doc.examples):
        raise AssertionError(
            f"{rule.code}: the rule fixes, so each of its {len(doc.examples)} Example blocks "
            f"needs the Use instead block its fix gives, at the same position; there are "
            f"{len(doc.counter_examples)}"
        )
    for number, example, raised in fixed_examples:
        fixed = fixed_text(rule, example, options, raised)
        counter = doc.counter_examples[number - 1]
        if fixed != counter:
            raise AssertionError(
                f"{rule.code}: fixing Example {number} gives\n{fixed}\nnot\n{counter}"
            )


def fixed_text(
    rule: type[Rule], text: str, options: dict[str, Any], findings: list[Finding]
) -> str:
    """``text`` once every fix of ``rule`` (safe or not) is applied, as ``lint --unsafe-fixes
    --fix`` applies them: pass after pass until nothing changes."""

    def lint(current: str) -> list[Finding]:
        return [f for f in lint_with(rule, current, options) if f.code == rule.code]

    return fix_text(text, lint, unsafe=True, findings=findings).text


def _no_engine_errors(rule: type[Rule], findings: list[Finding], where: str) -> None:
    for finding in findings:
        if finding.code in (PARSE_ERROR.code, RULE_CRASHED.code):
            raise AssertionError(f"{rule.code}: {where}: {finding.code} {finding.message}")


@dataclass
class Case:
    rule: str
    name: str
    text: str
    should_fail: bool
    lines: list[int] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    fix: str | None = None
    source: str = ""


def load_cases(path: Path) -> list[Case]:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "rule" not in data or "cases" not in data:
        raise ValueError(f"{path}: needs `rule:` and `cases:`")
    unknown = set(data) - {"rule", "cases"}
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)}")
    cases = []
    for index, raw in enumerate(data["cases"]):
        where = f"{path}: cases[{index}]"
        extra = set(raw) - {"name", "pass", "fail", "lines", "options", "fix"}
        if extra:
            raise ValueError(f"{where}: unknown keys {sorted(extra)}")
        if ("pass" in raw) == ("fail" in raw):
            raise ValueError(f"{where}: needs exactly one of pass/fail")
        if ("lines" in raw) != ("fail" in raw):
            raise ValueError(
                f"{where}: a fail case states the lines it fires on (`lines: [2]`), "
                "a pass case states none"
            )
        cases.append(
            Case(
                rule=str(data["rule"]),
                name=str(raw.get("name", index)),
                text=raw.get("fail", raw.get("pass")),
                should_fail="fail" in raw,
                lines=raw.get("lines"),
                options=raw.get("options") or {},
                fix=raw.get("fix"),
                source=where,
            )
        )
    return cases


def run_case(case: Case, registry: Registry | None = None) -> None:
    registry = registry or load_registry()
    rule = registry.resolve(case.rule)
    if rule is None:
        raise AssertionError(f"{case.source}: unknown rule {case.rule}")
    findings = lint_with(rule, case.text, case.options)
    _no_engine_errors(rule, findings, case.source)
    raised = [f for f in findings if f.code == rule.code]
    label = f"{case.source} ({case.name})"
    if case.should_fail and not raised:
        raise AssertionError(f"{label}: expected {rule.code}, got nothing")
    if not case.should_fail and raised:
        found = ", ".join(f"line {f.line}: {f.message}" for f in raised)
        raise AssertionError(f"{label}: expected no {rule.code}, got {found}")
    if case.lines is not None and [f.line for f in raised] != case.lines:
        raise AssertionError(
            f"{label}: expected lines {case.lines}, got {[f.line for f in raised]}"
        )
    if case.fix is not None:
        fixed = fixed_text(rule, case.text, case.options, raised)
        if fixed != case.fix:
            raise AssertionError(f"{label}: fixed text is\n{fixed}")
