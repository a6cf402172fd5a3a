"""``dockerlens rules``: what each rule checks, from the same docstrings the tests run."""

from __future__ import annotations

import json
from pathlib import Path

from dockerlens import arguments
from dockerlens.console import echo
from dockerlens.errors import UserError
from dockerlens.lint.config import registry_for
from dockerlens.lint.docs import DocError, read_doc, render_engine_markdown, render_markdown
from dockerlens.lint.findings import ENGINE_CODES
from dockerlens.lint.registry import Registry
from dockerlens.lint.rule import Rule
from dockerlens.project_config import find_config


@arguments.command("rules")
@arguments.argument("codes", nargs=-1, metavar="[RULE]...")
@arguments.option(
    "--format",
    "output_format",
    type=arguments.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text: a table (or one rule's page); json: the rules' metadata; markdown: the pages.",
)
def rules(codes: tuple[str, ...], output_format: str) -> None:
    """List the rules, or explain the RULEs named (by code, name or BuildKit name).

    Rules from installed plugins and from the project's plugin-paths are included.
    """
    registry = registry_for(find_config(Path.cwd()))
    chosen = registry.classes()
    if codes:
        chosen = []
        engine_pages = []
        for code in codes:
            rule = registry.resolve(code)
            engine = registry.engine_code(code) if rule is None else None
            if engine is not None:
                engine_pages.append(render_engine_markdown(engine))
                continue
            if rule is None:
                raise UserError(f"unknown rule {code!r} (dockerlens rules lists them)")
            chosen.append(rule)
        if engine_pages and output_format != "json":
            # The engine's own codes (DL1000, DK100, DK999) have a page, not rule metadata.
            pages = [*engine_pages, *(_page(rule, registry) for rule in chosen)]
            echo("\n".join(pages), nl=False)
            return
    if output_format == "json":
        echo(
            json.dumps(
                [
                    {
                        "code": r.code,
                        "name": r.name,
                        "severity": r.severity.value,
                        "category": r.category.value,
                        "enabled_by_default": r.default_enabled,
                        "aliases": [i for i in r.identifiers() if i not in (r.code, r.name)],
                        "summary": _summary(r),
                        "origin": registry.origins[r.code],
                        "fixable": _fixable(r),
                    }
                    for r in chosen
                ],
                indent=2,
            )
        )
    elif output_format == "markdown" or codes:
        echo("\n".join(_page(rule, registry) for rule in chosen), nl=False)
    else:
        width = max([len(r.name) for r in chosen] + [len(e.name) for e in ENGINE_CODES])
        for rule in chosen:
            flag = " " if rule.default_enabled else "*"
            echo(
                f"{rule.code:<7} {rule.name:<{width}} {rule.severity.value:<7}{flag} "
                f"{_summary(rule)}"
            )
        for engine in ENGINE_CODES:
            echo(
                f"{engine.code:<7} {engine.name:<{width}} {engine.severity.value:<7}  "
                f"{engine.summary}"
            )
        echo("\n* off by default: enable with --extend-select or extend-select in config.")


def _summary(rule: type[Rule]) -> str:
    """The docstring's summary; a plugin's rule may not follow the docstring layout."""
    try:
        return read_doc(rule).summary
    except DocError:
        lines = [line.strip() for line in (rule.__doc__ or "").splitlines() if line.strip()]
        return lines[0] if lines else ""


def _fixable(rule: type[Rule]) -> bool:
    """The rule documents fixes (``lint --fix``) in a ``Fix safety`` section."""
    try:
        return read_doc(rule).fixable
    except DocError:
        return False


def _page(rule: type[Rule], registry: Registry) -> str:
    try:
        return render_markdown(rule)
    except DocError as err:
        raise UserError(f"{registry.origins[rule.code]}: no page for {rule.code}: {err}") from None
