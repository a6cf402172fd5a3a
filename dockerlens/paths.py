"""Path algebra on slash paths as a Dockerfile or a shell script writes them, shared by the
rules, the build-context readers and the image analyzer.

Paths are compared as text: a variable nobody defined stays as written (``$APP_HOME/bin``) and
compares equal to the same text elsewhere; globs (``*``, ``?``, ``[...]``) match one path
component.
"""

from __future__ import annotations

import enum
import fnmatch
import re

from dockerlens.lazyre import LazyPattern

_GLOB = re.compile(r"[*?\[]")
#: Words a path taken from a shell command must not contain to be judged.
UNKNOWABLE = ("$(", "`", "<(", ">(")


def is_glob(text: str) -> bool:
    return _GLOB.search(text) is not None


def clean(path: str) -> str:
    """Go's ``path.Clean``: the shortest equivalent slash path (``""`` is ``"."``)."""
    if path == "":
        return "."
    rooted = path.startswith("/")
    kept: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if kept and kept[-1] != "..":
                kept.pop()
            elif not rooted:
                kept.append("..")
            continue
        kept.append(part)
    out = "/".join(kept)
    if rooted:
        return "/" + out
    return out or "."


def normalize(path: str) -> str:
    """A clean absolute (or ``$VAR``-rooted) path, without a trailing slash: :func:`clean`,
    with a relative path's ``..`` above its start dropped, and ``/`` for a path that cleans
    to nothing."""
    cleaned = clean(path)
    if cleaned.startswith("/"):
        return cleaned
    return "/".join(part for part in cleaned.split("/") if part not in (".", "..")) or "/"


def resolve(path: str, cwd: str | None) -> str | None:
    """``path`` made absolute against ``cwd``; None when that cannot be known.

    A path starting with a variable (``$APP/x``) is kept rooted at the variable; one starting
    with ``~`` or holding a command substitution is unknown.
    """
    if not path or path.startswith("~") or any(mark in path for mark in UNKNOWABLE):
        return None
    if path.startswith(("/", "$")):
        return normalize(path)
    if cwd is None:
        return None
    return normalize(f"{cwd}/{path}")


def parts(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def _same_part(a: str, b: str) -> bool:
    if a == b:
        return True
    if is_glob(a) and fnmatch.fnmatchcase(b, a):
        return True
    return is_glob(b) and fnmatch.fnmatchcase(a, b)


class Relation(enum.Enum):
    SAME = "same"
    INSIDE = "inside"  # the first path is inside the second
    CONTAINS = "contains"  # the first path is an ancestor of the second


def relation(a: str, b: str) -> Relation | None:
    """How path ``a`` stands to path ``b`` (either may hold globs), or None if apart."""
    pa, pb = parts(a), parts(b)
    if not all(_same_part(x, y) for x, y in zip(pa, pb, strict=False)):
        return None
    if len(pa) == len(pb):
        return Relation.SAME
    return Relation.INSIDE if len(pa) > len(pb) else Relation.CONTAINS


_BRACED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_HOME = LazyPattern(r"^(?:~|\$HOME|/root|/home/[^/]+)(?=/|$)")


def home_relative(path: str) -> str:
    """``path`` with any home directory (``~``, ``$HOME``, ``/root``, ``/home/NAME``) written
    ``~``: for a cache under "the home directory" whoever runs the command."""
    return _HOME.sub("~", path)


def covers(path: str, target: str, *, homes: bool = False, entries: str = "*") -> bool:
    """Deleting (or mounting over) ``path`` takes ``target`` away: the same directory, one
    above it, or every entry in it (``/cache/*``, ``/cache/**``; ``/cache/*.gem`` when
    ``entries``, what the directory holds, is ``*.gem``). Globs match one component;
    ``${NAME}`` is ``$NAME``; an absolute path never covers a relative one nor the other way
    round (their folders are not known to be the same). With ``homes``, every home directory
    counts as one (:func:`home_relative`)."""
    path, target = _comparable(path, homes), _comparable(target, homes)
    if not path or not target or path.startswith("/") != target.startswith("/"):
        return False
    found = relation(path, target)
    if found in (Relation.SAME, Relation.CONTAINS):
        return True
    if found is Relation.INSIDE:
        extra = parts(path)[len(parts(target)) :]
        return all(_every_entry(part, entries) for part in extra)
    return False


def _every_entry(glob: str, entries: str) -> bool:
    """``glob`` matches whatever matches ``entries`` (``*``, ``**``; ``*.gem`` for ``*.gem``)."""
    return not glob.strip("*") or glob == entries


def _comparable(path: str, homes: bool) -> str:
    path = _BRACED.sub(r"$\1", path)
    path = normalize(path) if path.startswith("/") else path.rstrip("/")
    return home_relative(path) if homes else path
