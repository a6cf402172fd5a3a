from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, Fix, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.edits import append_command
from dockerlens.lint.packages import (
    Invocation,
    at_command,
    cache_mounted,
    cleaned_after,
    invocations,
    removes,
)
from dockerlens.semantics.managers import YUM

CACHE = YUM.caches[0].paths[0]


def _cleans(invocation: Invocation) -> bool:
    if invocation.is_("yum", "clean") and invocation.has("all"):
        return True
    return removes(invocation, CACHE)


class YumCleanMissing(Rule):
    """`yum install` leaves yum's cache in the image: no `yum clean all` after it.

    ## What it does
    Flags a `RUN` whose `yum install` is not followed, in the same `RUN`, by `yum clean all`
    or a removal of `/var/cache/yum`. A BuildKit cache or tmpfs mount over the cache keeps it
    out of the layer and is fine too.

    ## Why is this bad?
    yum keeps the repository metadata it downloaded under `/var/cache/yum`: tens of megabytes
    or more, which nothing needs at run time. Cleaning in a later `RUN` does not help; the
    files stay in the earlier layer.

    ## Example
    ```dockerfile lines=2
    FROM centos:7
    RUN yum install -y httpd-2.4.6
    ```

    ## Use instead
    ```dockerfile
    FROM centos:7
    RUN yum install -y httpd-2.4.6 && yum clean all
    ```

    ```dockerfile
    FROM centos:7
    RUN --mount=type=cache,target=/var/cache/yum yum install -y httpd-2.4.6
    ```

    ## Fix safety
    `&& yum clean all` is appended to the `RUN` (shell form, without heredocs, not ending in a
    comment). Safe: the cache is only read again by a later install, which downloads what it
    needs.

    ## Differences from hadolint
    - The clean must come after the *last* install; hadolint compares it with the first, so
      `yum install -y a && yum clean all && yum install -y b` passes there.
    - Only an `rm` of `/var/cache/yum` (or of everything in it) counts; hadolint accepts any
      `rm -rf`, and any `yum` command with `clean` or `all` among its words.
    - A cache or tmpfs mount over `/var/cache/yum` is understood (hadolint has none for yum).
    - `yum` is found behind wrappers such as `sudo`, in `sh -c` scripts and by path.
    """

    code = "DL3032"
    name = "yum-clean-missing"
    severity = Severity.WARNING
    category = Category.BLOAT
    message = "`yum clean all` missing after yum command."
    on = frozenset({"RUN"})
    run_mentions = frozenset({"yum"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        found = invocations(step)
        installs = [inv for inv in found if inv.is_("yum", "install")]
        if not installs or cleaned_after(found, installs, _cleans):
            return
        if cache_mounted(step, CACHE):
            return
        yield Problem(step, at=at_command(ctx, step, installs[-1], "install"), fix=_fix(ctx, step))


def _fix(ctx: LintContext, step: Step) -> Fix | None:
    command = YUM.clean_command or ""
    edit = append_command(ctx, step, command)
    return Fix(f"Append `{command}`", (edit,)) if edit else None
