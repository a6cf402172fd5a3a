"""A rule's documentation: read from its docstring, rendered for ``dockerlens rules`` and docs/.

The docstring has a one-line summary, then fixed sections in this order::

    ## What it does
    ## Why is this bad?
    ## Example          (one or more ```dockerfile blocks, each must raise the rule)
    ## Use instead      (one or more ```dockerfile blocks, none may raise it)

An ``Example`` block states the lines the rule fires on after the language, one number per
finding in order (a fence opening with ``dockerfile lines=2,4``); the rendered pages leave it
out.

and optionally more sections after them (``## Differences from hadolint``, ``## References``...).
A rule that offers fixes says when, and whether each is safe (``lint --fix``) or unsafe (only
with ``--unsafe-fixes``), in a ``## Fix safety`` section, as ruff's rules do.
The options table is generated from the rule's ``Options`` dataclass, never written by hand.
"""

from __future__ import annotations

import inspect
import re
import typing
from dataclasses import dataclass
from typing import Any

from dockerlens.lint.findings import UNHIDEABLE_CODES, EngineCode
from dockerlens.lint.rule import Rule, option_key

FIX_SECTION = "Fix safety"
REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")
_FENCE = re.compile(
    r"^```dockerfile(?P<info>[^\n]*)\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL
)
_FENCE_OPENING = re.compile(r"^(```dockerfile)[^\n]*$", re.MULTILINE)
_LINES = re.compile(r"lines=(\d+(?:,\d+)*)")


class DocError(ValueError):
    pass


@dataclass(frozen=True)
class RuleDoc:
    summary: str
    sections: tuple[tuple[str, str], ...]

    def section(self, title: str) -> str:
        return next((body for name, body in self.sections if name == title), "")

    @property
    def fixable(self) -> bool:
        """The rule documents fixes (a ``Fix safety`` section)."""
        return any(name == FIX_SECTION for name, _ in self.sections)

    @property
    def examples(self) -> list[str]:
        return [block.group("body") for block in _blocks(self, "Example")]

    @property
    def example_lines(self) -> list[list[int] | None]:
        """The lines each ``Example`` block says the rule fires on (None: it does not say)."""
        return [_stated_lines(block.group("info")) for block in _blocks(self, "Example")]

    @property
    def counter_examples(self) -> list[str]:
        return [block.group("body") for block in _blocks(self, "Use instead")]

    @property
    def counter_example_lines(self) -> list[list[int] | None]:
        return [_stated_lines(block.group("info")) for block in _blocks(self, "Use instead")]


def _blocks(doc: RuleDoc, title: str) -> list[re.Match[str]]:
    return list(_FENCE.finditer(doc.section(title)))


def _stated_lines(info: str) -> list[int] | None:
    """``lines=2,4`` after the fence's language; DocError for anything else written there."""
    info = info.strip()
    if not info:
        return None
    match = _LINES.fullmatch(info)
    if match is None:
        raise DocError(f"```dockerfile {info}: only `lines=N[,N...]` may follow the language")
    return [int(number) for number in match.group(1).split(",")]


def read_doc(rule: type[Rule]) -> RuleDoc:
    """The docstring's summary and sections; DocError when the fixed sections are wrong."""
    text = inspect.cleandoc(rule.__doc__ or "")
    head, *rest = re.split(r"^## ", text, flags=re.MULTILINE)
    summary = " ".join(head.split())
    if not summary:
        raise DocError(f"{rule.code}: the docstring has no summary line")
    sections = []
    for chunk in rest:
        title, _, body = chunk.partition("\n")
        sections.append((title.strip(), body.strip("\n")))
    titles = [title for title, _ in sections]
    if tuple(titles[: len(REQUIRED_SECTIONS)]) != REQUIRED_SECTIONS:
        raise DocError(
            f"{rule.code}: sections must start with {', '.join(REQUIRED_SECTIONS)}; "
            f"found {', '.join(titles) or 'none'}"
        )
    doc = RuleDoc(summary, tuple(sections))
    if not doc.examples or not doc.counter_examples:
        raise DocError(f"{rule.code}: Example and Use instead need a ```dockerfile block each")
    for block in (*_blocks(doc, "Example"), *_blocks(doc, "Use instead")):
        try:
            _stated_lines(block.group("info"))
        except DocError as err:
            raise DocError(f"{rule.code}: {err}") from None
    return doc


def options_table(rule: type[Rule]) -> list[tuple[str, str, str, str]]:
    """(key, type, default, description) for each option."""
    rows = []
    hints = typing.get_type_hints(rule.Options) if rule.option_fields() else {}
    for option in rule.option_fields():
        type_name = _type_name(hints.get(option.name, Any))
        rows.append((option_key(option.name), type_name, _toml(option.default), option.doc))
    return rows


def _type_name(tp: object) -> str:
    origin = typing.get_origin(tp)
    if origin is None:
        return getattr(tp, "__name__", str(tp))
    args = ", ".join(_type_name(a) for a in typing.get_args(tp) if a is not Ellipsis)
    return f"{getattr(origin, '__name__', str(origin))}[{args}]"


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    return str(value)


def render_markdown(rule: type[Rule]) -> str:
    doc = read_doc(rule)
    lines = [f"# {rule.code}: {rule.name}", "", doc.summary, ""]
    lines += [
        "| Severity | Category | Enabled by default | Fix | Also answers to |",
        "|---|---|---|---|---|",
        f"| {rule.severity.value} | {rule.category.value} | "
        f"{'yes' if rule.default_enabled else 'no'} | {_fix_cell(doc)} | "
        f"{', '.join(f'`{a}`' for a in _aliases(rule)) or '-'} |",
        "",
    ]
    for title, body in doc.sections:
        lines += [f"## {title}", "", _FENCE_OPENING.sub(r"\1", body), ""]
    rows = options_table(rule)
    if rows:
        lines += ["## Options", "", "| Option | Type | Default | Meaning |", "|---|---|---|---|"]
        lines += [f"| `{k}` | `{t}` | `{d}` | {m} |" for k, t, d, m in rows]
        lines += [
            "",
            "Set in `[tool.dockerlens.rules." + rule.code + "]` (pyproject.toml) or "
            "`[rules." + rule.code + "]` (.dockerlens.toml).",
            "",
        ]
    lines += [
        "---",
        "",
        f"Generated from the docstring of `{rule.__module__}.{rule.__qualname__}`; edit it there.",
        "",
    ]
    return "\n".join(lines)


def render_engine_markdown(code: EngineCode) -> str:
    """The page of a code the engine reports itself (parse errors, unused pragmas...)."""
    lines = [f"# {code.code}: {code.name}", "", code.summary, ""]
    reporter = (
        "the engine (not a rule)" if code.command == "lint" else f"`dockerlens {code.command}`"
    )
    lines += [
        "| Severity | Reported by |",
        "|---|---|",
        f"| {code.severity.value} | {reporter} |",
        "",
    ]
    if code.detail:
        lines += [code.detail, ""]
    if code.code in UNHIDEABLE_CODES:
        lines += [
            f"Unlike a rule, it is always on at this severity: `{code.code}` and `{code.name}` in "
            "a selection, an ignore list, a severity table or a pragma change nothing.",
            "",
        ]
    elif code.command == "lint":
        lines += [
            f"Like a rule, it may be selected, ignored or given another severity as "
            f"`{code.code}` or `{code.name}`.",
            "",
        ]
    lines += [
        "---",
        "",
        f"Generated from `{code.__class__.__module__}`; edit it there.",
        "",
    ]
    return "\n".join(lines)


def _aliases(rule: type[Rule]) -> list[str]:
    return [i for i in rule.identifiers() if i not in (rule.code, rule.name)]


def _fix_cell(doc: RuleDoc, page: str = "") -> str:
    return f"[yes]({page}#fix-safety)" if doc.fixable else "-"


def render_index(rules: list[type[Rule]], engine_codes: tuple[EngineCode, ...]) -> str:
    lines = [
        "# Rules",
        "",
        "Generated by `python -m dockerlens.lint.docgen`; each page comes from its rule's "
        "docstring.",
        "",
        "A rule marked in the Fix column offers fixes (`dockerlens lint --fix`); its page says "
        "when, and which are unsafe (applied only with `--unsafe-fixes`).",
        "",
        "| Code | Name | Severity | Category | Fix | Summary |",
        "|---|---|---|---|---|---|",
    ]
    for rule in rules:
        doc = read_doc(rule)
        summary = doc.summary.replace("|", "\\|")
        lines.append(
            f"| [{rule.code}]({rule.code}.md) | {rule.name} | {rule.severity.value} | "
            f"{rule.category.value} | {_fix_cell(doc, f'{rule.code}.md')} | {summary} |"
        )
    lines += ["", "Reported by the engine itself:", "", "| Code | Name | Severity | Meaning |"]
    lines += ["|---|---|---|---|"]
    lines += [
        f"| [{e.code}]({e.code}.md) | {e.name} | {e.severity.value} | {e.summary} |"
        for e in engine_codes
    ]
    return "\n".join(lines) + "\n"
