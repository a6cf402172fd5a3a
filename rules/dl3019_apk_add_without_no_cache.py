from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, Edit, Fix, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import has_flag
from dockerlens.lint.edits import insert_flag, remove_at_end, replace_match
from dockerlens.lint.packages import at_command, cache_mounted, find
from dockerlens.semantics.managers import APK


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

    ## Fix safety
    When the `RUN` has one `apk add`, its `--update` (or `-U`) becomes `--no-cache`, or
    `--no-cache` is added after `add`. Safe: apk downloads a fresh index either way and only
    stops keeping it. A trailing `&& rm -rf /var/cache/apk/*` and an `apk update &&` just
    before the `apk add`, pointless then, are removed.

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
        if any(cache_mounted(step, cache) for cache in APK.caches[0].paths):
            return
        for invocation in find(step, "apk", "add"):
            if not has_flag(invocation.command, *APK.no_cache_flags):
                fix = _fix(ctx, step)
                yield Problem(step, at=at_command(ctx, step, invocation, "add"), fix=fix)
                return


#: ``--update`` (``-U``) among the options of ``apk add``: what ``--no-cache`` replaces.
_UPDATE = LazyPattern(
    r"(?<![\w.$-])apk(?:[ \t]+-\S*)*[ \t]+add(?:[ \t]+-\S*)*?[ \t]+(--update|-U)(?!\S)"
)


#: The cleanup ``--no-cache`` makes pointless, after the add.
_CLEANUP = LazyPattern(r"[ \t]*&&[ \t]*rm[ \t]+-rf[ \t]+/var/cache/apk/\*?[ \t]*$")


#: An ``apk update &&`` right before the ``apk add``: the index ``--no-cache`` fetches anyway.
_UPDATE_BEFORE = LazyPattern(r"(?<![\w.$-])apk[ \t]+update[ \t]*&&[ \t]*(?=apk[ \t])")


def _fix(ctx: LintContext, step: Step) -> Fix | None:
    if len(find(step, "apk", "add")) != 1:
        return None
    edit = replace_match(ctx, step, _UPDATE, "--no-cache", group=1)
    edit = edit or insert_flag(ctx, step, "apk add", "--no-cache")
    if edit is None:
        return None
    cleanup = remove_at_end(ctx, step, _CLEANUP)
    edits: tuple[Edit, ...] = (edit,)
    update = replace_match(ctx, step, _UPDATE_BEFORE, "")
    if update and (update.line, update.end_column) <= (edit.line, edit.column):
        edits = (update, *edits)
    if cleanup and (cleanup.line, cleanup.column) > (edit.line, edit.end_column):
        edits += (cleanup,)
    return Fix("Add --no-cache to apk add", edits)
