"""The secret scan on a real file system: this machine's folders as the layers of an image.

Usage::

    python bench/secrets_real_fs.py [--runs N] [--plant] [DIR ...]

Writes (once) ``bench/results/realfs.tar``, a legacy `docker save` archive with one layer per
DIR (default ``/usr /etc /var/lib``: a Debian system with Python, Node, Go and their packages),
then runs ``dockerlens analyze --max-secrets disabled`` on it with ``--no-secrets`` and
``--secrets`` alternately, ``--runs`` times each after a warm-up, and prints the median times,
how many files were read for secrets, and every secret found (kind, path, layer: never a value),
for a person to judge. ``--plant`` adds a last layer holding the labelled credentials of
``tests/secret_samples.py`` (generated, not real) to measure recall among real files.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import statistics
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_analyze import measure, write_docker_archive
from tests.secret_samples import holdout_samples, samples

RESULTS = Path(__file__).resolve().parent / "results"


def layer_of(directory: str, out: Path) -> None:
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as layer:
        for root, dirs, files in os.walk(directory):
            dirs.sort()
            for name in sorted(dirs) + sorted(files):
                path = os.path.join(root, name)
                try:
                    layer.add(path, arcname=path.lstrip("/"), recursive=False)
                except OSError:
                    continue  # vanished or unreadable: not part of the measurement


def planted_layer() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as layer:
        for number, sample in enumerate(samples() + holdout_samples()):
            if sample.kind is None:
                continue
            info = tarfile.TarInfo(f"planted/{number}{sample.path}")
            info.size = len(sample.data)
            layer.addfile(info, io.BytesIO(sample.data))
    return buffer.getvalue()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def write_archive(target: Path, directories: list[str], plant: bool) -> None:
    """A legacy `docker save` archive, layers streamed from disk (never whole in memory)."""
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        paths = []
        for number, directory in enumerate(directories):
            path = Path(scratch) / f"layer{number}.tar"
            layer_of(directory, path)
            paths.append(path)
        commands = [f"COPY {directory} {directory}" for directory in directories]
        if plant:
            path = Path(scratch) / "planted.tar"
            path.write_bytes(planted_layer())
            paths.append(path)
            commands.append("COPY planted /planted")
        diff_ids = [f"sha256:{_sha256(path)}" for path in paths]
        write_docker_archive(target, paths, diff_ids, commands, "realfs:1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directories", nargs="*", default=["/usr", "/etc", "/var/lib"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--plant", action="store_true")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    archive = RESULTS / ("realfs-planted.tar" if args.plant else "realfs.tar")
    if not archive.exists():
        print(f"writing {archive} ...", flush=True)
        write_archive(archive, args.directories, args.plant)
    env = {**os.environ, "CI": "true"}
    base = [sys.executable, "-m", "dockerlens", "analyze", "-q", "-f", "json"]
    base += ["--max-secrets", "disabled", f"docker-archive:{archive}"]
    commands = {mode: [*base, f"--{mode}"] for mode in ("no-secrets", "secrets")}
    times: dict[str, list[float]] = {mode: [] for mode in commands}
    for command in commands.values():
        measure(command, env)
    output = ""
    for _ in range(args.runs):
        for mode, command in commands.items():
            elapsed, _, output_of_run = measure(command, env)
            times[mode].append(elapsed)
            if mode == "secrets":
                output = output_of_run
    (image,) = json.loads(output)["images"]
    entries = sum(layer["entries"] for layer in image["layers"])
    print(
        f"{archive}: {image['size'] / 1e9:.2f} GB in {len(image['layers'])} layers, "
        f"{entries} entries"
    )
    for mode, values in times.items():
        print(f"--{mode:>10}: median {statistics.median(values):6.2f} s over {args.runs} runs")
    ratio = statistics.median(times["secrets"]) / statistics.median(times["no-secrets"])
    print(f"with / without secrets: x{ratio:.2f}; {image['secret_files_read']} files read")
    print(f"{len(image['secrets'])} secrets found:")
    for found in image["secrets"]:
        print(f"  layer {found['layer']} {found['kind']:>22} {found['path']}:{found['line']}")


if __name__ == "__main__":
    main()
