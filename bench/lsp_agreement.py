"""Do ``dockerlens lsp``'s diagnostics agree with ``dockerlens lint --format json``?

Usage::

    python bench/lsp_agreement.py [--corpus DIR] [--count N] [--no-shellcheck] [--show N]

``--count`` files (default 200) are taken at even steps from the Dockerfiles under
``--corpus`` (default /work/corpus, sorted by path). ``dockerlens lint --format json`` runs
once over them in the corpus folder; one server (``python -m dockerlens lsp``), started in
the same folder for an editor that has that folder open, is sent each file's text on disk
(``didOpen``) and its diagnostics are awaited. Per file, the findings are compared as
multisets of (code, line, column, severity, message), positions turned back to 1-based
characters. Both run with the same options and an empty HOME (no user hadolint config).
Printed: how many files agree, the codes behind the differences, and the first ``--show``
differing files in full.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dockerlens.lint.discover import is_dockerfile_name
from tests.lsp_client import compare


def sample(corpus: Path, count: int) -> list[Path]:
    found = sorted(p for p in corpus.rglob("*") if p.is_file() and is_dockerfile_name(p.name))
    step = max(1, len(found) // count)
    return found[::step][:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("/work/corpus"))
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument(
        "--shellcheck",
        action=argparse.BooleanOptionalAction,
        help="pass --shellcheck / --no-shellcheck to both (default: neither, their defaults)",
    )
    parser.add_argument("--show", type=int, default=3, help="differing files shown in full")
    options = parser.parse_args()
    corpus = options.corpus.resolve()
    paths = sample(corpus, options.count)
    arguments = {None: [], True: ["--shellcheck"], False: ["--no-shellcheck"]}[options.shellcheck]
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"{len(paths)} files from {corpus}, {' '.join(arguments) or 'default options'}, load {load}"
    )
    with tempfile.TemporaryDirectory() as home:
        comparison = compare(corpus, paths, arguments, Path(home))
    differ = comparison.disagreements
    print(f"agree: {len(paths) - len(differ)} of {len(paths)} files")
    print(
        f"findings: {comparison.lint_findings} from lint, "
        f"{comparison.server_findings} from the server"
    )
    only_lint: Counter[str] = Counter()
    only_server: Counter[str] = Counter()
    for disagreement in differ:
        only_lint.update(key[0] for key in disagreement.only_lint.elements())
        only_server.update(key[0] for key in disagreement.only_server.elements())
    if only_lint:
        print("reported by lint only:", dict(only_lint.most_common()))
    if only_server:
        print("reported by the server only:", dict(only_server.most_common()))
    for disagreement in differ[: options.show]:
        print(disagreement)


if __name__ == "__main__":
    main()
