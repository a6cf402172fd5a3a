"""Text from untrusted input (a Dockerfile, an image's paths and history) made safe to print.

Control characters are made visible, so a hostile file cannot drive the terminal: C0 as the
Control Pictures block (␛, ␀...), DEL as ␡, C1 as U+FFFD. Bytes that are not UTF-8 (kept by
``surrogateescape`` when tar names are decoded) are shown as ``\\xNN``.
"""

from __future__ import annotations

TAB_WIDTH = 4

# Tables for str.translate: a character at a time in Python is 10x slower.
_VISIBLE: dict[int, int | str] = {
    **{code: 0x2400 + code for code in range(0x20)},
    0x7F: 0x2421,
    **{code: 0xFFFD for code in range(0x80, 0xA0)},
    **{code: f"\\x{code - 0xDC00:02x}" for code in range(0xDC80, 0xDD00)},
}
_KEEP_NEWLINES = {code: shown for code, shown in _VISIBLE.items() if code != ord("\n")}
_SHOW_LINE: dict[int, int | str] = {**_VISIBLE, ord("\t"): " " * TAB_WIDTH}


def visible(text: str) -> str:
    """``text`` on one line: every control character (newlines and tabs too) made visible."""
    return text.translate(_VISIBLE)


def visible_keeping_newlines(text: str) -> str:
    """Control characters made visible; newlines (``\\r\\n`` too) kept as line breaks."""
    return text.replace("\r\n", "\n").translate(_KEEP_NEWLINES)


def visible_source_line(line: str) -> str:
    """A source line as an excerpt shows it: tabs expanded, other control characters visible."""
    return line.translate(_SHOW_LINE)
