"""Draw a random sample of the findings dockerlens shows by default, for judging by hand.

    python bench/precision_sample.py CORPUS [--size N] [--seed S] [--out FILE]

CORPUS holds whole repositories (the build context matters to some rules). Each repository
is linted as a user would (`dockerlens lint --no-config --format json .` run in it: the
directory walk, its .gitignore and default excludes, the default rules, ShellCheck when
installed). The sample leaves out ShellCheck's SC findings (their precision is ShellCheck's)
and draws at most --per-file findings from one file, so that one large file does not fill
it. FILE gets one entry per finding: the finding, the instruction it points at, and an empty
`verdict` for the judge (`ok`, `debatable` or `wrong`, with a reason). `--score FILE` reads a
judged file back and prints the figures.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

VERDICTS = ("ok", "debatable", "wrong")


def lint_repository(repository: Path) -> list[dict[str, object]]:
    command = [sys.executable, "-m", "dockerlens", "lint", "--no-config", "--format", "json"]
    done = subprocess.run(
        [*command, "--exit-zero", "."], cwd=repository, capture_output=True, text=True
    )
    if done.returncode not in (0, 1) or not done.stdout.strip():
        print(f"{repository.name}: exit {done.returncode}: {done.stderr.strip()}", file=sys.stderr)
        return []
    findings: list[dict[str, object]] = json.loads(done.stdout)
    for finding in findings:
        finding["repository"] = repository.name
    return findings


def excerpt(repository: Path, finding: dict[str, object]) -> str:
    path = repository / str(finding["path"])
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    line = int(str(finding["line"]))
    first, last = max(1, line - 2), min(len(lines), line + 2)
    return "\n".join(f"{n:5} | {lines[n - 1]}" for n in range(first, last + 1))


def sample(args: argparse.Namespace) -> None:
    repositories = sorted(p for p in args.corpus.iterdir() if p.is_dir())
    shown: list[dict[str, object]] = []
    for repository in repositories:
        shown += lint_repository(repository)
    candidates = [f for f in shown if not str(f["code"]).startswith("SC")]
    random.Random(args.seed).shuffle(candidates)
    per_file: Counter[tuple[object, object]] = Counter()
    picked = []
    for finding in candidates:
        key = (finding["repository"], finding["path"])
        if per_file[key] >= args.per_file:
            continue
        per_file[key] += 1
        finding["excerpt"] = excerpt(args.corpus / str(finding["repository"]), finding)
        finding["verdict"] = ""
        finding["reason"] = ""
        picked.append(finding)
        if len(picked) == args.size:
            break
    codes = Counter(str(f["code"]) for f in shown)
    summary = {
        "repositories": len(repositories),
        "files": len({(f["repository"], f["path"]) for f in shown}),
        "findings": len(shown),
        "shellcheck": sum(n for code, n in codes.items() if code.startswith("SC")),
        "by_code": dict(codes.most_common()),
        "seed": args.seed,
    }
    args.out.write_text(json.dumps({"summary": summary, "sample": picked}, indent=1) + "\n")
    print(json.dumps(summary, indent=1))


def score(path: Path) -> None:
    judged = json.loads(path.read_text(encoding="utf-8"))["sample"]
    verdicts = Counter(str(f.get("verdict", "")) for f in judged)
    unjudged = sum(n for v, n in verdicts.items() if v not in VERDICTS)
    if unjudged:
        raise SystemExit(f"{path}: {unjudged} findings have no verdict")
    total = len(judged)
    for verdict in VERDICTS:
        print(f"{verdict:10} {verdicts[verdict]:4}  {100 * verdicts[verdict] / total:5.1f} %")
    wrong = Counter(str(f["code"]) for f in judged if f["verdict"] == "wrong")
    if wrong:
        print("wrong, by rule:", dict(wrong.most_common()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, nargs="?")
    parser.add_argument("--size", type=int, default=150)
    parser.add_argument("--per-file", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=Path("precision-sample.json"))
    parser.add_argument("--score", type=Path, help="Print the figures of a judged sample.")
    args = parser.parse_args()
    if args.score is not None:
        score(args.score)
    elif args.corpus is None:
        parser.error("CORPUS is required unless --score is given")
    else:
        sample(args)


if __name__ == "__main__":
    main()
