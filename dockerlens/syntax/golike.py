"""Go's notions of white space, as BuildKit's parser uses them.

Python's ``str.isspace`` and ``\\s`` disagree with Go's ``unicode.IsSpace`` and RE2's ``\\s``
(Python counts U+001C..U+001F; RE2's ``\\s`` leaves out ``\\v``), and a parser that is to agree
with BuildKit byte for byte has to use Go's definitions.
"""

from __future__ import annotations

import re

#: ``unicode.IsSpace``: Latin-1 spaces plus the Unicode White_Space property.
GO_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)

#: BuildKit's ``reWhitespace``: ``[\t\v\f\r ]+``.
RE_WHITESPACE = re.compile(r"[\t\v\f\r ]+")


def is_space(ch: str) -> bool:
    return ch in GO_SPACE


GO_SPACE_CHARS = "".join(sorted(GO_SPACE))


def trim_left_space(text: str) -> str:
    return text.lstrip(GO_SPACE_CHARS)


def trim_space(text: str) -> str:
    """``strings.TrimSpace``."""
    return text.strip(GO_SPACE_CHARS)


def split_whitespace(text: str, limit: int = -1) -> list[str]:
    """``reWhitespace.Split(text, limit)`` with Go's semantics (``limit`` -1 means all)."""
    if text == "":
        return [""] if limit != 0 else []
    if limit < 0:
        return RE_WHITESPACE.split(text)
    return RE_WHITESPACE.split(text, maxsplit=limit - 1)


def latin1_view(text: str) -> str:
    """The string as Go sees it when it indexes bytes and converts each one to a rune.

    ``extractBuilderFlags`` and ``parseHealthConfig`` walk the line byte by byte, so a non-ASCII
    character in a flag comes out as its UTF-8 bytes read as Latin-1, and the byte 0x85 or 0xA0 of a
    multi-byte character counts as white space there.
    """
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


def from_latin1_view(text: str) -> str:
    """The inverse of :func:`latin1_view` for a slice of the original string."""
    if text.isascii():
        return text
    return text.encode("latin-1").decode("utf-8", "surrogateescape")


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_GO_ESCAPES.update({"\v": "\\v", "\\": "\\\\", '"': '\\"'})


def go_quote(text: str) -> str:
    """``strconv.Quote``, which BuildKit's ``%q`` messages use."""
    out = ['"']
    for ch in text:
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)
