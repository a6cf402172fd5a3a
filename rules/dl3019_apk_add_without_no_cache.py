from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import has_flag
from dockerlens.lint.packages import at_command, cache_mounted, find


class ApkAddWithoutNoCache(Rule):
    """`apk add` runs without `--no-cache` and leaves the package index in the image.

    ## What it does
    Flags a `RUN` whose `apk add` has no `--no-cache`, unless a BuildKit cache or tmpfs mount
    keeps apk's cache (`/var/cache/apk` or `/etc/apk/cache`) out of the layer, or the add uses
    `--no-network` (it then downloads nothing).

    ## Why is this bad?
    Without `--no-cache`, apk stores the repository indexes it downloads under
    `/var/cache/apk`, a few megabytes that nothing needs at run time. `--no-cache` avoids both
    the `apk update` (or `--update`) and the `rm -rf /var/cache/apk/*` afterwards.

    ## Example
    ```dockerfile lines=2
    FROM alpine:3.20
    RUN apk add --update curl=8.11.1-r0 && rm -rf /var/cache/apk/*
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    RUN apk add --no-cache curl=8.11.1-r0
    ```

    ```dockerfile
    FROM alpine:3.20
    RUN --mount=type=cache,target=/etc/apk/cache apk add curl=8.11.1-r0
    ```

    ## Differences from hadolint
    - `apk add --no-network` is not reported, and a cache mount on `/etc/apk/cache` (where
      apk keeps packages when caching is on) counts like one on `/var/cache/apk`.
    - `apk` is found behind wrappers such as `xargs` and `sudo`, in `sh -c` scripts and by
      path.
    """

    code = "DL3019"
    name = "apk-add-without-no-cache"
    severity = Severity.INFO
    category = Category.BLOAT
    message = (
        "Use the `--no-cache` switch to avoid the need to use `--update` and remove "
        "`/var/cache/apk/*` when done installing packages"
    )
    on = frozenset({"RUN"})
    run_mentions = frozenset({"apk"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        if cache_mounted(step, "/var/cache/apk") or cache_mounted(step, "/etc/apk/cache"):
            return
        for invocation in find(step, "apk", "add"):
            if not has_flag(invocation.command, "no-cache", "no-network"):
                yield Problem(step, at=at_command(ctx, step, invocation, "add"))
                return
