from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, Edit, Fix, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.ports import PROTOCOLS, container_part, expose_ports


class ExposeInvalidFormat(Rule):
    """An `EXPOSE` port carries an IP address or a host port mapping.

    ## What it does
    Flags `EXPOSE 127.0.0.1:80:80`, `EXPOSE [::1]:8080:8080` and `EXPOSE 5000:5000`: an
    address or a `host:container` mapping in a port that `EXPOSE` declares, as BuildKit's
    `ExposeInvalidFormat` build check does. Ports are read after variables are expanded; a
    variable only the build sets (an `ARG` without a value, `${APP_PORT:-8000}`) is judged by
    what is written around it (`8080:${P}` maps a host port whatever `P` is).

    ## Why is this bad?
    `EXPOSE` only documents the ports the container listens on; it cannot publish a port or
    bind an address, which is decided by `docker run -p` or Compose. BuildKit drops the
    address and the host port today and has said this will become an error.

    ## Example
    ```dockerfile lines=2
    FROM nginx:1.27
    EXPOSE 127.0.0.1:80:80
    ```

    ```dockerfile lines=2
    FROM nginx:1.27
    EXPOSE 8080:80
    ```

    ## Use instead
    ```dockerfile
    FROM nginx:1.27
    EXPOSE 80
    ```

    ```dockerfile
    FROM nginx:1.27
    EXPOSE 80
    ```

    ## Fix safety
    A port written out (no variable) keeps only its container part: `127.0.0.1:80:80` becomes
    `80`. Safe: BuildKit ignores the address and the host port anyway (only `docker run -p`
    publishes a port).

    ## References
    - BuildKit: https://docs.docker.com/go/dockerfile/rule/expose-invalid-format/
    """

    code = "BK012"
    name = "expose-invalid-format"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = (
        "IP address and host-port mapping should not be used in EXPOSE instruction. "
        "This will become an error in a future release"
    )
    on = frozenset({"EXPOSE"})
    buildkit_name = "ExposeInvalidFormat"

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        for written, port in expose_ports(step):
            parts = port.split(":")
            if len(parts) == 1:
                continue
            address = ":".join(parts[:-2])
            host = parts[-2]
            port_part, _, proto = parts[-1].partition("/")
            if not port_part or proto.lower() not in PROTOCOLS:
                continue  # BuildKit rejects it before checking
            if address or host:
                message = (
                    "EXPOSE instruction should not define an IP address or host-port mapping, "
                    f"found '{port}'"
                )
                yield Problem(step, message=message, at=written, fix=_fix(ctx, step, written))


def _fix(ctx: LintContext, step: Step, written: str) -> Fix | None:
    if "$" in written or step.instruction.value.count(written) != 1:
        return None
    span = ctx.word_span(step, step.instruction.value.index(written))
    if span is None:
        return None
    line, column, end_column = span
    edit = Edit(line, column, line, end_column, container_part(written))
    return Fix("Keep only the container port", (edit,))
