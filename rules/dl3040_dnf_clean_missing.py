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
from dockerlens.semantics.managers import DNF

#: Where dnf 4, dnf 5 and microdnf keep their caches.
CACHES = DNF.caches[0].paths
_CHANGES = ("install", "in", "upgrade", "up", "upgrade-minimal", "up-min", "reinstall", "rei")


def _removes_cache(invocation: Invocation) -> bool:
    return any(removes(invocation, cache) for cache in CACHES)


class DnfCleanMissing(Rule):
    """`dnf install` leaves dnf's cache in the image: no `dnf clean all` after it.

    ## What it does
    Flags a `RUN` whose `dnf` or `microdnf` `install`, `upgrade`, `upgrade-minimal` or
    `reinstall` (or their short forms) is not followed, in the same `RUN`, by `clean all` of
    the same tool, or by a removal of its cache directory (`/var/cache/dnf`,
    `/var/cache/libdnf5`, `/var/cache/yum` for microdnf). A BuildKit cache or tmpfs mount over
    the cache keeps it out of the layer and is fine too.

    ## Why is this bad?
    dnf keeps the repository metadata it downloaded: tens of megabytes or more, which nothing
    needs at run time. Cleaning in a later `RUN` does not help; the files stay in the earlier
    layer.

    ## Example
    ```dockerfile lines=2
    FROM fedora:41
    RUN dnf install -y httpd-2.4.62
    ```

    ## Use instead
    ```dockerfile
    FROM fedora:41
    RUN dnf install -y httpd-2.4.62 && dnf clean all
    ```

    ```dockerfile
    FROM fedora:41
    RUN --mount=type=cache,target=/var/cache/libdnf5 dnf install -y httpd-2.4.62
    ```

    ## Fix safety
    `&& dnf clean all` (`microdnf clean all`) is appended to the `RUN` (shell form, without
    heredocs, not ending in a comment). Safe: a later install downloads what it needs again.

    ## Differences from hadolint
    - The clean must come after the *last* install; hadolint compares it with the first.
    - Only an `rm` of a dnf cache directory counts; hadolint accepts any `rm -rf`, and any
      command of the tool with `clean` or `all` among its words.
    - Cache mounts and removals of `/var/cache/dnf` (dnf 4) and `/var/cache/yum` (microdnf)
      count, not only those of dnf 5's `/var/cache/libdnf5`.
    - `dnf` is found behind wrappers such as `sudo`, in `sh -c` scripts and by path.
    """

    code = "DL3040"
    name = "dnf-clean-missing"
    severity = Severity.WARNING
    category = Category.BLOAT
    message = "`dnf clean all` missing after dnf command."
    on = frozenset({"RUN"})
    run_mentions = frozenset({"dnf"})  # microdnf
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        found = invocations(step)
        for tool in ("dnf", "microdnf"):
            installs = [inv for inv in found if inv.is_(tool, *_CHANGES)]
            if not installs:
                continue

            def cleans(inv: Invocation, tool: str = tool) -> bool:
                return (inv.is_(tool, "clean") and inv.has("all")) or _removes_cache(inv)

            if cleaned_after(found, installs, cleans):
                continue
            if any(cache_mounted(step, cache, ".cache/libdnf5") for cache in CACHES):
                return
            command = (DNF.clean_command or "").format(program=tool)
            edit = append_command(ctx, step, command)
            fix = Fix(f"Append `{command}`", (edit,)) if edit else None
            yield Problem(step, at=at_command(ctx, step, installs[-1]), fix=fix)
            return
