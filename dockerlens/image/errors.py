"""The analyzer's one error type: bad input, reported as one line (the CLI turns it into exit 2)."""

from __future__ import annotations


class ImageInputError(Exception):
    """A missing image, an unreachable engine, a corrupt, truncated or hostile archive."""
