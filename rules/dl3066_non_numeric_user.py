from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.model import expand_word


class NonNumericUser(Rule):
    """`USER` names the user instead of giving its numeric UID.

    ## What it does
    Flags a `USER` whose user part (before `:`) is not a number, once variables whose values
    the Dockerfile knows are expanded. `root` is always uid 0, so it passes (DL3002 judges
    running as root); Windows stages are left alone.

    ## Why is this bad?
    A name means something only inside the image's `/etc/passwd`. Tools outside it cannot
    tell who the process runs as: Kubernetes' `runAsNonRoot` refuses to start a container
    whose user is a name, since it cannot check that the name is not root, and volume
    ownership on the host is by number.

    ## Example
    ```dockerfile lines=3
    FROM debian:12
    RUN useradd -u 10001 app
    USER app
    ```

    ```dockerfile lines=3
    FROM debian:12
    ENV APP_USER=app
    USER $APP_USER
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    RUN useradd -u 10001 app
    USER 10001
    ```

    ```dockerfile
    FROM debian:12
    ARG APP_UID
    USER ${APP_UID}:10001
    ```

    ## Differences from hadolint
    Like hadolint, a user that comes from an `ARG` passes whatever its default: the build
    chooses it. Other variables are expanded rather than reported on sight: an `ENV` whose
    value is a number passes, one whose value is a name is reported, and a variable of unknown
    value (an `ENV` of the base image) is not judged. Windows images have no numeric user ids,
    so their stages are not checked. hadolint reports `USER root`; it is uid 0 in every image,
    so dockerlens does not.
    """

    code = "DL3066"
    name = "non-numeric-user"
    severity = Severity.INFO
    category = Category.SECURITY
    message = "Non-numeric user-id may not be resolvable by host system"
    on = frozenset({"USER"})

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        stage = ctx.stage_of(step)
        if not step.instruction.value or ctx.is_windows(stage):
            return
        raw = step.instruction.value[0]
        text, matched, unmatched = expand_word(raw, step.variables, step.escape)
        # A user named by a build argument is the builder's choice (hadolint #1226 exempts it).
        if unmatched or any(
            step.variables[name].value is None or step.variables[name].kind == "arg"
            for name in matched
        ):
            return
        user = text.split(":", 1)[0]
        if user and not user.isdigit() and user != "root":
            yield Problem(step, at=raw)
