"""Variable expansion with BuildKit's semantics, the one expander every reader of words uses.

``$NAME``, ``${NAME}``, ``${NAME:-default}``, ``${NAME:+alt}``, ``${NAME?err}``, ``${NAME#pat}``,
``${NAME%pat}``, ``${NAME/pat/rep}``, quotes and the file's escape character, as BuildKit's
shell lexer reads them (:mod:`dockerlens.syntax.lexer`). A variable of unknown value (set by the
base image, or by a script in a way that cannot be followed) is kept as written. What a name
nobody defined becomes depends on who reads the word: BuildKit expands it to nothing (the
default); a reader of shell words that cannot see every definition (a ``cd`` target, a path an
``rm`` names) keeps it as written (``keep_unset``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from dockerlens.syntax.lexer import Lexer, LexError

if TYPE_CHECKING:
    from dockerlens.model import Variable

#: A ``$NAME`` or ``${NAME}`` reference (group 1 or 2: the name).
SIMPLE_REFERENCE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
#: A reference to a variable or the output of a command, as it appears in a word.
REFERENCE = re.compile(
    r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\$[0-9@*#?$!-]|\$\((?:[^()]|\([^()]*\))*\)|`[^`]*`"
)
#: Values a boolean setting (``PIP_NO_CACHE_DIR``, ``UV_NO_CACHE``) counts as true, lower case.
TRUTHY = frozenset({"1", "true", "on", "yes"})

_LEXERS = {
    (escape, keep): Lexer(escape, skip_unset_env=keep) for escape in "\\`" for keep in (False, True)
}


def stand_in(text: str, value: str) -> str:
    """``text`` with every unknown value replaced by ``value`` (``pkg-${V}`` -> ``pkg-0``)."""
    return REFERENCE.sub(value, text)


def is_truthy(value: str | None) -> bool:
    """A setting's value that means "on": 1, true, on, yes, in any case."""
    return value is not None and value.lower() in TRUTHY


def expand_word(
    word: str, scope: Mapping[str, Variable], escape: str = "\\", *, keep_unset: bool = False
) -> tuple[str, set[str], set[str]]:
    """``word`` as BuildKit expands it in ``scope``: the text, names found, names not found.

    A variable of unknown value is kept as written; so is a name not in ``scope`` when
    ``keep_unset`` (else it expands to nothing, as in BuildKit). A word BuildKit's lexer
    rejects is returned unchanged.
    """
    # Nothing to expand or unquote: most words (a leading byte-order mark the lexer drops).
    plain = "$" not in word and "'" not in word and '"' not in word and escape not in word
    if plain and not word.startswith("\ufeff"):
        return word, set(), set()
    if "'" not in word and '"' not in word and escape not in word and word.isascii():
        references = SIMPLE_REFERENCE.findall(word)
        if len(references) == word.count("$"):
            return _expand_simple(word, scope, keep_unset)  # only $NAME and ${NAME}: most
    env = {name: variable.value for name, variable in scope.items()}
    lexer = _LEXERS.get((escape, keep_unset)) or Lexer(escape, skip_unset_env=keep_unset)
    try:
        result = lexer.process_word(word, env)
    except LexError:
        return word, set(), set()
    return result.result, result.matched, result.unmatched


def _expand_simple(
    word: str, scope: Mapping[str, Variable], keep_unset: bool
) -> tuple[str, set[str], set[str]]:
    """What the lexer makes of an ASCII word whose every ``$`` starts ``$NAME`` or ``${NAME}``,
    without quotes or escapes: a known value replaces the reference, an unknown value keeps it
    as written, a name nobody defined expands to nothing (or stays, with ``keep_unset``)."""
    matched: set[str] = set()
    unmatched: set[str] = set()

    def value(reference: re.Match[str]) -> str:
        name = reference.group(1) or reference.group(2)
        variable = scope.get(name)
        if variable is None:
            unmatched.add(name)
            return reference.group(0) if keep_unset else ""
        matched.add(name)
        return reference.group(0) if variable.value is None else variable.value

    return SIMPLE_REFERENCE.sub(value, word), matched, unmatched


def expand_known(word: str, scope: Mapping[str, Variable], escape: str = "\\") -> str:
    """``word`` with the variables of known value in ``scope`` replaced; every other reference
    (a name of unknown value, or one ``scope`` does not hold) is kept as written."""
    if "$" not in word:
        return word
    return expand_word(word, scope, escape, keep_unset=True)[0]
