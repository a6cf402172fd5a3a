"""Write docs/rules/: ``python -m dockerlens.lint.docgen [DIR]``.

Only the built-in rules are written; a test fails when a committed page differs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dockerlens.lint.docs import render_engine_markdown, render_index, render_markdown
from dockerlens.lint.findings import ENGINE_CODES
from dockerlens.lint.registry import BUILTIN_ENTRY_POINT, load_registry


def builtin_pages() -> dict[str, str]:
    registry = load_registry()
    rules = [r.load() for r in registry if registry.origins[r.code] == BUILTIN_ENTRY_POINT]
    pages = {f"{rule.code}.md": render_markdown(rule) for rule in rules}
    # Findings of the engine's own codes link here too (findings.docs_url).
    pages.update({f"{code.code}.md": render_engine_markdown(code) for code in ENGINE_CODES})
    pages["README.md"] = render_index(rules, ENGINE_CODES)
    return pages


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "docs/rules")
    folder.mkdir(parents=True, exist_ok=True)
    pages = builtin_pages()
    for stale in folder.glob("*.md"):
        if stale.name not in pages:
            stale.unlink()
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(pages)} pages to {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
