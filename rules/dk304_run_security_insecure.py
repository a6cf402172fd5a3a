from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step


class RunSecurityInsecure(Rule):
    """A `RUN` asks for `--security=insecure`, running its command without the build sandbox.

    ## What it does
    Flags `RUN --security=insecure` (also in `ONBUILD RUN`).

    ## Why is this bad?
    `--security=insecure` runs the command like `docker run --privileged`: every capability,
    no seccomp or AppArmor profile, all host devices. A compromised dependency or download in
    that step can take over the builder, and through it the host or the other builds it
    runs and their secrets. It is refused unless the builder was started with
    `--allow-insecure-entitlement security.insecure` and the build asks with
    `--allow security.insecure`, and it needs the labs Dockerfile syntax: a build that relies
    on it runs only on builders set up for it. Most needs have narrower answers: a tmpfs or
    cache mount, `--network`, or doing the privileged work outside the build.

    ## Example
    ```dockerfile lines=3
    # syntax=docker/dockerfile:1-labs
    FROM debian:12-slim
    RUN --security=insecure mount -t tmpfs tmpfs /mnt && make -C /src test
    ```

    ## Use instead
    ```dockerfile
    # syntax=docker/dockerfile:1-labs
    FROM debian:12-slim
    RUN --mount=type=tmpfs,target=/mnt make -C /src test
    ```
    """

    code = "DK304"
    name = "run-security-insecure"
    severity = Severity.WARNING
    category = Category.SECURITY
    message = "RUN --security=insecure runs the step without the build sandbox"
    on = frozenset({"RUN"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        value = step.flag("security")  # ONBUILD RUN's own flags included
        if value is not None and value.strip("\"'").lower() == "insecure":
            yield Problem(step, at="--security")
