"""Draw a random sample of the findings dockerlens shows by default, for judging by hand.

    python bench/precision_sample.py CORPUS [--size N] [--min-per-rule K] [--seed S] [--out FILE]
    python bench/precision_sample.py --score FILE [--relint CORPUS]

CORPUS holds whole repositories (the build context matters to some rules). Each repository
is linted as a user would (`dockerlens lint --no-config --format json .` run in it: the
directory walk, its .gitignore and default excludes, the default rules, ShellCheck when
installed, its SC findings included: they are shown by default too).

The sample is stratified by rule: every rule that fired gets at least --min-per-rule findings
(all of them when it fired less), and the rest of --size is shared out in proportion to how
often each rule fired. Within a rule the findings are drawn at random (seeded), at most
--per-file from one file while others are left. Each entry carries its stratum's `weight`
(findings of that rule / findings of it sampled) so that the score can be weighted back to
the population. FILE gets one entry per finding: the finding, the instruction it points at,
and an empty `verdict` for the judge (`ok`, `debatable` or `wrong`, with a reason).

`--score FILE` reads a judged file back and prints the figures: the share of each verdict in
the sample and, weighted by stratum, in all the findings shown. With `--relint CORPUS` the
corpus is linted again first (after rules were fixed): sampled findings that are no longer
shown leave the sample, the weights follow the new counts, and findings of a rule that did
not fire before are listed (they were never judged).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

VERDICTS = ("ok", "debatable", "wrong")
# A `debatable` finding whose claim is false for the image as built only because of a base
# image (or named build context) built from the same repository, which the file cannot show.
MOOT = "moot_same_repository_base"
Finding = dict[str, object]


def lint_repository(repository: Path) -> list[Finding]:
    command = [sys.executable, "-m", "dockerlens", "lint", "--no-config", "--format", "json"]
    done = subprocess.run(
        [*command, "--exit-zero", "."], cwd=repository, capture_output=True, text=True
    )
    if done.returncode not in (0, 1) or not done.stdout.strip():
        print(f"{repository.name}: exit {done.returncode}: {done.stderr.strip()}", file=sys.stderr)
        return []
    findings: list[Finding] = json.loads(done.stdout)
    for finding in findings:
        finding["repository"] = repository.name
    return findings


def lint_corpus(corpus: Path) -> tuple[int, list[Finding]]:
    repositories = sorted(p for p in corpus.iterdir() if p.is_dir())
    shown: list[Finding] = []
    for repository in repositories:
        shown += lint_repository(repository)
    return len(repositories), shown


def identity(finding: Finding) -> tuple[object, ...]:
    return (finding["repository"], finding["path"], finding["line"], finding["code"])


def excerpt(repository: Path, finding: Finding) -> str:
    path = repository / str(finding["path"])
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    line = int(str(finding["line"]))
    first, last = max(1, line - 2), min(len(lines), line + 2)
    return "\n".join(f"{n:5} | {lines[n - 1]}" for n in range(first, last + 1))


def allocate(counts: Counter[str], size: int, minimum: int) -> dict[str, int]:
    """How many findings to draw of each rule: the minimum, then the rest by share."""
    quota = {code: min(n, minimum) for code, n in counts.items()}
    left = size - sum(quota.values())
    total = sum(counts.values())
    if left > 0:
        shares = {code: left * n / total for code, n in counts.items()}
        for code in sorted(counts, key=lambda c: (-shares[c], c)):
            quota[code] = min(counts[code], quota[code] + math.ceil(shares[code]))
    return quota


def draw(stratum: list[Finding], quota: int, per_file: int, rng: random.Random) -> list[Finding]:
    shuffled = list(stratum)
    rng.shuffle(shuffled)
    taken: Counter[tuple[object, object]] = Counter()
    picked: list[Finding] = []
    for finding in shuffled:
        key = (finding["repository"], finding["path"])
        if taken[key] < per_file and len(picked) < quota:
            taken[key] += 1
            picked.append(finding)
    rest = [f for f in shuffled if f not in picked]
    return picked + rest[: quota - len(picked)]


def draw_capped(
    by_code: dict[str, list[Finding]],
    quota: dict[str, int],
    size: int,
    cap: int,
    per_file: int,
    rng: random.Random,
) -> list[Finding]:
    """Draw the rules' quotas with no repository holding more than `cap` of the sample.

    Each rule's findings are shuffled; the rules take one finding each in turn (a seeded
    random order per turn), passing over findings of a repository at its cap and, while
    others are left, of a file that already gave `per_file`. A rule whose quota cannot be
    met under the cap leaves the rest of `size` to the rules that still have findings.
    """
    queues = {code: list(found) for code, found in by_code.items()}
    for code in sorted(queues):
        rng.shuffle(queues[code])
    by_repository: Counter[object] = Counter()
    by_file: Counter[tuple[object, object]] = Counter()
    taken: dict[str, int] = Counter()
    picked: list[Finding] = []

    def take(code: str, file_limit: int | None) -> bool:
        for finding in queues[code]:
            repository = finding["repository"]
            key = (repository, finding["path"])
            if by_repository[repository] >= cap:
                continue
            if file_limit is not None and by_file[key] >= file_limit:
                continue
            queues[code].remove(finding)
            by_repository[repository] += 1
            by_file[key] += 1
            taken[code] += 1
            picked.append(finding)
            return True
        return False

    for limit in (per_file, None):
        for fill in (False, True):
            progress = True
            while progress and len(picked) < size:
                progress = False
                order = sorted(queues)
                rng.shuffle(order)
                for code in order:
                    if len(picked) >= size:
                        break
                    if not fill and taken[code] >= quota[code]:
                        continue
                    progress |= take(code, limit)
    return picked


def sample(args: argparse.Namespace) -> None:
    repositories, shown = lint_corpus(args.corpus)
    by_code: dict[str, list[Finding]] = defaultdict(list)
    for finding in shown:
        by_code[str(finding["code"])].append(finding)
    counts = Counter({code: len(found) for code, found in by_code.items()})
    quota = allocate(counts, args.size, args.min_per_rule)
    rng = random.Random(args.seed)
    picked: list[Finding] = []
    if args.max_share is None:
        for code in sorted(by_code):
            for finding in draw(by_code[code], quota[code], args.per_file, rng):
                finding["weight"] = counts[code] / quota[code]
                picked.append(finding)
    else:
        cap = math.floor(args.max_share * args.size)
        picked = draw_capped(by_code, quota, args.size, cap, args.per_file, rng)
        # Weighted by cell (rule, repository): the cap makes a rule's sample uneven across
        # repositories, so each finding stands for the findings of its rule in its repository.
        cells = Counter((str(f["code"]), f["repository"]) for f in shown)
        drawn = Counter((str(f["code"]), f["repository"]) for f in picked)
        for finding in picked:
            cell = (str(finding["code"]), finding["repository"])
            finding["weight"] = cells[cell] / drawn[cell]
        picked.sort(key=lambda f: (str(f["code"]), str(f["repository"]), str(f["path"])))
    for finding in picked:
        finding["excerpt"] = excerpt(args.corpus / str(finding["repository"]), finding)
        finding["verdict"] = ""
        finding["reason"] = ""
    sampled_cells = {(f["code"], f["repository"]) for f in picked}
    summary = {
        "repositories": repositories,
        "files": len({(f["repository"], f["path"]) for f in shown}),
        "findings": len(shown),
        "shellcheck": sum(n for code, n in counts.items() if code.startswith("SC")),
        "by_code": dict(counts.most_common()),
        "sampled": len(picked),
        "max_share": args.max_share,
        "findings_in_unsampled_cells": len(
            [f for f in shown if (f["code"], f["repository"]) not in sampled_cells]
        ),
        "by_repository": dict(Counter(str(f["repository"]) for f in picked).most_common()),
        "seed": args.seed,
    }
    args.out.write_text(json.dumps({"summary": summary, "sample": picked}, indent=1) + "\n")
    print(json.dumps(summary, indent=1))


def wilson_upper(successes: int, trials: int, z: float = 1.96) -> float:
    """Upper end of the 95 % Wilson interval of a proportion."""
    if trials == 0:
        return 1.0
    p = successes / trials
    centre = p + z * z / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return (centre + spread) / (1 + z * z / trials)


def score(args: argparse.Namespace) -> None:
    judged: list[Finding] = json.loads(args.score.read_text(encoding="utf-8"))["sample"]
    unjudged = [f for f in judged if f.get("verdict") not in VERDICTS]
    if unjudged:
        raise SystemExit(f"{args.score}: {len(unjudged)} findings have no verdict")
    counts = Counter(str(f["code"]) for f in judged)
    population: Counter[str] = Counter()
    for finding in judged:
        population[str(finding["code"])] += float(str(finding["weight"]))
    if args.relint is not None:
        _, shown = lint_corpus(args.relint)
        still = {identity(f) for f in shown}
        gone = [f for f in judged if identity(f) not in still]
        judged = [f for f in judged if identity(f) in still]
        now = Counter(str(f["code"]) for f in shown)
        print(f"re-linted: {len(shown)} findings; {len(gone)} sampled findings no longer shown")
        for finding in gone:
            print(
                f"  gone: {finding['verdict']:9} {finding['code']} {finding['repository']}/"
                f"{finding['path']}:{finding['line']}"
            )
        counts = Counter(str(f["code"]) for f in judged)
        unjudged = {code: n for code, n in now.items() if code not in counts}
        if unjudged:
            print("  rules with no judged finding left (not in the figures):", unjudged)
        population = Counter({code: float(now[code]) for code in counts})
    total_shown = sum(population.values())
    verdicts = Counter(str(f["verdict"]) for f in judged)
    print(f"sample: {len(judged)} findings of {len(counts)} rules; shown: {total_shown:.0f}")

    def stands_for(finding: Finding) -> float:
        # Each finding's own weight (its stratum's or, with --max-share, its cell's); after
        # --relint the rule's new count shared evenly over its judged findings.
        if args.relint is not None:
            return population[str(finding["code"])] / counts[str(finding["code"])]
        return float(str(finding["weight"]))

    for verdict in VERDICTS:
        weighted = sum(stands_for(f) for f in judged if f["verdict"] == verdict)
        share = 100 * verdicts[verdict] / len(judged)
        print(
            f"{verdict:10} {verdicts[verdict]:4}  sample {share:5.1f} %"
            f"  weighted {100 * weighted / total_shown:5.1f} %"
        )
    upper = wilson_upper(verdicts["wrong"], len(judged))
    print(f"wrong: 95 % upper bound (Wilson, unweighted sample) {100 * upper:.1f} %")
    moot = [f for f in judged if f["verdict"] == "debatable" and f.get(MOOT)]
    if moot:
        # Judged debatable, counted apart so that the reader can count them either way.
        share = 100 * len(moot) / len(judged)
        weighted = 100 * sum(stands_for(f) for f in moot) / total_shown
        print(
            f"moot by a same-repository base (in debatable): {len(moot)}"
            f"  sample {share:.1f} %  weighted {weighted:.1f} %"
        )
        either = verdicts["wrong"] + len(moot)
        upper = wilson_upper(either, len(judged))
        weighted = sum(stands_for(f) for f in judged if f["verdict"] == "wrong" or f in moot)
        print(
            f"wrong, counting those as wrong: {either}  sample {100 * either / len(judged):.1f} %"
            f"  weighted {100 * weighted / total_shown:.1f} %  95 % bound {100 * upper:.1f} %"
        )
    wrong = Counter(str(f["code"]) for f in judged if f["verdict"] == "wrong")
    if wrong:
        print("wrong, by rule:", dict(wrong.most_common()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, nargs="?")
    parser.add_argument("--size", type=int, default=200)
    parser.add_argument("--min-per-rule", type=int, default=2)
    parser.add_argument("--per-file", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--max-share",
        type=float,
        help="At most this share of --size from one repository (weights by rule and repository).",
    )
    parser.add_argument("--out", type=Path, default=Path("precision-sample.json"))
    parser.add_argument("--score", type=Path, help="Print the figures of a judged sample.")
    parser.add_argument("--relint", type=Path, help="With --score: lint this corpus again first.")
    args = parser.parse_args()
    if args.score is not None:
        score(args)
    elif args.corpus is None:
        parser.error("CORPUS is required unless --score is given")
    else:
        sample(args)


if __name__ == "__main__":
    main()
