"""Pair each Dockerfile of a corpus with a history written the way BuildKit writes it.

Usage::

    python bench/lens_corpus.py CORPUS_DIR

For every file that parses, a history is written from the target stage (the last) and its FROM
chain: a base-image layer unless the chain starts FROM scratch, ``RUN <shell> <command> #
buildkit`` for each RUN (exec form joined, heredoc bodies as BuildKit runs them), ``COPY|ADD
<sources> <destination> # buildkit`` for each COPY/ADD (expanded), an ``empty_layer`` entry for
every other instruction. Each is then aligned with its file by
:func:`dockerlens.image.attribution.attribute`, and the script counts the files, the layers,
the layers left unattributed and the layers paired with another line than the one that made them
(which must stay 0). It checks the matcher against real syntax (continuations, heredocs, JSON
forms, variables, escape directives), not against real builders: the tests build real images.
"""

from __future__ import annotations

import collections
import sys
import time
from pathlib import Path
from typing import Any

from dockerlens.image.attribution import attribute, stage_chain
from dockerlens.model import Dockerfile, build_model
from dockerlens.syntax.parser import parse


def buildkit_history(dockerfile: Dockerfile) -> tuple[list[dict[str, Any]], list[int | None]]:
    """The history BuildKit would write, and the line of each layer (None: the base image)."""
    chain = stage_chain(dockerfile, None)
    history: list[dict[str, Any]] = []
    lines: list[int | None] = []
    if not chain[0].is_scratch:
        history.append({"created_by": "/bin/sh -c #(nop) ADD file:0123456789abcdef in / "})
        lines.append(None)
    for stage in chain:
        for index in stage.steps[1:]:
            step = dockerfile.steps[index]
            instruction = step.instruction
            keyword = instruction.keyword
            if keyword == "RUN":
                if instruction.json:
                    command = " ".join(instruction.value)
                else:
                    script = instruction.value[0] if instruction.value else ""
                    docs = instruction.heredocs
                    if docs and len(script.split()) == 1 and script.strip().startswith("<<"):
                        script = docs[0].content
                    elif docs:
                        script += "".join("\n" + doc.content + doc.name for doc in docs)
                    command = " ".join(step.shell) + " " + script
                history.append({"created_by": f"RUN {command} # buildkit"})
                lines.append(instruction.start_line)
            elif keyword in ("COPY", "ADD"):
                words = " ".join(step.expanded or instruction.value)
                history.append({"created_by": f"{keyword} {words} # buildkit"})
                lines.append(instruction.start_line)
            else:
                text = " ".join(instruction.value)
                history.append({"created_by": f"{keyword} {text}", "empty_layer": True})
    return history, lines


def main() -> None:
    counts: collections.Counter[str] = collections.Counter()
    spent = 0.0
    for path in sorted(Path(sys.argv[1]).rglob("*")):
        if not path.is_file():
            continue
        result = parse(path.read_text(encoding="utf-8", errors="replace"))
        if result.error is not None:
            counts["files that do not parse"] += 1
            continue
        dockerfile = build_model(result, str(path))
        if not dockerfile.stages:
            counts["files without FROM"] += 1
            continue
        history, lines = buildkit_history(dockerfile)
        start = time.perf_counter()
        attribution = attribute(history, len(lines), dockerfile)
        spent += time.perf_counter() - start
        counts["files"] += 1
        if not attribution.matched:
            counts["files not matched"] += 1
            print(f"not matched: {path}")
            continue
        for layer, line in zip(attribution.layers, lines, strict=True):
            counts["layers"] += 1
            if layer.source is None:
                counts["layers unattributed"] += 1
            elif (None if layer.source.from_base else layer.source.line) != line:
                counts["layers WRONG"] += 1
                print(f"wrong: {path}: line {layer.source.line}, made by {line}")
    for key, value in counts.items():
        print(f"{key}: {value}")
    print(f"matching time: {spent * 1000:.0f} ms in all")


if __name__ == "__main__":
    main()
