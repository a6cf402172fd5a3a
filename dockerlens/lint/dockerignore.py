"""``.dockerignore`` files: finding them, reading them, and matching paths the way Docker does.

Written from the behaviour of ``github.com/moby/patternmatcher`` (the matcher BuildKit and the
Docker CLI use) and its ``ignorefile`` reader:

* a line starting with ``#`` is a comment (only in the first column); other lines are trimmed,
  cleaned like Go's ``filepath.Clean`` and lose one leading ``/``; blank lines are skipped;
* ``!pattern`` re-includes what an earlier pattern excluded; the last matching pattern wins;
* ``*`` and ``?`` never cross a ``/``; ``**`` crosses any number of directories (``**/x``
  also matches ``x``); ``[...]`` is a character class; ``\\`` escapes the next character;
* a path is excluded when it, or any of its parent directories, matches.

The public API::

    patterns = load(path)                       # the patterns of an ignore file
    matcher = PatternMatcher(patterns)          # ValueError for a malformed pattern
    matcher.matches("docs/readme.md")           # excluded from the build context?
    matcher.exclusions                          # has any `!` pattern
    find("path/to/Dockerfile")                  # which ignore file a build would read
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from dockerlens.paths import clean

__all__ = [
    "Pattern",
    "PatternMatcher",
    "clean",
    "find",
    "load",
    "matches",
    "read",
]

DEFAULT_NAME = ".dockerignore"
#: Characters escaped when a pattern becomes a regular expression (Go's set, minus the ones
#: that mean something in a file pattern).
_REGEX_SPECIAL = frozenset(".+()|{}$")


def _dir(path: str) -> str:
    """Go's ``path.Dir``."""
    return clean(path[: path.rfind("/") + 1])


def read(text: str) -> list[str]:
    """The patterns of an ignore file's text, as ``ignorefile.ReadAll`` returns them."""
    patterns: list[str] = []
    for number, line in enumerate(text.split("\n")):
        if number == 0:
            line = line.removeprefix("\ufeff")
        line = line.removesuffix("\r")
        if line.startswith("#"):
            continue
        pattern = line.strip()
        if not pattern:
            continue
        invert = pattern.startswith("!")
        if invert:
            pattern = pattern[1:].strip()
        if pattern:
            pattern = clean(pattern)
            if len(pattern) > 1 and pattern.startswith("/"):
                pattern = pattern[1:]
        patterns.append("!" + pattern if invert else pattern)
    return patterns


def load(path: str | Path) -> list[str]:
    """The patterns of the ignore file at ``path`` (OSError when it cannot be read)."""
    data = Path(path).read_bytes()
    return read(data.decode("utf-8", errors="surrogateescape"))


def find(dockerfile: str | Path, context: str | Path | None = None) -> Path | None:
    """The ignore file a build of ``dockerfile`` reads, or None.

    BuildKit first looks for ``<Dockerfile name>.dockerignore`` next to the Dockerfile, then for
    ``.dockerignore`` at the root of the build context (by default the Dockerfile's directory).
    """
    dockerfile = Path(dockerfile)
    beside = dockerfile.with_name(dockerfile.name + DEFAULT_NAME)
    root = Path(context) if context is not None else dockerfile.parent
    for candidate in (beside, root / DEFAULT_NAME):
        if candidate.is_file():
            return candidate
    return None


class Pattern:
    """One cleaned pattern: ``text`` without its ``!``."""

    # A plain class: a dataclass costs about a millisecond to make, at every start.
    def __init__(self, text: str, exclusion: bool = False) -> None:
        self.text = text
        self.exclusion = exclusion
        self._kind = ""
        self._regex: re.Pattern[str] | None = None
        _validate(self.text)
        self._compile()

    def __str__(self) -> str:
        return self.text

    @property
    def dirs(self) -> list[str]:
        return self.text.split("/")

    def match(self, path: str) -> bool:
        """Whether the pattern matches ``path`` itself (not its parents)."""
        kind = self._kind
        if kind == "exact":
            return path == self.text
        if kind == "prefix":
            return path.startswith(self.text[:-2])
        if kind == "suffix":
            suffix = self.text[2:]
            if path.endswith(suffix):
                return True
            return suffix.startswith("/") and path == suffix[1:]
        assert self._regex is not None
        return self._regex.match(path) is not None

    def _compile(self) -> None:
        regex = ["^"]
        kind = "exact"
        text = self.text
        pos = 0
        index = 0
        while pos < len(text):
            ch = text[pos]
            pos += 1
            if ch == "*":
                if pos < len(text) and text[pos] == "*":
                    pos += 1
                    if pos < len(text) and text[pos] == "/":
                        pos += 1
                    if pos >= len(text):
                        if kind == "exact":
                            kind = "prefix"
                        else:
                            regex.append(".*")
                            kind = "regex"
                    else:
                        regex.append("(.*/)?")
                        kind = "regex"
                    if index == 0:
                        kind = "suffix"
                else:
                    regex.append("[^/]*")
                    kind = "regex"
            elif ch == "?":
                regex.append("[^/]")
                kind = "regex"
            elif ch in _REGEX_SPECIAL:
                regex.append("\\" + ch)
            elif ch == "\\":
                if pos < len(text):
                    regex.append("\\" + text[pos])
                    pos += 1
                    kind = "regex"
                else:
                    regex.append("\\\\")
            elif ch in "[]":
                regex.append(ch)
                kind = "regex"
            else:
                regex.append(ch)
            index += 1
        self._kind = kind
        if kind == "regex":
            regex.append(r"\Z")
            try:
                self._regex = re.compile("".join(regex))
            except re.error as err:
                raise ValueError(f"bad .dockerignore pattern {self.text!r}: {err}") from None


def _validate(pattern: str) -> None:
    """Reject what Go's ``filepath.Match`` calls a bad pattern (an unclosed ``[``, a trailing
    ``\\``, an empty or reversed class range)."""
    pos = 0
    n = len(pattern)
    while pos < n:
        ch = pattern[pos]
        if ch == "\\":
            if pos + 1 >= n:
                raise ValueError(f"bad .dockerignore pattern {pattern!r}: trailing backslash")
            pos += 2
            continue
        if ch == "[":
            pos += 1
            if pos < n and pattern[pos] == "^":
                pos += 1
            first = True
            while True:
                if pos >= n:
                    raise ValueError(f"bad .dockerignore pattern {pattern!r}: unclosed [")
                if pattern[pos] == "]" and not first:
                    pos += 1
                    break
                low, pos = _class_char(pattern, pos)
                if pos < n and pattern[pos] == "-":
                    high, pos = _class_char(pattern, pos + 1)
                    if high < low:
                        raise ValueError(f"bad .dockerignore pattern {pattern!r}: bad range")
                first = False
            continue
        pos += 1


def _class_char(pattern: str, pos: int) -> tuple[str, int]:
    n = len(pattern)
    if pos >= n or pattern[pos] in "-]":
        raise ValueError(f"bad .dockerignore pattern {pattern!r}: bad character class")
    if pattern[pos] == "\\":
        pos += 1
        if pos >= n:
            raise ValueError(f"bad .dockerignore pattern {pattern!r}: trailing backslash")
    return pattern[pos], pos + 1


class PatternMatcher:
    """Patterns of one ignore file, matched as ``PatternMatcher.MatchesOrParentMatches``."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns: list[Pattern] = []
        self.exclusions = False
        for raw in patterns:
            text = raw.strip()
            if not text:
                continue
            text = clean(text)
            exclusion = text.startswith("!")
            if exclusion:
                if len(text) == 1:
                    raise ValueError('illegal exclusion pattern: "!"')
                text = text[1:]
                self.exclusions = True
            self.patterns.append(Pattern(text, exclusion))

    @classmethod
    def from_file(cls, path: str | Path) -> PatternMatcher:
        return cls(load(path))

    def matches(self, path: str) -> bool:
        """Whether ``path`` (slash-separated, relative to the context) is excluded."""
        matched = False
        parent = _dir(path)
        parent_dirs = parent.split("/")
        for pattern in self.patterns:
            # An inclusion cannot change a match, an exclusion cannot change a non-match.
            if pattern.exclusion != matched:
                continue
            hit = pattern.match(path)
            if not hit and parent != ".":
                for depth in range(1, len(parent_dirs) + 1):
                    if pattern.match("/".join(parent_dirs[:depth])):
                        hit = True
                        break
            if hit:
                matched = not pattern.exclusion
        return matched


def matches(path: str, patterns: Iterable[str]) -> bool:
    """Whether ``path`` is excluded by ``patterns``; the context root itself never is."""
    path = clean(path)
    if path == ".":
        return False
    return PatternMatcher(patterns).matches(path)


#: Folders above the Dockerfile's looked at for its build context, at most.
CONTEXT_LEVELS = 6


def ignore_file_above(context: Path) -> Path | None:
    """The nearest folder above ``context``, up to the repository root (a folder holding
    ``.git``) or the working directory, that holds a ``.dockerignore``: a sign the Dockerfile
    may be built from there instead."""
    for parent in folders_above(context):
        if (parent / ".dockerignore").is_file():
            return parent
    return None


def folders_above(folder: Path, *, include_self: bool = False) -> Iterator[Path]:
    """The folders above ``folder`` (and ``folder`` first, with ``include_self``) a build of a
    Dockerfile in it may start from: up to :data:`CONTEXT_LEVELS` of them, ending at the
    repository root (a folder holding ``.git``) or the working directory."""
    here = Path.cwd().resolve()
    start = folder.resolve()
    if include_self:
        yield start
        if (start / ".git").exists() or start == here:
            return
    for level, parent in enumerate(start.parents):
        if level >= CONTEXT_LEVELS:
            return
        yield parent
        if (parent / ".git").exists() or parent == here:
            return


def file_stamps(paths: Iterable[Path]) -> list[str]:
    """The path, size and modification time of each existing file among ``paths``: what the
    lint cache keys on for files around a Dockerfile that rules read."""
    out = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            continue
        out.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    return out
