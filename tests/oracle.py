"""Comparing dockerlens's parser with BuildKit's own (the `dockerfile` package)."""

from __future__ import annotations

from typing import Any

from dockerlens.syntax.parser import Dialect, parse

Outcome = dict[str, Any] | list[dict[str, Any]] | None


def oracle_outcome(dockerfile: Any, text: str) -> Outcome:
    """BuildKit's instructions, or {"error": message}; None when the binding itself fails."""
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as err:
        return {"error": str(err)}
    except UnicodeDecodeError:
        return None  # the binding cannot hand back a string Go split inside a character
    if "\0" in text:
        return None  # the binding passes strings to Python as C strings: cut at NUL
    return [
        {
            "cmd": c.cmd or "",  # the binding turns Go's empty string into None
            "sub_cmd": c.sub_cmd,
            "json": c.json,
            "flags": list(c.flags),
            "value": list(c.value),
            "start_line": c.start_line,
            "end_line": c.end_line,
            "original": c.original or "",
            "heredocs": [(h.name, h.content) for h in c.heredocs],
        }
        for c in commands
    ]


def our_outcome(text: str, dialect: Dialect = Dialect.V0_12) -> Outcome:
    result = parse(text, dialect=dialect)
    if result.error is not None:
        return {"error": result.error.message}
    out = []
    for i in result.instructions:
        d = i.to_dict()
        heredocs = [(h.name, h.content) for h in i.heredocs]
        original = i.original
        if i.sub_cmd is not None and i.heredocs:
            # The binding reads heredocs from ONBUILD's inner node, where BuildKit never puts
            # them: it reports none, and the instruction line alone as the original.
            heredocs, original = [], original.split("\n", 1)[0]
        out.append(
            {
                "cmd": d["cmd"],
                "sub_cmd": d["sub_cmd"],
                "json": d["json"],
                "flags": d["flags"],
                "value": d["value"],
                "start_line": d["start_line"],
                "end_line": d["end_line"],
                "original": original,
                "heredocs": heredocs,
            }
        )
    return out
