"""Benchmark ``dockerlens analyze --layers-only`` over a registry's whole catalog.

Usage::

    python bench/bench_fleet.py [--repositories 100] [--tags 10] [--runs 3] [--jobs 8]

It starts Debian's docker-registry on a free loopback port (storage in a temporary folder), pushes
``repositories x tags`` small images through the registry's HTTP API from Python (blobs uploaded
once and mounted into the other repositories, then the manifests), and times, in fresh processes,
``dockerlens analyze --layers-only -f json -q docker://HOST:PORT/``: the catalog listed, every
repository's tags listed, and each image's manifest and config read. It prints the wall time of
each run, its median, and the largest resident set size of a run (ru_maxrss of the child).

The fleet: five bases of three layers; each repository is built on one of them, except every
twentieth, which rebuilt base 0 from the same instructions (other diff_ids, the same sizes); each
tag adds one layer of its own. The report must list the five bases and the rebuilt one.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.image.registry_push import Pusher, serve_registry  # noqa: E402

BASES = 5


def layer(files: dict[str, bytes], mtime: int = 1_700_000_000) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mtime = mtime
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def base(number: int, mtime: int = 1_700_000_000) -> tuple[list[bytes], list[str]]:
    """Three layers and their history; another ``mtime`` rebuilds it with other diff_ids."""
    rootfs = {
        f"usr/lib/base{number}/lib{i}.so": bytes([i]) * (4096 * (number + 1)) for i in range(8)
    }
    packages = {f"usr/share/pkg{number}/{i}.txt": b"p" * (1000 + 10 * i) for i in range(20)}
    user = {"etc/passwd": b"root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\n"}
    layers = [layer(rootfs, mtime), layer(packages, mtime), layer(user, mtime)]
    commands = [
        f"/bin/sh -c #(nop) ADD file:base{number}rootfs in / ",
        f"/bin/sh -c apt-get update && apt-get install -y base{number}-tools",
        "/bin/sh -c useradd app",
    ]
    return layers, commands


def push_fleet(address: str, repositories: int, tags: int, jobs: int) -> float:
    pusher = Pusher(address)
    bases = [base(number) for number in range(BASES)]
    rebuilt = base(0, mtime=1_800_000_000)

    def push_repository(number: int) -> None:
        name = f"team{number % 7}/service{number}"
        base_layers, base_commands = rebuilt if number % 20 == 19 else bases[number % BASES]
        for tag in range(tags):
            app = layer({f"app/service{number}/build{tag}.bin": f"{number}/{tag}".encode() * 64})
            pusher.push(
                name,
                f"1.{tag}",
                [*base_layers, app],
                [*base_commands, f"/bin/sh -c #(nop) COPY file:app{number}-{tag} in /app "],
            )

    started = time.monotonic()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(push_repository, range(repositories)))
    return time.monotonic() - started


def timed_run(address: str, jobs: int) -> tuple[float, int, dict[str, object]]:
    command = [
        sys.executable,
        "-m",
        "dockerlens",
        "analyze",
        "--layers-only",
        "-q",
        "-f",
        "json",
        "--jobs",
        str(jobs),
        f"docker://{address}/",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode != 0:
        sys.exit(f"dockerlens failed ({done.returncode}): {done.stderr}")
    return elapsed, max(peak, before), json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repositories", type=int, default=100)
    parser.add_argument("--tags", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=8)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as root, serve_registry(Path(root)) as address:
        pushed = push_fleet(address, options.repositories, options.tags, options.jobs)
        count = options.repositories * options.tags
        print(f"pushed {count} images to {address} in {pushed:.1f} s")
        times = []
        for run in range(options.runs):
            elapsed, peak_kib, document = timed_run(address, options.jobs)
            times.append(elapsed)
            images = document["images"]
            sharing = document["sharing"]
            assert isinstance(images, list) and isinstance(sharing, dict)
            print(
                f"run {run + 1}: {len(images)} images in {elapsed:.2f} s, "
                f"peak RSS {peak_kib / 1024:.0f} MiB; {len(sharing['bases'])} bases, "
                f"{len(sharing['duplicates'])} rebuilt, saved {sharing['saved_bytes']:,} B"
            )
            if len(images) != count:
                sys.exit(f"expected {count} images, the report has {len(images)}")
        print(
            f"median {statistics.median(times):.2f} s over {len(times)} runs, {os.cpu_count()} CPUs"
        )


if __name__ == "__main__":
    main()
