from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.ports import container_part, expose_ports


class InvalidPort(Rule):
    """`EXPOSE` names a port outside the range 0-65535.

    ## What it does
    Flags an `EXPOSE` with a port, or either end of a port range, above 65535. Build
    arguments are expanded first; a port that stays a variable is not judged.

    ## Why is this bad?
    TCP and UDP ports are 16-bit numbers. A larger number is a typo, and nothing can listen
    on it.

    ## Example
    ```dockerfile lines=2
    FROM nginx:1.27
    EXPOSE 80800
    ```

    ```dockerfile lines=2
    FROM nginx:1.27
    EXPOSE 60000-70000/udp
    ```

    ## Use instead
    ```dockerfile
    FROM nginx:1.27
    EXPOSE 8080
    ```

    ```dockerfile
    FROM nginx:1.27
    EXPOSE 60000-65000/udp
    ```

    ## Differences from hadolint
    Build arguments are expanded first, so `ARG PORT=80800` then `EXPOSE $PORT` is reported,
    and so is each port of a variable that holds several (`ARG PORTS="80 70000"`).
    """

    code = "DL3011"
    name = "invalid-port"
    severity = Severity.ERROR
    category = Category.CORRECTNESS
    message = "Valid UNIX ports range from 0 to 65535"
    on = frozenset({"EXPOSE"})

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        # A variable may hold several ports (`ARG PORTS="80 70000"`), and a port may come
        # after an `ip:` and `host:` part (which BK012 reports).
        for raw, port in expose_ports(step):
            if any(_too_large(end) for end in _ports(container_part(port))):
                yield Problem(step, at=raw)
                return


def _ports(word: str) -> list[str]:
    spec = word.rsplit("/", 1)[0] if "/" in word else word
    return spec.split("-", 1)


def _too_large(text: str) -> bool:
    return text.isdigit() and int(text) > 65535
