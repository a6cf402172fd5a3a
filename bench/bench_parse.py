#!/usr/bin/env python3
"""Parse a corpus of real Dockerfiles with dockerlens and with BuildKit's parser, side by side.

Usage: python bench/bench_parse.py CORPUS_DIR [--repeat N]

CORPUS_DIR holds Dockerfiles at any depth (names: Dockerfile, Dockerfile.*, *.Dockerfile,
*.dockerfile, Containerfile). Build one with real files from public repositories (see
docs/parser.md); it is never committed. BuildKit's parser is the `dockerfile` package
(`pip install dockerfile`, x86-64 Linux and Windows wheels only).

Both parsers read the same in-memory texts; each is timed over the whole corpus, best of
--repeat runs. It also prints how many files the two parse differently (dialect 0.12, the
release the `dockerfile` package wraps).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import contextlib

from oracle import oracle_outcome, our_outcome

from dockerlens.syntax.parser import Dialect, parse


def is_dockerfile(path: Path) -> bool:
    name = path.name
    return path.is_file() and (
        name in ("Dockerfile", "Containerfile")
        or name.startswith("Dockerfile.")
        or name.endswith((".Dockerfile", ".dockerfile"))
    )


def best_of(repeat: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    texts = []
    for path in sorted(p for p in args.corpus.rglob("*") if is_dockerfile(p)):
        try:
            texts.append(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            continue
    if not texts:
        sys.exit(f"no Dockerfiles under {args.corpus}")
    total_bytes = sum(len(t.encode()) for t in texts)
    print(f"corpus: {len(texts)} files, {total_bytes / 1e6:.1f} MB")

    ours = best_of(args.repeat, lambda: [parse(t) for t in texts])
    print(f"dockerlens   {ours:7.3f} s  {len(texts) / ours:8.0f} files/s")
    try:
        import dockerfile
    except ImportError:
        print("BuildKit's parser (the `dockerfile` package) is not installed: no comparison")
        return

    def buildkit() -> None:
        for text in texts:
            with contextlib.suppress(dockerfile.GoParseError):
                dockerfile.parse_string(text)

    theirs = best_of(args.repeat, buildkit)
    print(f"buildkit     {theirs:7.3f} s  {len(texts) / theirs:8.0f} files/s")
    print(f"ratio        dockerlens is {theirs / ours:.2f}x BuildKit's speed")
    differ = 0
    for text in texts:
        expected = oracle_outcome(dockerfile, text)
        if expected is not None and our_outcome(text, Dialect.V0_12) != expected:
            differ += 1
    print(f"agreement    {len(texts) - differ}/{len(texts)} files parse identically")


if __name__ == "__main__":
    main()
