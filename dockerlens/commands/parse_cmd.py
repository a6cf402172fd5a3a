"""``dockerlens parse``: the instructions as BuildKit's parser reads them."""

from __future__ import annotations

import json

from dockerlens import arguments
from dockerlens.console import echo
from dockerlens.sources import read_source
from dockerlens.syntax.parser import Dialect, ParseResult
from dockerlens.syntax.parser import parse as parse_text


@arguments.command("parse")
@arguments.argument("paths", nargs=-1, required=True, metavar="PATH...")
@arguments.option(
    "--format",
    "output_format",
    type=arguments.Choice(["json", "text"]),
    default="text",
    show_default=True,
    help="json: one object per file with BuildKit's node fields; text: one line per instruction.",
)
@arguments.option(
    "--dialect",
    type=arguments.Choice([d.value for d in Dialect]),
    default=Dialect.CURRENT.value,
    show_default=True,
    help="BuildKit release to follow where releases differ (0.12 is what the `dockerfile` "
    "package on PyPI wraps).",
)
def parse(paths: tuple[str, ...], output_format: str, dialect: str) -> None:
    """Parse Dockerfiles and print their instructions.

    PATH is a Dockerfile, or - for standard input. A file BuildKit rejects is reported with
    its line and message (exit 1) and what could be read before the error is kept; a file
    that cannot be read at all (missing, a directory, binary, not UTF-8) stops with exit 2.

    \b
    JSON: [{"path", "instructions": [{"cmd", "sub_cmd", "json", "flags", "value",
            "start_line", "end_line", "heredocs": [{"name", "content"}], "original"}],
            "error": null | {"line", "message"}}]
    """
    sources = [read_source(path) for path in paths]
    results = [(s.path, parse_text(s.text, dialect=Dialect(dialect))) for s in sources]
    if output_format == "json":
        echo(json.dumps([_as_json(path, result) for path, result in results], indent=2))
    else:
        for path, result in results:
            for instruction in result.instructions:
                flags = " ".join(instruction.flags)
                keyword = instruction.cmd.upper()
                if instruction.sub_cmd:
                    keyword += " " + instruction.sub_cmd.upper()
                shown = json.dumps(list(instruction.value), ensure_ascii=False)
                form = "json" if instruction.json else "shell"
                extra = f" heredocs={len(instruction.heredocs)}" if instruction.heredocs else ""
                echo(
                    f"{path}:{instruction.start_line}-{instruction.end_line}: {keyword}"
                    f"{' ' + flags if flags else ''} {shown} ({form}){extra}"
                )
            if result.error is not None:
                echo(f"{path}:{result.error.line}: parse error: {result.error.message}")
    if any(result.error is not None for _, result in results):
        raise SystemExit(1)


def _as_json(path: str, result: ParseResult) -> dict[str, object]:
    return {
        "path": path,
        "instructions": [instruction.to_dict() for instruction in result.instructions],
        "error": result.error.to_dict() if result.error is not None else None,
        "escape": result.escape_token,
        "directives": {d.name: d.value for d in result.directives.values()},
    }
