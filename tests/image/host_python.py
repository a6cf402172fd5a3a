"""A base image made offline from the Python that runs the tests, for building
container/Dockerfile where no registry can be reached (its real base is python:3.12-slim).

The root file system holds that Python (its binary, shared library and standard library, at the
same paths as on this machine, so its compiled-in prefix and run path hold), the shared libraries
``ldd`` names for it and its extension modules, ``/bin/sh`` (dash or busybox) and ``python`` on
PATH, like python:*-slim. Nothing else of the machine goes in.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
from pathlib import Path

_LEFT_OUT = {"site-packages", "test", "tests", "idlelib", "tkinter", "turtledemo", "__pycache__"}
_LDD_PATH = re.compile(r"(?:=>\s*)?(/\S+)\s+\(0x")
#: The libraries a manylinux wheel may link against without shipping them (PEP 599's policy).
_MANYLINUX_LIBRARIES = (
    "libgcc_s.so.1",
    "libstdc++.so.6",
    "libm.so.6",
    "libdl.so.2",
    "librt.so.1",
    "libc.so.6",
    "libpthread.so.0",
    "libresolv.so.2",
    "libutil.so.1",
    "libz.so.1",
)


def _shared_libraries(binaries: list[str]) -> set[str]:
    found: set[str] = set()
    for binary in binaries:
        listing = subprocess.run(
            ["ldd", binary], capture_output=True, text=True, check=False
        ).stdout
        found.update(match.group(1) for match in _LDD_PATH.finditer(listing))
    return found


def _manylinux_libraries() -> set[str]:
    """The host's copies of :data:`_MANYLINUX_LIBRARIES` (``ldconfig -p``'s 64-bit ones)."""
    listing = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=False).stdout
    found: set[str] = set()
    for line in listing.splitlines():
        name, _, rest = line.strip().partition(" (")
        if name in _MANYLINUX_LIBRARIES and "x86-64" in rest:
            found.add(rest.rsplit("=> ", 1)[-1])
    return found


def _shell() -> str:
    for candidate in ("/usr/bin/dash", "/bin/dash", "/bin/busybox", "/usr/bin/busybox"):
        if os.path.isfile(candidate):
            return candidate
    raise FileNotFoundError("no dash or busybox for /bin/sh")


class _RootFs:
    def __init__(self, archive: tarfile.TarFile) -> None:
        self.archive = archive
        self.added: set[str] = set()

    def _directories(self, name: str) -> None:
        parent = os.path.dirname(name)
        if parent and parent not in self.added:
            self._directories(parent)
            info = tarfile.TarInfo(parent)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            self.archive.addfile(info)
            self.added.add(parent)

    def symlink(self, name: str, target: str) -> None:
        if name in self.added:
            return
        self._directories(name)
        info = tarfile.TarInfo(name)
        info.type, info.linkname, info.mode = tarfile.SYMTYPE, target, 0o777
        self.archive.addfile(info)
        self.added.add(name)

    def host_file(self, path: str) -> None:
        """``path`` with the symbolic links on the way to it (/lib -> usr/lib ...)."""
        parent = os.path.dirname(path)
        real_parent = os.path.realpath(parent)
        if real_parent != parent:
            self.top_level_links()
        name = os.path.join(real_parent, os.path.basename(path)).lstrip("/")
        if name in self.added:
            return
        if os.path.islink(path):
            target = os.readlink(path)
            self.symlink(name, target)
            self.host_file(
                os.path.join(real_parent, target) if not target.startswith("/") else target
            )
            return
        self._directories(name)
        self.archive.add(path, arcname=name, recursive=False)
        self.added.add(name)

    def host_tree(self, directory: str) -> None:
        for root, folders, files in os.walk(directory):
            folders[:] = sorted(
                f for f in folders if f not in _LEFT_OUT and not f.startswith("config-")
            )
            for file in sorted(files):
                self.host_file(os.path.join(root, file))

    def top_level_links(self) -> None:
        for top in ("bin", "lib", "lib64", "sbin"):
            if os.path.islink(f"/{top}"):
                self.symlink(top, os.readlink(f"/{top}"))

    def empty_directory(self, name: str, mode: int) -> None:
        self._directories(name)
        info = tarfile.TarInfo(name)
        info.type, info.mode = tarfile.DIRTYPE, mode
        self.archive.addfile(info)
        self.added.add(name)

    def text(self, name: str, content: str) -> None:
        import io

        data = content.encode()
        info = tarfile.TarInfo(name)
        info.size, info.mode = len(data), 0o644
        self.archive.addfile(info, io.BytesIO(data))
        self.added.add(name)


def write_rootfs(target: Path) -> str:
    """Write the root file system tar; returns the Python version ("3.11") it holds."""
    executable = os.path.realpath(sys._base_executable)  # type: ignore[attr-defined]
    stdlib = sysconfig.get_paths()["stdlib"]
    dynload = os.path.join(stdlib, "lib-dynload")
    extensions = [
        os.path.join(dynload, name)
        for name in os.listdir(dynload)
        if name.endswith(".so") and not name.startswith("_tkinter")
    ]
    shell = _shell()
    with tarfile.open(target, "w") as archive:
        rootfs = _RootFs(archive)
        rootfs.top_level_links()
        rootfs.host_file(executable)
        libraries = _shared_libraries([executable, shell, *extensions]) | _manylinux_libraries()
        for library in sorted(libraries):
            rootfs.host_file(library)
        rootfs.host_tree(stdlib)
        rootfs.host_file(shell)
        rootfs.symlink("usr/local/bin/python", executable)
        rootfs.symlink("usr/local/bin/python3", executable)
        if os.path.basename(shell) != "sh":
            rootfs.symlink("usr/bin/sh", os.path.basename(shell))
        rootfs.text("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/\n")
        rootfs.text("etc/group", "root:x:0:\nnogroup:x:65534:\n")
        rootfs.empty_directory("tmp", 0o1777)
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def can_make() -> str | None:
    """Why a base cannot be made here, or None."""
    for tool in ("ldd", "ldconfig"):
        if shutil.which(tool) is None:
            return f"no {tool} to find Python's shared libraries"
    try:
        _shell()
    except FileNotFoundError as err:
        return str(err)
    return None
