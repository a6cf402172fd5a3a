"""BuildKit's shell-word lexer: quotes, escapes and ``$VAR`` / ``${VAR...}`` expansion.

BuildKit uses one small lexer (``frontend/dockerfile/shell/lex.go``) both to find heredoc words in
an instruction and to expand variables in the arguments of ARG, ENV, FROM, COPY, WORKDIR... This is
that lexer, so that the value dockerlens says an instruction sees is the value BuildKit gives it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from dockerlens.syntax.golike import GO_SPACE, GO_SPACE_CHARS, is_space


class LexError(ValueError):
    """A word BuildKit's lexer rejects (an unclosed quote, a bad ``${...}``)."""


_SPECIAL_PARAMS = frozenset("@*#?-$!0")
#: A variable name, as far as it is ASCII (the rest is read character by character).
_ASCII_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@functools.cache
def _plain_run(escape: str, stop: str) -> re.Pattern[str]:
    """Characters that only add themselves to the current word: taken a run at a time."""
    special = "$<'\"" + escape + stop + GO_SPACE_CHARS
    return re.compile(f"[^{re.escape(special)}]+")


@functools.cache
def _plain_quoted(escape: str) -> re.Pattern[str]:
    """Characters inside double quotes that stand for themselves."""
    special = '"$' + escape
    return re.compile(f"[^{re.escape(special)}]+")


class LexResult:
    # A plain class: a dataclass costs about a millisecond to make, at every start.
    def __init__(
        self, result: str, words: list[str], matched: set[str], unmatched: set[str]
    ) -> None:
        self.result = result
        self.words = words
        self.matched = matched
        self.unmatched = unmatched


class _Words:
    __slots__ = ("buf", "in_word", "words")

    def __init__(self) -> None:
        self.buf: list[str] = []
        self.words: list[str] = []
        self.in_word = False

    def add_char(self, ch: str) -> None:
        if is_space(ch):
            if self.in_word and self.buf:
                self.words.append("".join(self.buf))
                self.buf = []
                self.in_word = False
        else:
            self.add_raw_char(ch)

    def add_raw_char(self, ch: str) -> None:
        self.buf.append(ch)
        self.in_word = True

    def add_string(self, text: str) -> None:
        if text and GO_SPACE.isdisjoint(text):
            self.add_raw_string(text)  # no space to split on: most values
            return
        for ch in text:
            self.add_char(ch)

    def add_raw_string(self, text: str) -> None:
        self.buf.append(text)
        self.in_word = True

    def get_words(self) -> list[str]:
        if self.buf:
            joined = "".join(self.buf)
            if joined:
                self.words.append(joined)
            self.buf = []
            self.in_word = False
        return self.words


class Lexer:
    """One lexer configuration; :meth:`process_word` and :meth:`process_words` are the entries."""

    def __init__(
        self,
        escape_token: str = "\\",
        *,
        raw_quotes: bool = False,
        raw_escapes: bool = False,
        skip_unset_env: bool = False,
        skip_process_quotes: bool = False,
        heredoc_aware: bool = True,
    ) -> None:
        self.escape_token = escape_token
        self.raw_quotes = raw_quotes
        self.raw_escapes = raw_escapes
        self.skip_unset_env = skip_unset_env
        self.skip_process_quotes = skip_process_quotes
        # BuildKit >= 0.13 reads ``<<`` and the blanks after it as one token (``<< EOF``).
        self.heredoc_aware = heredoc_aware

    def process_word(self, word: str, env: Mapping[str, str | None] | None = None) -> LexResult:
        """Expand ``word``; a name mapped to None is known but of unknown value: kept as written."""
        return _Scan(self, word, env or {}).run()

    def process_words(self, word: str, env: Mapping[str, str | None] | None = None) -> list[str]:
        return _Scan(self, word, env or {}).run().words


class _Scan:
    def __init__(self, lexer: Lexer, text: str, env: Mapping[str, str | None]) -> None:
        self.lx = lexer
        self.text = text
        # Go's text/scanner, which BuildKit's lexer reads each word with, skips a byte-order
        # mark at its start.
        self.pos = 1 if text.startswith("\ufeff") else 0
        self.env = env
        self.raw_escapes = lexer.raw_escapes
        self.matched: set[str] = set()
        self.unmatched: set[str] = set()
        self.keep_verbatim = lexer.skip_unset_env

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def next(self) -> str:
        if self.pos < len(self.text):
            ch = self.text[self.pos]
            self.pos += 1
            return ch
        return ""

    def run(self) -> LexResult:
        result, words = self._stop_on("")  # self.raw_escapes is the lexer's already
        return LexResult(result, words, self.matched, self.unmatched)

    def stop_on(self, stop: str, raw_escapes: bool) -> tuple[str, list[str]]:
        saved = self.raw_escapes
        self.raw_escapes = raw_escapes
        try:
            return self._stop_on(stop)
        finally:
            self.raw_escapes = saved

    def _stop_on(self, stop: str) -> tuple[str, list[str]]:
        result: list[str] = []
        words = _Words()
        esc = self.lx.escape_token
        quotes = not self.lx.skip_process_quotes
        plain = _plain_run(esc, stop)
        while self.pos < len(self.text):
            ch = self.peek()
            if stop and ch == stop:
                self.next()
                return "".join(result), words.get_words()
            if ch == "$":
                tmp = self.dollar()
                result.append(tmp)
                words.add_string(tmp)
            elif ch == "<" and self.lx.heredoc_aware:
                tmp = self.possible_heredoc()
                result.append(tmp)
                words.add_raw_string(tmp)
            elif quotes and ch == "'":
                tmp = self.single_quote()
                result.append(tmp)
                words.add_raw_string(tmp)
            elif quotes and ch == '"':
                tmp = self.double_quote()
                result.append(tmp)
                words.add_raw_string(tmp)
            else:
                run = plain.match(self.text, self.pos)
                if run is not None:
                    self.pos = run.end()
                    words.add_raw_string(run.group())
                    result.append(run.group())
                    continue
                ch = self.next()
                if ch == esc:
                    if self.raw_escapes:
                        words.add_raw_char(ch)
                        result.append(ch)
                    ch = self.next()
                    if ch == "":
                        break
                    words.add_raw_char(ch)
                else:
                    words.add_char(ch)
                result.append(ch)
        if stop:
            raise LexError(f"unexpected end of statement while looking for matching {stop}")
        return "".join(result), words.get_words()

    def single_quote(self) -> str:
        start = self.pos
        end = self.text.find("'", start + 1)
        if end < 0:
            self.pos = len(self.text)
            raise LexError("unexpected end of statement while looking for matching single-quote")
        self.pos = end + 1
        if self.lx.raw_quotes:
            return self.text[start : end + 1]
        return self.text[start + 1 : end]

    def double_quote(self) -> str:
        esc = self.lx.escape_token
        end = self.text.find('"', self.pos + 1)
        if end > 0:
            inside = self.text[self.pos + 1 : end]
            if "$" not in inside and esc not in inside:
                # Nothing to expand or unescape before the closing quote: what the loop gives.
                start = self.pos
                self.pos = end + 1
                return self.text[start : end + 1] if self.lx.raw_quotes else inside
        out: list[str] = []
        ch = self.next()
        if self.lx.raw_quotes:
            out.append(ch)
        plain = _plain_quoted(esc)
        while True:
            run = plain.match(self.text, self.pos)
            if run is not None:
                self.pos = run.end()
                out.append(run.group())
            nxt = self.peek()
            if nxt == "":
                raise LexError(
                    "unexpected end of statement while looking for matching double-quote"
                )
            if nxt == '"':
                ch = self.next()
                if self.lx.raw_quotes:
                    out.append(ch)
                return "".join(out)
            if nxt == "$":
                out.append(self.dollar())
                continue
            ch = self.next()
            if ch == esc:
                if self.raw_escapes:
                    out.append(ch)
                following = self.peek()
                if following == "":
                    continue
                if following in ('"', "$", esc):
                    ch = self.next()
            out.append(ch)

    def possible_heredoc(self) -> str:
        self.next()
        if self.peek() != "<":
            return "<"
        self.next()
        space: list[str] = []
        while self.peek() in (" ", "\t", "\r"):
            space.append(self.next())
        return "<<" + "".join(space)

    def name(self) -> str:
        ascii_name = _ASCII_NAME.match(self.text, self.pos)
        if ascii_name is not None:
            end = ascii_name.end()
            if end == len(self.text) or self.text[end].isascii():
                self.pos = end
                return ascii_name.group()
        out: list[str] = []
        while self.pos < len(self.text):
            ch = self.peek()
            if not out and _is_go_digit(ch):
                while self.pos < len(self.text) and _is_go_digit(self.peek()):
                    out.append(self.next())
                return "".join(out)
            if not out and ch in _SPECIAL_PARAMS:
                return self.next()
            if not (_is_go_letter(ch) or _is_go_digit(ch) or ch == "_"):
                break
            out.append(self.next())
        return "".join(out)

    def get_env(self, name: str) -> tuple[str, bool]:
        self.keep_verbatim = self.lx.skip_unset_env
        if name in self.env:
            self.matched.add(name)
            value = self.env[name]
            if value is None:
                self.keep_verbatim = True
                return "", False
            return value, True
        self.unmatched.add(name)
        return "", False

    def dollar(self) -> str:
        self.next()
        if self.peek() != "{":
            name = self.name()
            if name == "":
                return "$"
            value, found = self.get_env(name)
            if not found and self.keep_verbatim:
                return "$" + name
            return value

        self.next()
        if self.peek() == "":
            raise LexError("syntax error: missing '}'")
        if self.peek() in ("{", "}", ":"):
            raise LexError("syntax error: bad substitution")
        name = self.name()
        ch = self.next()
        chs = ch or "\ufffd"
        null_is_unset = False
        if ch == "}":
            value, found = self.get_env(name)
            if not found and self.keep_verbatim:
                return "${" + name + "}"
            return value
        if ch == "/":
            return self._replace(name)
        if ch == ":":
            # Go falls through to the modifier case whatever character follows the colon.
            null_is_unset = True
            ch = self.next()
            chs += ch or "\ufffd"
        elif ch not in ("+", "-", "?", "#", "%"):
            raise LexError(f"unsupported modifier ({chs}) in substitution")
        raw = ch in ("#", "%")
        if null_is_unset and raw:
            raise LexError(f"unsupported modifier ({chs}) in substitution")
        try:
            word, _ = self.stop_on("}", raw)
        except LexError:
            if self.peek() == "":
                raise LexError("syntax error: missing '}'") from None
            raise
        value, is_set = self.get_env(name)
        if self.keep_verbatim and not is_set:
            return "${" + name + chs + word + "}"
        if ch == "-":
            return word if (not is_set or (null_is_unset and value == "")) else value
        if ch == "+":
            return "" if (not is_set or (null_is_unset and value == "")) else word
        if ch == "?":
            if not is_set:
                raise LexError(f"{name}: {word or 'is not allowed to be unset'}")
            if null_is_unset and value == "":
                raise LexError(f"{name}: {word or 'is not allowed to be empty'}")
            return value
        if ch not in ("#", "%"):
            raise LexError(f"unsupported modifier ({chs}) in substitution")
        greedy = bool(word) and word[0] == ch
        if greedy:
            word = word[1:]
        if ch == "%":
            return _trim_suffix(word, value, greedy)
        return _trim_prefix(word, value, greedy)

    def _replace(self, name: str) -> str:
        replace_all = self.peek() == "/"
        if replace_all:
            self.next()
        try:
            pattern, _ = self.stop_on("/", True)
        except LexError:
            if self.peek() == "":
                raise LexError("syntax error: missing '/' in ${}") from None
            raise
        try:
            replacement, _ = self.stop_on("}", True)
        except LexError:
            if self.peek() == "":
                raise LexError("syntax error: missing '}'") from None
            raise
        value, is_set = self.get_env(name)
        if self.keep_verbatim and not is_set:
            return "${" + name + "/" + pattern + "/" + replacement + "}"
        regex = _shell_pattern_to_regex(pattern, greedy=True, anchored=False)
        if replace_all:
            return regex.sub(lambda _m: replacement, value)
        return regex.sub(lambda _m: replacement, value, count=1)


def _is_go_digit(ch: str) -> bool:
    return ch.isdecimal()


def _is_go_letter(ch: str) -> bool:
    return ch.isalpha()


def _shell_pattern_to_regex(pattern: str, *, greedy: bool, anchored: bool) -> re.Pattern[str]:
    out = ["^"] if anchored else []
    star = ".*" if greedy else ".*?"
    i = 0
    while i < len(pattern):
        tok = pattern[i]
        i += 1
        if tok == "*":
            out.append(star)
        elif tok == "?":
            out.append(".")
        elif tok == "\\":
            if i < len(pattern) and pattern[i] in "}/":
                continue
            nxt = pattern[i] if i < len(pattern) else ""
            i += 1
            if nxt not in ("*", "?", "\\"):
                raise LexError(
                    f"invalid pattern ({pattern}) in substitution: invalid escape '\\{nxt}'"
                )
            out.append(re.escape(nxt))
        else:
            out.append(re.escape(tok))
    return re.compile("".join(out), re.DOTALL)


def _reverse_pattern(pattern: str) -> str:
    chars = list(pattern)
    out = [""] * len(chars)
    last = len(chars) - 1
    i = 0
    while i <= last:
        tok = chars[i]
        j = last - i
        if tok == "\\" and i != last:
            out[j - 1] = tok
            out[j] = chars[i + 1]
            i += 2
        else:
            out[j] = tok
            i += 1
    return "".join(out)


def _trim_prefix(pattern: str, value: str, greedy: bool) -> str:
    match = _shell_pattern_to_regex(pattern, greedy=greedy, anchored=True).search(value)
    return value[match.end() :] if match else value


def _trim_suffix(pattern: str, value: str, greedy: bool) -> str:
    return _trim_prefix(_reverse_pattern(pattern), value[::-1], greedy)[::-1]
