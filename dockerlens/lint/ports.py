"""The ports an ``EXPOSE`` declares: ``[ip:][host:]port[/protocol]`` (BuildKit's format)."""

from __future__ import annotations

from collections.abc import Iterator

from dockerlens.model import Step

#: The protocols BuildKit accepts (any case), "" for none written.
PROTOCOLS = frozenset({"", "tcp", "udp", "sctp"})


def expose_ports(step: Step) -> Iterator[tuple[str, str]]:
    """(word as written, port spec) for each port an EXPOSE declares, variables expanded.

    A port that still holds a reference (``${PORT:-8000}`` of an ARG only the build sets) is
    left out: its value is the build's to know."""
    for written, expanded in zip(step.instruction.value, step.expanded, strict=False):
        for port in expanded.split():
            if "$" not in port:
                yield written, port


def container_part(port: str) -> str:
    """The ``port[/proto]`` after any ``ip:`` and ``host:`` parts."""
    return port.rsplit(":", 1)[-1]
