from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, Edit, Fix, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.ports import PROTOCOLS, container_part, expose_ports


class ExposeProtoCasing(Rule):
    """The protocol of an `EXPOSE` port is not written in lower case.

    ## What it does
    Flags `EXPOSE 80/TCP` and other ports whose protocol (`tcp`, `udp`, `sctp`) has an
    upper-case letter: BuildKit's `ExposeProtoCasing` build check. Ports are read after
    variables are expanded.

    ## Why is this bad?
    The image records the port in lower case anyway (`80/tcp`), so the Dockerfile says
    something other than what the image holds, and the casing differs from the rest of the
    ecosystem (`docker run -p`, Compose, Kubernetes).

    ## Example
    ```dockerfile lines=2,2
    FROM nginx:1.27
    EXPOSE 80/TCP 443/Tcp
    ```

    ## Use instead
    ```dockerfile
    FROM nginx:1.27
    EXPOSE 80/tcp 443/tcp
    ```

    ## Fix safety
    Lower-cases the protocol where it is written literally (safe).

    ## References
    - BuildKit: https://docs.docker.com/go/dockerfile/rule/expose-proto-casing/
    """

    code = "BK011"
    name = "expose-proto-casing"
    severity = Severity.WARNING
    category = Category.STYLE
    message = "Protocol in EXPOSE instruction should be lowercase"
    on = frozenset({"EXPOSE"})
    buildkit_name = "ExposeProtoCasing"

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        for written, port in expose_ports(step):
            port_part, _, proto = container_part(port).partition("/")
            if not port_part or proto.lower() not in PROTOCOLS or proto == proto.lower():
                continue
            message = f"Defined protocol '{port}' in EXPOSE instruction should be lowercase"
            yield Problem(step, message=message, at=written, fix=_fix(ctx, step, written))


def _fix(ctx: LintContext, step: Step, written: str) -> Fix | None:
    head, slash, proto = written.rpartition("/")
    if not slash or "$" in proto or proto == proto.lower():
        return None
    where = ctx.locate(step, written)
    if where is None:
        return None
    line, column, end_line, end_column = where
    start = column + len(head) + 1
    return Fix("Lower-case the protocol", (Edit(line, start, end_line, end_column, proto.lower()),))
