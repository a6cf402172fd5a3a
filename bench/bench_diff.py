"""Benchmark ``dockerlens diff`` of versions of a ~1 GB image that share their base, with and
without the layer index cache.

Usage::

    python bench/bench_diff.py [--runs N]

It writes (once) ``bench/results/diff-app-{1,2,3}.tar``: legacy `docker save` archives whose two
base layers (about 72,000 files, 850 MB) are the same and whose app layer differs (3,000 assets
of which a third changed size from the version before, the others rewritten with the same size
and bytes, and a bundle of 50, 80 then 100 MB). It then runs, in fresh processes, ``--runs``
times each:

- ``diff --no-cache app-1 app-2``: every distinct layer read (headers; content skipped by seek);
- cold: ``diff app-1 app-2`` with an empty index cache (reads as above, and writes the index);
- warm, same pair: ``diff app-1 app-2`` again (every layer's index and digests cached);
- warm, next version: ``diff app-2 app-3`` after ``diff app-1 app-2`` filled an empty cache
  (the base and app-2's layer cached; app-3's layer is new): the release-to-release case;
- ``diff --no-cache app-2 app-3``, the same pair read whole;
- ``analyze`` of both images in one run, for scale.

and prints the median wall time, the least CPU time (user + system: the machine is shared, so
wall time is noisy) and the bytes each process read (``rchar`` of /proc/self/io: bytes returned
by read(), index cache entries included; content skipped with a seek is not counted). The
archives are read from the page cache after the first run; each command gets a warm-up run.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_analyze import RESULTS, write_archive

_RUNNER = (
    "import atexit, sys\n"
    "def report():\n"
    "    fields = dict(line.split(': ') for line in open('/proc/self/io').read().splitlines())\n"
    "    sys.stderr.write('RCHAR=' + fields['rchar'] + '\\n')\n"
    "atexit.register(report)\n"
    "from dockerlens.cli import main\n"
    "sys.argv = ['dockerlens', *sys.argv[1:]]\n"
    "main()\n"
)


def _layers(version: int) -> list[list[tuple[str, str, int]]]:
    rng = random.Random(7)
    layers: list[list[tuple[str, str, int]]] = []
    for number in range(2):
        entries: list[tuple[str, str, int]] = []
        for d in range(360):
            directory = f"usr/lib/pkg{number}/mod{d:03d}"
            entries.append(("dir", directory, 0))
            for f in range(100):
                entries.append(("file", f"{directory}/file{f:03d}.so", rng.randint(1, 18_000)))
        entries.append(("file", f"opt/blob{number}.bin", 100_000_000))
        layers.append(entries)
    app = random.Random(11)
    entries = [("dir", "srv/app", 0)]
    for f in range(3000):
        size = app.randint(1, 40_000)
        if version >= 2 and f % 3 == 0:
            size += 1_000
        if version >= 3 and f % 3 == 1:
            size += 500
        entries.append(("file", f"srv/app/asset{f:04d}.js", size))
    bundle = {1: 50_000_000, 2: 80_000_000, 3: 100_000_000}[version]
    entries.append(("file", "srv/app/bundle.bin", bundle))
    layers.append(entries)
    return layers


def generate(target: Path, version: int) -> None:
    history = ["/bin/sh -c make base 0", "/bin/sh -c make base 1"]
    history.append(f"/bin/sh -c #(nop) COPY dir:app{version} in /srv/app")
    write_archive(target, _layers(version), history, f"app:{version}")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(arguments: list[str]) -> tuple[float, float, int, str]:
    """Wall time (s), CPU time (s, user + system), bytes read and stdout of one fresh process."""
    start, cpu_before = time.perf_counter(), _children_cpu()
    process = subprocess.run(
        [sys.executable, "-c", _RUNNER, *arguments], capture_output=True, text=True, check=False
    )
    elapsed, cpu = time.perf_counter() - start, _children_cpu() - cpu_before
    if process.returncode not in (0, 1):
        raise SystemExit(f"dockerlens {arguments[0]} failed: {process.stderr[-500:]}")
    rchar = int(process.stderr.rsplit("RCHAR=", 1)[1].split()[0])
    return elapsed, cpu, rchar, process.stdout


def _measure(
    runs: int, arguments: list[str], prepare: Callable[[], None]
) -> tuple[float, float, float, str]:
    """Median wall, least CPU, median bytes read and the last stdout of ``runs`` runs, each
    after ``prepare()`` (not timed), after one warm-up run."""
    prepare()
    run(arguments)
    times, cpus, reads = [], [], []
    output = ""
    for _ in range(runs):
        prepare()
        elapsed, cpu, rchar, output = run(arguments)
        times.append(elapsed)
        cpus.append(cpu)
        reads.append(rchar)
    return statistics.median(times), min(cpus), statistics.median(reads), output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    archives = [RESULTS / f"diff-app-{version}.tar" for version in (1, 2, 3)]
    for version, path in enumerate(archives, start=1):
        if not path.exists():
            print(f"writing {path} ...", file=sys.stderr)
            generate(path, version)
    app_1, app_2, app_3 = (f"docker-archive:{path}" for path in archives)
    cache = Path(tempfile.mkdtemp(prefix="bench-diff-index-"))
    diff = ["diff", "-q", "-f", "json", "--cache-dir", str(cache)]

    def empty() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    def first_pair_cached() -> None:
        empty()
        run([*diff, app_1, app_2])

    def nothing() -> None:
        pass

    commands: dict[str, tuple[list[str], Callable[[], None]]] = {
        "diff --no-cache 1->2": (["diff", "-q", "-f", "json", "--no-cache", app_1, app_2], empty),
        "diff cold 1->2": ([*diff, app_1, app_2], empty),
        "diff warm 1->2": ([*diff, app_1, app_2], nothing),
        "diff warm 2->3 after 1->2": ([*diff, app_2, app_3], first_pair_cached),
        "diff --no-cache 2->3": (["diff", "-q", "-f", "json", "--no-cache", app_2, app_3], empty),
        "analyze 1 and 2, one run": (["analyze", "-q", "-f", "json", app_1, app_2], nothing),
    }
    sizes = [path.stat().st_size for path in archives]
    print("archives: " + ", ".join(f"{size:,}" for size in sizes) + " bytes")
    try:
        for name, (arguments, prepare) in commands.items():
            wall, cpu, read, output = _measure(args.runs, arguments, prepare)
            line = f"{name:27} wall {wall:6.2f} s  CPU {cpu:6.2f} s  {read:>13,.0f} B read"
            if name.startswith("diff"):
                counts = json.loads(output)["read"]
                line += (
                    f"  (layers read {counts['layers']} of {counts['layers_in_both_images']}, "
                    f"{counts['bytes']:,} tar bytes; from the index: {counts['layers_from_cache']}"
                    f" layers, {counts['digests_from_cache']} digests; hashing pass: "
                    f"{counts['layers_hashed']} layers, {counts['bytes_hashed']:,} tar bytes)"
                )
            print(line, flush=True)
            if name.startswith("diff warm 2->3"):
                index_bytes = sum(path.stat().st_size for path in cache.rglob("*.json"))
                print(f"  index cache after 1->2 and 2->3: {index_bytes:,} bytes")
    finally:
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
