"""Close names, for "did you mean ...?" hints."""

from __future__ import annotations

from collections.abc import Iterable


def levenshtein(a: str, b: str) -> int:
    """Edit distance: insertions, deletions and substitutions each cost 1."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def suggest(name: str, options: Iterable[str]) -> str:
    """BuildKit's ``suggest.Search`` (case-sensitive): the first option at the smallest edit
    distance below 3, or "" (also when ``name`` itself is an option)."""
    match = ""
    best = 3
    for option in options:
        if option == name:
            return ""
        distance = levenshtein(name, option)
        if distance < best:
            match, best = option, distance
    return match
