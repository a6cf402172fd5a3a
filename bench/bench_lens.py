"""What tracing layers to Dockerfile lines costs next to reading the layers.

Usage::

    python bench/bench_lens.py [--layers N] [--files N] [--runs N]

Writes (in a temporary directory) a `docker save` archive of ``--layers`` layers, each made by a
RUN of a matching Dockerfile (BuildKit's history shape, an ENV between RUNs) and holding
``--files`` files of 1 KiB, then times, ``--runs`` times each, in this process:

* reading and stacking the layers (open the archive, scan every layer, ``analyze_layers``);
* matching: parsing the Dockerfile, building its model and aligning it with the history.

Prints the medians and their ratio.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import statistics
import tarfile
import tempfile
import time
from pathlib import Path

from dockerlens.image.analysis import analyze_layers
from dockerlens.image.archive import Limits
from dockerlens.image.attribution import attribute
from dockerlens.image.sources import open_source, parse_source
from dockerlens.model import build_model
from dockerlens.syntax.parser import parse


def _layer(index: int, files: int) -> bytes:
    buffer = io.BytesIO()
    content = bytes(1024)
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for number in range(files):
            info = tarfile.TarInfo(f"data/l{index}/f{number}")
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def write_archive(directory: Path, layers: int, files: int) -> tuple[Path, str]:
    dockerfile = ["FROM scratch"]
    history = []
    blobs = []
    for index in range(layers):
        dockerfile.append(f"RUN make-layer --index {index} --files {files}")
        history.append({"created_by": f"RUN /bin/sh -c {dockerfile[-1][4:]} # buildkit"})
        dockerfile.append(f"ENV STEP={index}")
        history.append({"created_by": f"ENV STEP={index}", "empty_layer": True})
        blobs.append(_layer(index, files))
    diff_ids = ["sha256:" + hashlib.sha256(blob).hexdigest() for blob in blobs]
    config = json.dumps(
        {"architecture": "amd64", "os": "linux", "config": {}, "history": history,
         "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    ).encode()  # fmt: skip
    path = directory / "lens-bench.tar"
    with tarfile.open(path, "w") as archive:

        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))

        members = []
        for diff_id, blob in zip(diff_ids, blobs, strict=True):
            members.append(f"{diff_id[7:]}/layer.tar")
            add(members[-1], blob)
        add("config.json", config)
        manifest = [{"Config": "config.json", "RepoTags": ["bench:lens"], "Layers": members}]
        add("manifest.json", json.dumps(manifest).encode())
    return path, "\n".join(dockerfile) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--layers", type=int, default=100)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        path, text = write_archive(Path(directory), options.layers, options.files)
        reading, matching = [], []
        for _ in range(options.runs):
            start = time.perf_counter()
            (image,) = open_source(parse_source(f"docker-archive:{path}"), Limits())
            scans = [image.scan_layer(index) for index in range(len(image.layers))]
            analyze_layers(scans)
            reading.append(time.perf_counter() - start)
            start = time.perf_counter()
            model = build_model(parse(text), "Dockerfile")
            result = attribute(image.config.get("history"), len(scans), model)
            matching.append(time.perf_counter() - start)
            assert result.matched and all(layer.source for layer in result.layers)
        read, match = statistics.median(reading), statistics.median(matching)
        size = path.stat().st_size
        print(
            f"{options.layers} layers, {options.layers * options.files} files, "
            f"{size / 1e6:.0f} MB archive, {options.runs} runs (medians):\n"
            f"  read and stack the layers: {read * 1000:.1f} ms\n"
            f"  parse, model and match the Dockerfile: {match * 1000:.1f} ms "
            f"({match / read:.2%} of reading)"
        )


if __name__ == "__main__":
    main()
