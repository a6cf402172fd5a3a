"""A Dockerfile parser with BuildKit's semantics, written from BuildKit's own parser.

``frontend/dockerfile/parser`` in moby/buildkit is the reference: line scanning, parser directives,
the escape character, continuations (with comments and blank lines inside them), heredocs, the
per-instruction argument parsers and the flag extractor are ported rule for rule, so that the
instructions dockerlens reads are the ones ``docker build`` runs. Where BuildKit changed its
behaviour between releases, :class:`Dialect` names the release whose behaviour to follow.
"""

from __future__ import annotations

import enum
import functools
import json
import re
from collections.abc import Iterator
from typing import NamedTuple

from dockerlens.lazyre import LazyPattern
from dockerlens.syntax.golike import (
    GO_SPACE_CHARS,
    from_latin1_view,
    go_quote,
    is_space,
    latin1_view,
    split_whitespace,
    trim_left_space,
    trim_space,
)
from dockerlens.syntax.lexer import Lexer, LexError

#: bufio.Scanner's limit: BuildKit stops at a line longer than this many bytes.
MAX_LINE_BYTES = 64 * 1024


class Dialect(enum.Enum):
    """The BuildKit release whose parser to follow where releases differ.

    ``CURRENT`` (BuildKit >= 0.13, what Docker ships today) differs from ``V0_12`` (the release
    wrapped by the ``dockerfile`` package on PyPI) in three places: ``<< EOF`` with blanks after
    the ``<<`` is a heredoc; JSON form must be a whole JSON array with nothing after it
    (``CMD ["a"] b`` is shell form); ``# check=`` is a parser directive; and the escape directive
    applies inside ``--flags`` too (0.12 always used a backslash there).
    """

    CURRENT = "current"
    V0_12 = "0.12"


class Heredoc(NamedTuple):
    name: str
    content: str
    file_descriptor: int = 0
    expand: bool = True
    chomp: bool = False

    def body(self) -> str:
        """The content as the build sees it: leading tabs removed for ``<<-``."""
        if self.chomp:
            return re.sub(r"(?m)^\t+", "", self.content)
        return self.content


class Instruction(NamedTuple):
    """One instruction, with the fields of BuildKit's AST node.

    ``cmd`` keeps the keyword as written (BuildKit does); :attr:`keyword` is its upper-case form.
    For ONBUILD, ``sub_cmd``, ``json`` and ``value`` describe the instruction it wraps, ``flags``
    are ONBUILD's own and ``sub_flags`` the wrapped instruction's.
    """

    cmd: str
    value: tuple[str, ...]
    start_line: int
    end_line: int
    original: str
    flags: tuple[str, ...] = ()
    json: bool = False
    sub_cmd: str | None = None
    sub_flags: tuple[str, ...] = ()
    heredocs: tuple[Heredoc, ...] = ()
    #: For ENV and LABEL: (key, value, separator) with separator "=" or "" for ``ENV key value``.
    pairs: tuple[tuple[str, str, str], ...] = ()
    #: The ``# comment`` lines directly above the instruction.
    comments: tuple[str, ...] = ()

    @property
    def keyword(self) -> str:
        return self.cmd.upper()

    @property
    def effective_keyword(self) -> str:
        """The keyword that runs: for ``ONBUILD RUN ...``, RUN."""
        if self.sub_cmd is not None:
            return self.sub_cmd.upper()
        return self.keyword

    def to_dict(self) -> dict[str, object]:
        return {
            "cmd": self.cmd,
            "sub_cmd": self.sub_cmd,
            "json": self.json,
            "flags": list(self.flags),
            "value": list(self.value),
            "start_line": self.start_line,
            "end_line": self.end_line,
            "heredocs": [{"name": h.name, "content": h.content} for h in self.heredocs],
            "original": self.original,
            "sub_flags": list(self.sub_flags),
        }


class ParseError(NamedTuple):
    line: int
    message: str
    end_line: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {"line": self.line, "message": self.message}


class Directive(NamedTuple):
    name: str
    value: str
    line: int


class Warning_(NamedTuple):
    line: int
    message: str


class ParseResult:
    # A plain class (and named tuples above): a dataclass costs about a millisecond to make,
    # at every start.
    def __init__(self, instructions: list[Instruction]) -> None:
        self.instructions = instructions
        self.error: ParseError | None = None
        self.escape_token = "\\"
        self.directives: dict[str, Directive] = {}
        self.warnings: list[Warning_] = []


class _Error(Exception):
    def __init__(self, message: str, line: int, end_line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.end_line = end_line


class _NotStringArray(Exception):
    pass


_HEREDOC_INSTRUCTIONS = frozenset({"add", "copy", "run"})
_DIRECTIVE_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*\Z")
_HEREDOC_WORD = {
    Dialect.CURRENT: LazyPattern(r"^(\d*)<<(-?)[\t\n\f\r ]*([^<]*)\Z"),
    Dialect.V0_12: LazyPattern(r"^(\d*)<<(-?)([^<]*)\Z"),
}


_VALID_DIRECTIVES = {
    Dialect.CURRENT: frozenset({"syntax", "escape", "check"}),
    Dialect.V0_12: frozenset({"syntax", "escape"}),
}


class _Directives:
    def __init__(self, dialect: Dialect) -> None:
        self.valid = _VALID_DIRECTIVES[dialect]
        self.done = False
        self.line = 0
        self.seen: dict[str, Directive] = {}
        self.escape = "\\"

    def possible(self, line: str) -> bool:
        self.line += 1
        if self.done:
            return False
        if not line.startswith("#"):
            self.done = True
            return False
        match = _DIRECTIVE_RE.match(trim_left_space(line[1:]))
        if match is None:
            self.done = True
            return False
        name = match.group(1).lower()
        if name not in self.valid:
            self.done = True
            return False
        if name in self.seen:
            raise _Error(f"only one {name} parser directive can be used", self.line)
        value = match.group(2)
        self.seen[name] = Directive(name, value, self.line)
        if name == "escape":
            if value not in ("`", "\\"):
                raise _Error(f"invalid escape token '{value}' does not match ` or \\", self.line)
            self.escape = value
        return True


def _trim_newline(line: str) -> str:
    return line.rstrip("\r\n")


def _trim_continuation(line: str, escape: str) -> tuple[str, bool]:
    """BuildKit's ``trimContinuationCharacter``: the line without a continuation, and whether
    the instruction ends there.

    BuildKit replaces ``([^E])E[ \\t]*$|^E[ \\t]*$`` (E the escape character) by ``$1``: an
    escape character that only blanks follow ends the line unless another one precedes it.
    """
    trimmed = line.rstrip(" \t")
    if not trimmed.endswith(escape) or trimmed[-2:-1] == escape:
        return line, True
    return trimmed[:-1], False


def source_lines(text: str) -> list[str]:
    """The file's lines as the parser numbers them, without their line ends: split at "\\n"
    only (``str.splitlines`` also splits at form feeds, U+2028..., which BuildKit does not)."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]


def parse(text: str, *, dialect: Dialect = Dialect.CURRENT) -> ParseResult:
    """Parse Dockerfile text. Never raises: a rejected file gives ``result.error``."""
    parser = _Parser(text, dialect)
    try:
        parser.run()
    except _Error as err:
        parser.result.error = ParseError(max(err.line, 1), err.message, err.end_line)
    parser.result.escape_token = parser.directives.escape
    parser.result.directives = parser.directives.seen
    return parser.result


class _Parser:
    def __init__(self, text: str, dialect: Dialect) -> None:
        # The lines without their "\n": all have one but the last, when the text ends without.
        self.lines = text.split("\n")
        if self.lines[-1] == "":
            self.lines.pop()
        self.last_line_ends = text.endswith("\n")
        self.dialect = dialect
        self.directives = _Directives(dialect)
        self.result = ParseResult(instructions=[])

    def _scan(self) -> Iterator[str]:
        """bufio.Scanner over the lines (without their "\\n"): it stops at a line too long."""
        if max(map(len, self.lines), default=0) * 4 + 1 <= MAX_LINE_BYTES:
            return iter(self.lines)  # no line can be too long (4 bytes a character at most)
        return self._scan_long_lines()

    def _scan_long_lines(self) -> Iterator[str]:
        last = len(self.lines)
        for number, line in enumerate(self.lines, 1):
            newline = 1 if number < last or self.last_line_ends else 0
            if len(line) * 4 + newline > MAX_LINE_BYTES and (
                len(line.encode("utf-8", "surrogateescape")) + newline > MAX_LINE_BYTES
            ):
                raise _Error(
                    f"dockerfile line greater than max allowed size of {MAX_LINE_BYTES - 1}",
                    number,
                )
            yield line

    def run(self) -> None:
        current_line = 0
        comments: list[str] = []
        instructions = self.result.instructions
        directives = self.directives
        scanner = self._scan()
        for token in scanner:
            if current_line == 0 and token.startswith("\ufeff"):
                token = token[1:]
            # processLine(d, token, true): the line without its end or leading blanks, which
            # the directive parser sees (until the first line that is no directive); a comment
            # becomes an empty line.
            line = token.rstrip("\r\n").lstrip(GO_SPACE_CHARS)  # trimNewline, trimLeadingWhitespace
            is_comment = line.startswith("#")
            if is_comment:
                comment = trim_space(line[1:])
                if comment == "":
                    comments = []
                else:
                    comments.append(comment)
            if not directives.done:
                try:
                    directive = directives.possible(line)
                except _Error as err:
                    raise _Error(err.message, current_line + 1) from None
                if directive:
                    comments.pop()
            current_line += 1
            if is_comment:
                continue
            start_line = current_line
            line, end_of_line = _trim_continuation(line, directives.escape)
            if end_of_line and line == "":
                continue
            empty_continuation = False
            if not end_of_line:
                parts = [line]
                # The first line was no comment, so the directives are done: processLine(d,
                # token, false) only trims the line end (and empties a comment, skipped anyway).
                for following in scanner:
                    current_line += 1
                    piece = following.rstrip("\r\n")  # trimNewline
                    stripped = piece.lstrip(GO_SPACE_CHARS)  # trimLeadingWhitespace
                    if stripped.startswith("#"):  # isComment
                        continue
                    if stripped == "":  # isEmptyContinuationLine
                        empty_continuation = True
                        continue
                    piece, end_of_line = _trim_continuation(piece, directives.escape)
                    parts.append(piece)
                    if end_of_line:
                        break
                line = "".join(parts)
            if empty_continuation:
                self.result.warnings.append(
                    Warning_(current_line, "Empty continuation line found in: " + line)
                )
            try:
                # Its lines as they are without heredocs (most instructions): set once.
                node = self._node_from_line(line, tuple(comments), start_line, current_line)
            except _Error as err:
                raise _Error(err.message, start_line, current_line) from None
            heredocs: list[Heredoc] = []
            content_lines: list[str] = []
            if _can_contain_heredoc(node) and "<<" in line:
                try:
                    found = self._heredocs_from_line(line)
                except LexError as err:
                    raise _Error(str(err), start_line, current_line) from None
                for doc in found:
                    body: list[str] = []
                    for token in scanner:
                        current_line += 1
                        candidate = _trim_newline(token)
                        if doc.chomp:
                            candidate = candidate.lstrip("\t")
                        if candidate == doc.name:
                            break
                        body.append(token)
                    else:
                        raise _Error("unterminated heredoc", start_line, current_line)
                    # Each line of the body had a "\n": a line follows it (the terminator).
                    content = "".join([token + "\n" for token in body])
                    heredocs.append(
                        Heredoc(doc.name, content, doc.file_descriptor, doc.expand, doc.chomp)
                    )
                    content_lines.append(content + doc.name + "\n")
            if heredocs:
                node = node._replace(
                    end_line=current_line,
                    original=line + "\n" + "".join(content_lines),
                    heredocs=tuple(heredocs),
                )
            instructions.append(node)
            comments = []
        if not instructions:
            raise _Error("file with no instructions", current_line)

    def _node_from_line(
        self,
        line: str,
        comments: tuple[str, ...],
        start_line: int = 0,
        end_line: int = 0,
        *,
        nested: bool = False,
    ) -> Instruction:
        cmd, flags, args = self._split_command(line)
        lower = cmd.lower()
        value: tuple[str, ...] = ()
        is_json = False
        sub_cmd: str | None = None
        sub_flags: tuple[str, ...] = ()
        pairs: tuple[tuple[str, str, str], ...] = ()
        if lower == "onbuild":
            if args != "":
                child = self._node_from_line(args, (), nested=True)
                if nested:
                    # ONBUILD ONBUILD: BuildKit nests a node that has no value of its own.
                    value = ("",)
                else:
                    sub_cmd, sub_flags, is_json = child.cmd, child.flags, child.json
                    value, pairs = child.value, child.pairs
        else:
            value, is_json, pairs = self._dispatch(lower, args)
        # The fields in order: a call with keywords costs three times as much, at every line.
        return Instruction(
            cmd,
            value,
            start_line,
            end_line,
            line,  # original
            flags,
            is_json,  # json
            sub_cmd,
            sub_flags,
            (),  # heredocs
            pairs,
            comments,
        )

    def _split_command(self, line: str) -> tuple[str, tuple[str, ...], str]:
        cmdline = split_whitespace(trim_space(line), 2)
        if len(cmdline) < 2:
            return cmdline[0], (), ""
        # BuildKit 0.12 escaped flags with a backslash whatever the escape directive said.
        flag_escape = "\\" if self.dialect is Dialect.V0_12 else self.directives.escape
        args, flags = _extract_builder_flags(cmdline[1], flag_escape)
        return cmdline[0], tuple(flags), trim_space(args)

    def _dispatch(
        self, lower: str, args: str
    ) -> tuple[tuple[str, ...], bool, tuple[tuple[str, str, str], ...]]:
        esc = self.directives.escape
        try:
            if lower in ("run", "cmd", "entrypoint", "shell"):
                values, is_json = self._maybe_json(args)
                return values, is_json, ()
            if lower in ("add", "copy", "volume"):
                parsed = self._json(args)
                if parsed is not None:
                    return parsed, True, ()
                return _whitespace_delimited(args), False, ()
            if lower in ("expose", "from"):
                return _whitespace_delimited(args), False, ()
            if lower in ("env", "label"):
                pairs = _name_val(args, lower.upper(), esc)
                flat: list[str] = []
                for key, val, _sep in pairs:
                    flat += [key, val]
                return tuple(flat), False, pairs
            if lower == "arg":
                return tuple(_parse_words(args, esc)), False, ()
            if lower in ("maintainer", "stopsignal", "user", "workdir"):
                return ((args,) if args else ()), False, ()
            if lower == "healthcheck":
                return self._health(args)
        except _NotStringArray:
            raise _Error(
                "when using JSON array syntax, arrays must be comprised of strings only", 0
            ) from None
        return ("",), False, ()

    def _json(self, rest: str) -> tuple[str, ...] | None:
        rest = trim_left_space(rest)
        if not rest.startswith("["):
            return None
        try:
            if self.dialect is Dialect.V0_12:
                data, _ = _JSON_DECODER.raw_decode(rest)
            else:
                data = _JSON_DECODER.decode(rest)
        except ValueError:
            return None
        if not isinstance(data, list):
            return None
        if not all(isinstance(item, str) for item in data):
            raise _NotStringArray
        return tuple(data)

    def _maybe_json(self, rest: str) -> tuple[tuple[str, ...], bool]:
        if rest == "":
            return (), False
        parsed = self._json(rest)
        if parsed is not None:
            return parsed, True
        return (rest,), False

    def _health(self, rest: str) -> tuple[tuple[str, ...], bool, tuple[tuple[str, str, str], ...]]:
        view = latin1_view(rest)
        sep = 0
        while sep < len(view) and not is_space(view[sep]):
            sep += 1
        nxt = sep
        while nxt < len(view) and is_space(view[nxt]):
            nxt += 1
        if sep == 0:
            return (), False, ()
        values, is_json = self._maybe_json(from_latin1_view(view[nxt:]))
        return (from_latin1_view(view[:sep]), *values), is_json, ()

    def _heredocs_from_line(self, line: str) -> list[Heredoc]:
        aware = self.dialect is Dialect.CURRENT
        lexer = Lexer(
            "\\", raw_quotes=True, raw_escapes=True, skip_unset_env=True, heredoc_aware=aware
        )
        try:
            words = lexer.process_words(line)
        except LexError:
            words = []
        docs = []
        for word in words:
            doc = self._heredoc_from_word(word)
            if doc is not None:
                docs.append(doc)
        return docs

    def _heredoc_from_word(self, word: str) -> Heredoc | None:
        match = _HEREDOC_WORD[self.dialect].match(word)
        if match is None:
            return None
        fd_text, chomp, rest = match.groups()
        if rest == "":
            return None
        aware = self.dialect is Dialect.CURRENT
        cooked = Lexer("\\", skip_unset_env=True, heredoc_aware=aware).process_words(rest)
        if len(cooked) != 1:
            return None
        raw = Lexer("\\", raw_quotes=True, skip_unset_env=True, heredoc_aware=aware).process_words(
            rest
        )
        if len(raw) != len(cooked):
            raise LexError(f"internal lexing of heredoc produced inconsistent results: {rest}")
        name = cooked[0]
        quotes = name.count("'") + name.count('"')
        raw_quotes = raw[0].count("'") + raw[0].count('"')
        fd = int(fd_text) if fd_text else 0
        return Heredoc(name, "", fd, quotes == raw_quotes, chomp == "-")


_JSON_DECODER = json.JSONDecoder(
    parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)),
)


def _can_contain_heredoc(node: Instruction) -> bool:
    keyword = (node.sub_cmd if node.cmd.lower() == "onbuild" else node.cmd) or ""
    return keyword.lower() in _HEREDOC_INSTRUCTIONS and not node.json


def _whitespace_delimited(rest: str) -> tuple[str, ...]:
    if rest == "":
        return ()
    return tuple(split_whitespace(rest))


def _name_val(rest: str, key: str, esc: str) -> tuple[tuple[str, str, str], ...]:
    words = _parse_words(rest, esc)
    if not words:
        return ()
    if "=" not in words[0]:
        parts = split_whitespace(rest, 2)
        if len(parts) < 2:
            raise _Error(f"{key} must have two arguments", 0)
        return ((parts[0], parts[1], ""),)
    pairs = []
    for word in words:
        if "=" not in word:
            raise _Error(
                f"Syntax error - can't find = in {go_quote(word)}. Must be of the form: name=value",
                0,
            )
        name, _, val = word.partition("=")
        pairs.append((name, val, "="))
    return tuple(pairs)


_PYTHON_ONLY_SPACE = re.compile("[\x1c-\x1f]")


@functools.cache
def _word_pattern(esc: str) -> re.Pattern[str]:
    """One word of ``parseWords``, whose state machine reads a word as a run of these tokens.

    An escape character as the very last character of the text is dropped, outside quotes and
    inside double quotes: no token takes it, so the word ends before it.
    """
    e = re.escape(esc)
    blank = re.escape(GO_SPACE_CHARS)
    return re.compile(
        rf"""(?:
            {e}.                                   # an escape and the character it escapes
          | "(?:[^"{e}]|{e}.)*(?:"|(?={e}?\Z))    # double quotes, which escapes work in
          | '[^']*(?:'|\Z)                        # single quotes, which they do not
          | [^{blank}'"{e}]+                        # anything else but a blank
        )+""",
        re.VERBOSE | re.DOTALL,
    )


def _parse_words(rest: str, esc: str) -> list[str]:
    """BuildKit's ``parseWords``: split on blanks, keeping quotes and escapes in the words."""
    if (
        rest.isascii()
        and esc not in rest
        and "'" not in rest
        and '"' not in rest
        and not _PYTHON_ONLY_SPACE.search(rest)
    ):
        return rest.split()
    return _word_pattern(esc).findall(rest)


def _extract_builder_flags(line: str, esc: str) -> tuple[str, list[str]]:
    """BuildKit's ``extractBuilderFlags``: leading ``--flag`` words and the rest of the line.

    BuildKit walks this line byte by byte (not rune by rune), hence the Latin-1 view.
    """
    view = latin1_view(line)
    rest = view.lstrip(GO_SPACE_CHARS)
    if not rest.startswith("--"):
        return from_latin1_view(rest), []  # no flag: what the loop below returns at once
    words: list[str] = []
    in_spaces, in_word, in_quote = 0, 1, 2
    phase = in_spaces
    buf: list[str] = []
    quote = ""
    blank_ok = False
    n = len(view)
    pos = 0
    while pos <= n:
        ch = view[pos] if pos < n else ""
        if phase == in_spaces:
            if pos == n:
                break
            if is_space(ch):
                pos += 1
                continue
            if ch != "-" or pos + 1 == n or view[pos + 1] != "-":
                return from_latin1_view(view[pos:]), words
            phase = in_word
        if phase in (in_word, in_quote) and pos == n:
            word = "".join(buf)
            if word != "--" and (blank_ok or word):
                words.append(word)
            break
        if phase == in_word:
            if is_space(ch):
                word = "".join(buf)
                phase = in_spaces
                if word == "--":
                    return from_latin1_view(view[pos:]), words
                if blank_ok or word:
                    words.append(word)
                buf = []
                blank_ok = False
                pos += 1
                continue
            if ch in ("'", '"'):
                quote = ch
                blank_ok = True
                phase = in_quote
                pos += 1
                continue
            if ch == esc:
                if pos + 1 == n:
                    pos += 1
                    continue
                pos += 1
                ch = view[pos]
            buf.append(ch)
            pos += 1
            continue
        if phase == in_quote:
            if ch == quote:
                phase = in_word
                pos += 1
                continue
            if ch == esc:
                if pos + 1 == n:
                    phase = in_word
                    pos += 1
                    continue
                pos += 1
                ch = view[pos]
            buf.append(ch)
            pos += 1
    return "", words
