"""Benchmark ``dockerlens diff`` of two versions of a ~1 GB image that share their base.

Usage::

    python bench/bench_diff.py [--runs N]

It writes (once) ``bench/results/diff-app-1.tar`` and ``diff-app-2.tar``: legacy `docker save`
archives whose two base layers (about 72,000 files, 850 MB) are the same and whose app layer
differs (3,000 assets of which a third changed size, the others rewritten with the same size and
bytes, and a bundle of 50 MB then 80 MB). It then runs, in fresh processes, ``--runs`` times each:
``dockerlens diff``, ``dockerlens analyze`` of both images in one run, and two separate
``analyze`` runs, and prints the median wall time, the least CPU time (user + system: the
machine is shared, so wall time is noisy) and the bytes each process read (``rchar`` of
/proc/self/io: bytes returned by read(); content skipped with a seek is not counted). The
archives are read from the page cache after the first run; each command gets a warm-up run.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import time
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
        if version == 2 and f % 3 == 0:
            size += 1_000
        entries.append(("file", f"srv/app/asset{f:04d}.js", size))
    entries.append(("file", "srv/app/bundle.bin", 50_000_000 if version == 1 else 80_000_000))
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    archives = [RESULTS / f"diff-app-{version}.tar" for version in (1, 2)]
    for version, path in enumerate(archives, start=1):
        if not path.exists():
            print(f"writing {path} ...", file=sys.stderr)
            generate(path, version)
    sources = [f"docker-archive:{path}" for path in archives]
    commands = {
        "diff": [["diff", "-q", "-f", "json", *sources]],
        "analyze both, one run": [["analyze", "-q", "-f", "json", *sources]],
        "analyze each, two runs": [["analyze", "-q", "-f", "json", source] for source in sources],
    }
    sizes = [path.stat().st_size for path in archives]
    print(f"archives: {sizes[0]:,} and {sizes[1]:,} bytes")
    for name, runs in commands.items():
        for arguments in runs:
            run(arguments)  # warm-up, not counted
        times, cpus, reads = [], [], []
        output = ""
        for _ in range(args.runs):
            total_time = total_cpu = total_read = 0.0
            for arguments in runs:
                elapsed, cpu, rchar, output = run(arguments)
                total_time += elapsed
                total_cpu += cpu
                total_read += rchar
            times.append(total_time)
            cpus.append(total_cpu)
            reads.append(total_read)
        line = (
            f"{name:24} wall {statistics.median(times):6.2f} s  CPU {min(cpus):6.2f} s  "
            f"{statistics.median(reads):>13,.0f} B read"
        )
        if name == "diff":
            document = json.loads(output)
            line += (
                f"  (layers read {document['read']['layers']} of "
                f"{document['read']['layers_in_both_images']}, {document['read']['bytes']:,} tar "
                f"bytes; hashing pass: {document['read']['layers_hashed']} layers, "
                f"{document['read']['bytes_hashed']:,} tar bytes; files changed "
                f"{document['counts']})"
            )
        print(line)


if __name__ == "__main__":
    main()
