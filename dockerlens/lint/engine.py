"""One pass over a Dockerfile: parse, build the model, run every enabled rule, filter.

The engine knows no rule and prints nothing: it takes the enabled rules (their specs, options
and severities) and returns findings. A rule's module is imported only when a file gives the
rule something to do (:meth:`RuleSpec.needed_by`), after ShellCheck has started on the file.
Pragmas and BuildKit's ``# check=skip=`` directive are applied here, once, for every rule.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from typing import Any, NamedTuple

from dockerlens.lint import pragmas as pragma_scan
from dockerlens.lint.context import LintContext
from dockerlens.lint.findings import (
    PARSE_ERROR,
    RULE_CRASHED,
    UNKNOWN_PRAGMA_CODE,
    UNREADABLE_FILE,
    UNUSED_PRAGMA,
    EngineCode,
    Finding,
    docs_url,
)
from dockerlens.lint.registry import REMOVED_HADOLINT_CODES, is_shellcheck_code
from dockerlens.lint.rule import Edit, Fix, Problem, Rule, RuleSpec, Severity
from dockerlens.model import Step, build_model
from dockerlens.semantics.invocations import mentionable_text
from dockerlens.syntax.parser import parse, source_lines

#: What BuildKit's dispatcher knows; its parser accepts any word, its build stops on others.
INSTRUCTIONS = frozenset(
    {
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
        "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME",
        "WORKDIR",
    }
)  # fmt: skip


#: Seconds one ShellCheck process may run before it is killed (``shellcheck-timeout``).
DEFAULT_SHELLCHECK_TIMEOUT = 120.0


class EnabledRule(NamedTuple):
    rule: RuleSpec
    #: An instance of the rule's ``Options``; None: its defaults (made when the rule is).
    options: Any
    severity: Severity

    @classmethod
    def of(
        cls, rule: type[Rule], options: Any = None, severity: Severity | None = None
    ) -> EnabledRule:
        """A rule class enabled as it is (a test's, or a plugin's made in code)."""
        return cls(RuleSpec.of(rule), options, severity or rule.severity)


class LintSettings:
    """What a file is linted with: the rules on and how the engine reports. Read-only, and
    compared and hashed by identity: built once per configuration. A plain class: a dataclass
    costs about a millisecond to make, at every start."""

    #: The settings' names, in the order they are passed without names.
    FIELDS = (
        "rules",
        "engine_codes",
        "honour_pragmas",
        "build_args",
        "ignored_external",
        "selected_external",
        "external_severity",
        "shellcheck",
        "shellcheck_timeout",
        "experimental",
        "known_codes",
    )
    __slots__ = FIELDS

    rules: tuple[EnabledRule, ...]
    #: Engine codes (parse error, unused pragma...) that are on, with their severity.
    engine_codes: dict[str, Severity]
    honour_pragmas: bool
    build_args: dict[str, str]
    #: Codes of checks outside the rule pass (ShellCheck's SCxxxx) that are ignored, and
    #: severity overrides for them.
    ignored_external: frozenset[str]
    #: When a selection replaced the defaults: the SC codes or prefixes it names (None: all).
    selected_external: frozenset[str] | None
    external_severity: dict[str, Severity]
    #: Run ShellCheck over RUN scripts (when it is installed).
    shellcheck: bool
    #: Seconds a ShellCheck process may run; the RUNs of one that runs longer get DK901.
    shellcheck_timeout: float
    #: Off-by-default BuildKit checks a file may switch on with ``# check=experimental=``.
    experimental: tuple[EnabledRule, ...]
    #: Every code and name (lower case) a pragma may name: the installed rules' and the
    #: engine's. Empty: pragmas' codes are not judged.
    known_codes: frozenset[str]

    def __init__(
        self,
        rules: tuple[EnabledRule, ...],
        engine_codes: dict[str, Severity] | None = None,
        honour_pragmas: bool = True,
        build_args: dict[str, str] | None = None,
        ignored_external: frozenset[str] = frozenset(),
        selected_external: frozenset[str] | None = None,
        external_severity: dict[str, Severity] | None = None,
        shellcheck: bool = True,
        shellcheck_timeout: float = DEFAULT_SHELLCHECK_TIMEOUT,
        experimental: tuple[EnabledRule, ...] = (),
        known_codes: frozenset[str] = frozenset(),
    ) -> None:
        values = (
            rules,
            {} if engine_codes is None else engine_codes,
            honour_pragmas,
            {} if build_args is None else build_args,
            ignored_external,
            selected_external,
            {} if external_severity is None else external_severity,
            shellcheck,
            shellcheck_timeout,
            experimental,
            known_codes,
        )
        for name, value in zip(self.FIELDS, values, strict=True):
            object.__setattr__(self, name, value)

    def replace(self, **changes: Any) -> LintSettings:
        """A copy with ``changes``."""
        values = {name: getattr(self, name) for name in self.FIELDS}
        values.update(changes)
        return LintSettings(**values)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("LintSettings is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("LintSettings is read-only")

    def __reduce__(self) -> tuple[Any, ...]:
        return (LintSettings, tuple(getattr(self, name) for name in self.FIELDS))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.FIELDS)
        return f"LintSettings({shown})"


class FileResult:
    """One file's findings, with what a later pass (ShellCheck) needs to add its own."""

    # A plain class: a dataclass costs about a millisecond to make, at every start.
    def __init__(
        self,
        path: str,
        findings: list[Finding],
        settings: LintSettings,
        context: LintContext | None = None,
        pragmas: pragma_scan.Pragmas | None = None,
        lines: list[str] | None = None,
    ) -> None:
        self.path = path
        self.findings = findings
        self.settings = settings
        #: None when the file did not parse.
        self.context = context
        self.pragmas = pragmas
        #: The source lines, numbered as findings number them.
        self.lines: list[str] = lines if lines is not None else []


def unreadable_file(path: str, reason: str, line: int, settings: LintSettings) -> FileResult:
    """The result of a file that could not be read: its one finding says why."""
    finding = _engine_finding(settings, UNREADABLE_FILE, path, line or 1, reason)
    return FileResult(path, [finding] if finding else [], settings)


def lint_text(text: str, path: str, settings: LintSettings) -> list[Finding]:
    return lint_file(text, path, settings).findings


def lint_file(
    text: str,
    path: str,
    settings: LintSettings,
    on_context: Callable[[LintContext], None] | None = None,
) -> FileResult:
    """Lint one file. ``on_context`` sees the file's model before the rules run (ShellCheck
    starts on the scripts then, and works while the rules do)."""
    lines = source_lines(text)
    result = parse(text)
    if result.error is not None:
        error = result.error
        finding = _engine_finding(
            settings, PARSE_ERROR, path, error.line, error.message, error.end_line
        )
        return FileResult(path, [finding] if finding else [], settings, lines=lines)
    unknown = [
        _engine_finding(
            settings,
            PARSE_ERROR,
            path,
            instruction.start_line,
            f"unknown instruction: {word} (docker build stops here)",
            instruction.end_line,
        )
        for instruction in result.instructions
        for word in dict.fromkeys((instruction.keyword, instruction.effective_keyword))
        if word not in INSTRUCTIONS
    ]
    directive_lines = {d.line for d in result.directives.values()}
    found = pragma_scan.scan(lines, result.instructions, directive_lines)
    shells = [(pragma.line, pragma.shell) for pragma in found.shells]
    dockerfile = build_model(result, path, settings.build_args, shells)
    context = LintContext(dockerfile, lines, pragmas=found)
    if on_context is not None:
        on_context(context)

    raw: list[Finding] = []
    crashes: list[Finding] = []
    check = _check_directive(result.directives)
    wanted = check.experimental
    rules = settings.rules + tuple(
        e for e in settings.experimental if "all" in wanted or e.rule.buildkit_name in wanted
    )

    def crashed(enabled: EnabledRule, err: Exception, step: Step | None) -> None:
        line = step.line if step is not None else 1
        message = f"{enabled.rule.code} failed: {type(err).__name__}: {err}"
        crash = _engine_finding(settings, RULE_CRASHED, path, line, message)
        if crash:
            crashes.append(crash)

    # Each word looked for once per RUN, not once per rule.
    mention_words = frozenset().union(*(e.rule.run_mentions for e in rules))
    mentioned_in: dict[int, frozenset[str]] = {}
    for step in dockerfile.steps:
        if step.keyword == "RUN" and mention_words:
            run_text = mentionable_text(step)
            mentioned_in[step.index] = frozenset(w for w in mention_words if w in run_text)
    keywords = frozenset(
        f"ONBUILD {step.keyword}" if step.instruction.sub_cmd is not None else step.keyword
        for step in dockerfile.steps
    )
    mentioned = frozenset().union(*mentioned_in.values())

    instances: list[tuple[EnabledRule, Rule]] = []
    for enabled in rules:
        if not enabled.rule.needed_by(keywords, mentioned):
            continue
        if enabled.options is None and enabled.rule.inert_unless:
            continue  # its defaults leave it nothing to report
        try:
            instances.append((enabled, enabled.rule.load()(enabled.options)))
        except Exception as err:  # a plugin's module or constructor: the other rules still run
            crashed(enabled, err, None)
    by_keyword: dict[str, list[tuple[EnabledRule, Rule]]] = defaultdict(list)
    for enabled, instance in instances:
        for keyword in enabled.rule.on:
            by_keyword[keyword].append((enabled, instance))
    # Most rules only look at instructions: the base class's finish reports nothing.
    finishing = [(e, i) for e, i in instances if type(i).finish is not Rule.finish]

    # A rule bug must not hide the other rules' findings: each call is guarded on its own.
    for step in dockerfile.steps:
        onbuild = step.instruction.sub_cmd is not None
        for enabled, instance in by_keyword.get(step.keyword, ()):
            if onbuild and not enabled.rule.onbuild:
                continue
            mentions = enabled.rule.run_mentions
            if mentions and step.keyword == "RUN" and mentions.isdisjoint(mentioned_in[step.index]):
                continue
            try:
                # Made a finding at once: a bad problem (not a Problem, a line out of the
                # file) is the rule's crash, not the run's.
                for problem in instance.check(step, context):
                    raw.append(_to_finding(enabled, instance, problem, context))
            except Exception as err:
                crashed(enabled, err, step)
    for enabled, instance in finishing:
        try:
            for problem in instance.finish(context):
                raw.append(_to_finding(enabled, instance, problem, context))
        except Exception as err:
            crashed(enabled, err, None)

    findings = _skip_checks(raw, check, rules)
    if settings.honour_pragmas:
        unknown_codes = _unknown_codes(found.ignores, settings, path)
        findings = _suppress(findings, found.ignores, settings)
        findings += _unused(found.ignores, settings, path, lines)
        findings += unknown_codes
    findings += crashes
    findings += [f for f in unknown if f is not None]
    findings.sort(key=lambda f: f.sort_key)
    return FileResult(path, findings, settings, context, found, lines)


def add_external(result: FileResult, findings: list[Finding]) -> None:
    """Add findings from outside the rule pass (ShellCheck), filtered like rules' findings:
    ignore lists, severity overrides and pragmas."""
    settings = result.settings
    kept = []
    for finding in findings:
        code = finding.code.upper()
        if any(code.startswith(prefix) for prefix in settings.ignored_external):
            continue
        selected = settings.selected_external
        if selected is not None and not any(code.startswith(prefix) for prefix in selected):
            continue
        # The longest code or prefix named (`severity = { SC = "style", SC2086 = "error" }`).
        named = [p for p in settings.external_severity if code.startswith(p)]
        severity = settings.external_severity[max(named, key=len)] if named else None
        if severity is not None:
            finding = finding.replace(severity=severity)
        kept.append(finding)
    if settings.honour_pragmas and result.pragmas is not None:
        kept = _suppress(kept, result.pragmas.ignores, settings)
    result.findings = sorted(result.findings + kept, key=lambda f: f.sort_key)


def add_engine_finding(result: FileResult, code: EngineCode, step: Step, message: str) -> None:
    """Add an engine code's finding on ``step`` after the rule pass (when the code is on). As
    for a crashed rule, no pragma suppresses it: it says the file was not fully checked."""
    finding = _engine_finding(
        result.settings, code, result.path, step.line, message, step.instruction.end_line
    )
    if finding is not None:
        result.findings = sorted([*result.findings, finding], key=lambda f: f.sort_key)


def _to_finding(
    enabled: EnabledRule, instance: Rule, problem: Problem, context: LintContext
) -> Finding:
    if not isinstance(problem, Problem):
        raise TypeError(f"check/finish must yield Problem objects, not {type(problem).__name__}")
    rule = enabled.rule
    step = problem.step
    if step is not None:
        line, column = step.line, 1
        end_line = step.instruction.end_line
        end_column = len(context.lines[end_line - 1]) + 1 if end_line <= len(context.lines) else 1
        instruction_line = step.line
        at = problem.at
        where = at if isinstance(at, tuple) else context.locate(step, at) if at else None
        if where:
            line, column, end_line, end_column = where
    else:
        line = column = end_line = end_column = 1
        instruction_line = 0
    if problem.line is not None:
        if not 1 <= problem.line <= len(context.lines):
            raise ValueError(f"Problem.line {problem.line} is outside the file")
        line = end_line = problem.line
        column, end_column = 1, len(context.lines[line - 1]) + 1
    return Finding(
        path=context.path,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        code=rule.code,
        name=rule.name,
        severity=enabled.severity,
        message=problem.message or instance.message,
        url=rule.url or docs_url(rule.code),
        fix=problem.fix,
        instruction_line=instruction_line,
    )


def _engine_finding(
    settings: LintSettings,
    code: EngineCode,
    path: str,
    line: int,
    message: str,
    end_line: int | None = None,
) -> Finding | None:
    severity = settings.engine_codes.get(code.code)
    if severity is None:
        return None
    return Finding(
        path=path,
        line=line,
        column=1,
        end_line=end_line or line,
        end_column=1,
        code=code.code,
        name=code.name,
        severity=severity,
        message=message,
        url=docs_url(code.code),
        instruction_line=line,
    )


@functools.cache
def _identifiers(settings: LintSettings) -> dict[str, frozenset[str]]:
    """Every name a pragma may use for each rule, compared case-insensitively."""
    return {e.rule.code: frozenset(i.lower() for i in e.rule.identifiers()) for e in settings.rules}


def _suppress(
    findings: list[Finding], ignores: list[pragma_scan.IgnorePragma], settings: LintSettings
) -> list[Finding]:
    if not ignores:
        return findings
    identifiers = _identifiers(settings)
    kept = []
    for finding in findings:
        names = identifiers.get(
            finding.code, frozenset({finding.code.lower(), finding.name.lower()})
        )
        line = finding.instruction_line or finding.line
        suppressed = False
        for pragma in ignores:
            code = pragma.covers(line, names)
            if code is not None:
                pragma.used.add(code)
                suppressed = True
        if not suppressed:
            kept.append(finding)
    return kept


def _unknown_codes(
    ignores: list[pragma_scan.IgnorePragma], settings: LintSettings, path: str
) -> list[Finding]:
    """DK101 for each code a dockerlens or hadolint pragma names that no rule has; such a code
    counts as used, so DK100 does not report it a second time. A hadolint pragma with such a
    code is void, as hadolint's parser rejects the whole comment (``ignore=crazy,DL3002``
    suppresses nothing)."""
    known = settings.known_codes
    if not known:
        return []
    out = []
    for pragma in ignores:
        if pragma.source == "buildkit":
            continue  # BuildKit's check names, some of which dockerlens does not implement
        for code in pragma.codes:
            if (
                code.lower() in known
                or code.lower() == "shellcheck"
                or is_shellcheck_code(code)
                or (pragma.source == "hadolint" and code.upper() in REMOVED_HADOLINT_CODES)
            ):
                continue
            pragma.used.add(code)
            if pragma.source == "hadolint":
                pragma.void = True
            finding = _engine_finding(
                settings,
                UNKNOWN_PRAGMA_CODE,
                path,
                pragma.line,
                f"{pragma.source} pragma ignores {code}, which no rule has"
                + (": the whole pragma is void, as in hadolint" if pragma.void else ""),
            )
            if finding:
                out.append(finding)
    return out


def _unused(
    ignores: list[pragma_scan.IgnorePragma], settings: LintSettings, path: str, lines: list[str]
) -> list[Finding]:
    if not ignores:
        return []
    running = {i for names in _identifiers(settings).values() for i in names}
    out = []
    for pragma in ignores:
        if pragma.void:
            continue  # DK101 said why it suppresses nothing
        for code in pragma.codes:
            if code in pragma.used or code.upper().startswith("SC") or code.lower() == "shellcheck":
                continue  # ShellCheck's findings come after this: their pragmas are not judged
            why = (
                "which reports nothing here" if code.lower() in running else "which is not enabled"
            )
            finding = _engine_finding(
                settings,
                UNUSED_PRAGMA,
                path,
                pragma.line,
                f"{pragma.source} pragma ignores {code}, {why}",
            )
            if finding:
                fix = _drop_code(lines, pragma, code, running)
                out.append(finding if fix is None else finding.replace(fix=fix))
    return out


def _drop_code(
    lines: list[str], pragma: pragma_scan.IgnorePragma, code: str, running: set[str]
) -> Fix | None:
    """DK100's fix: the code taken out of the pragma, or the pragma line deleted when none of
    its codes is used. Safe when the rules named report nothing there; unsafe when one is not
    enabled (another configuration, or hadolint itself, may still need the pragma)."""
    text = lines[pragma.line - 1] if pragma.line <= len(lines) else ""
    span = pragma_scan.codes_span(text)
    if pragma.source == "buildkit" or span is None:
        return None
    used = [  # (ShellCheck's codes are not judged: taken as used)
        c
        for c in pragma.codes
        if c in pragma.used or c.upper().startswith("SC") or c.lower() == "shellcheck"
    ]
    if not used:
        safe = all(c.lower() in running for c in pragma.codes)
        edit = Edit(pragma.line, 1, pragma.line + 1, 1, "")
        return Fix("Delete the unused pragma", (edit,), safe=safe)
    start, end = span
    separator = ", " if ", " in text[start:end] else ","
    kept = separator.join(c for c in pragma.codes if c != code)
    edit = Edit(pragma.line, start + 1, pragma.line, end + 1, kept)
    return Fix(f"Remove {code} from the pragma", (edit,), safe=code.lower() in running)


class CheckDirective(NamedTuple):
    """BuildKit's ``# check=skip=A,B;error=true;experimental=C``."""

    skip: frozenset[str] = frozenset()
    error: bool = False
    experimental: frozenset[str] = frozenset()


def _check_directive(directives: Any) -> CheckDirective:
    value = next((d.value for d in directives.values() if d.name.lower() == "check"), None)
    if value is None:
        return CheckDirective()
    parts: dict[str, str] = {}
    for part in value.split(";"):
        key, _, setting = part.partition("=")
        parts[key.strip().lower()] = setting.strip()

    def names(key: str) -> frozenset[str]:
        return frozenset(n.strip() for n in parts.get(key, "").split(",") if n.strip())

    return CheckDirective(
        names("skip"), parts.get("error", "").lower() == "true", names("experimental")
    )


def _skip_checks(
    findings: list[Finding], check: CheckDirective, rules: tuple[EnabledRule, ...]
) -> list[Finding]:
    """Apply the check directive to the rules that answer to BuildKit check names. As in
    BuildKit, ``skip`` does not apply to checks switched on by ``experimental``."""
    if check == CheckDirective():
        return findings
    buildkit = {e.rule.code: e.rule.buildkit_name for e in rules if e.rule.buildkit_name}
    out = []
    for finding in findings:
        name = buildkit.get(finding.code)
        if name is None:
            out.append(finding)
            continue
        experimental = name in check.experimental or "all" in check.experimental
        if not experimental and ("all" in check.skip or name in check.skip):
            continue
        if check.error and finding.severity is not Severity.ERROR:
            finding = _replace_severity(finding, Severity.ERROR)
        out.append(finding)
    return out


def _replace_severity(finding: Finding, severity: Severity) -> Finding:
    return finding.replace(severity=severity)
