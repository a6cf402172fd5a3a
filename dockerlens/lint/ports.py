"""The ports an ``EXPOSE`` declares: ``[ip:][host:]port[/protocol]`` (BuildKit's format)."""

from __future__ import annotations

from collections.abc import Iterator

from dockerlens.model import Step
from dockerlens.semantics.expansion import stand_in

#: The protocols BuildKit accepts (any case), "" for none written.
PROTOCOLS = frozenset({"", "tcp", "udp", "sctp"})


def expose_ports(step: Step) -> Iterator[tuple[str, str]]:
    """(word as written, port spec) for each port an EXPOSE declares, variables expanded.

    A reference still left (``${PORT:-8000}`` of an ARG only the build sets) stands as ``0``:
    its ``:-`` is no host part, and the parts written around it are still judged
    (``8080:${P}`` maps a host port whatever ``P`` is)."""
    for written, expanded in zip(step.instruction.value, step.expanded, strict=False):
        for port in expanded.split():
            yield written, stand_in(port, "0")


def container_part(port: str) -> str:
    """The ``port[/proto]`` after any ``ip:`` and ``host:`` parts."""
    return port.rsplit(":", 1)[-1]
