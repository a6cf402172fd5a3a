"""Byte sizes: parsing dive's threshold values, and printing sizes for people."""

from __future__ import annotations

import re

from dockerlens.image.errors import ImageInputError

# go-humanize's ParseBytes table, which dive uses for highestWastedBytes: SI and IEC units,
# case-insensitive, "b" optional.
_UNITS = {
    "": 1,
    "b": 1,
    "k": 10**3,
    "kb": 10**3,
    "ki": 2**10,
    "kib": 2**10,
    "m": 10**6,
    "mb": 10**6,
    "mi": 2**20,
    "mib": 2**20,
    "g": 10**9,
    "gb": 10**9,
    "gi": 2**30,
    "gib": 2**30,
    "t": 10**12,
    "tb": 10**12,
    "ti": 2**40,
    "tib": 2**40,
    "p": 10**15,
    "pb": 10**15,
    "pi": 2**50,
    "pib": 2**50,
    "e": 10**18,
    "eb": 10**18,
    "ei": 2**60,
    "eib": 2**60,
}
_NUMBER = re.compile(r"^[0-9.,]*")


def parse_bytes(text: str, what: str) -> int:
    """``20MB`` → 20,000,000; ``20MiB`` → 20,971,520; ``1,5 GB`` is refused as dive refuses it."""
    raw = str(text).strip()
    number_text = _NUMBER.match(raw)
    digits = number_text.group(0) if number_text else ""
    unit = raw[len(digits) :].strip().lower()
    try:
        number = float(digits.replace(",", ""))
    except ValueError:
        raise ImageInputError(f"{what}: {text!r} is not a size (examples: 20MB, 1.5GiB)") from None
    if unit not in _UNITS or number < 0:
        raise ImageInputError(f"{what}: {text!r} is not a size (examples: 20MB, 1.5GiB)")
    return int(number * _UNITS[unit])


def human_size(size: int | float) -> str:
    """SI units with three significant figures, as docker and dive print sizes."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if abs(value) < 1000 or unit == "PB":
            if unit == "B":
                return f"{int(value)} B"
            return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def signed_size(size: int) -> str:
    """A size change: ``+1.2 MB``, ``-3 kB``, ``±0 B``."""
    return ("+" if size > 0 else "-" if size < 0 else "±") + human_size(abs(size))
