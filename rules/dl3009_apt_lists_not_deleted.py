from __future__ import annotations

import re
from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, Fix, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import commands, has_flag
from dockerlens.lint.edits import append_command
from dockerlens.lint.layers import context_file, resolve, workdirs
from dockerlens.lint.packages import Invocation, at_command, cache_mounted, invocations, removes
from dockerlens.semantics.managers import APT, APT_LISTS

LISTS = APT_LISTS


def _updates_lists(invocation: Invocation) -> bool:
    if invocation.is_(("apt-get", "apt", "aptitude"), "update"):
        return True
    # add-apt-repository refreshes the lists itself unless told not to.
    return invocation.name == "add-apt-repository" and not has_flag(
        invocation.command, "n", "no-update"
    )


def _deletes_lists(invocation: Invocation) -> bool:
    return removes(invocation, LISTS, entries=APT.caches[0].entries) or invocation.is_(
        ("apt-get", "apt"), "dist-clean", "distclean"
    )


class AptListsNotDeleted(Rule):
    """A `RUN` downloads the apt package lists and leaves them in the image.

    ## What it does
    Flags a `RUN` that runs `apt-get update` (or `apt update`, `aptitude update`,
    `add-apt-repository`) without deleting `/var/lib/apt/lists` afterwards in the same `RUN`.
    A BuildKit cache or tmpfs mount over the lists directory keeps them out of the layer and
    is fine too, and so is a script file the `RUN` runs afterwards (`/scripts/cleanup.sh`)
    when an earlier `COPY` (or `ADD` of a plain file) took it from the build context at hand
    and it deletes the lists.
    Only stages whose layers end up in an image are checked: the final stage and
    stages other stages are built `FROM` (and every `ONBUILD RUN`, which runs in a child
    image).

    ## Why is this bad?
    The lists are tens of megabytes that nothing needs at run time, and they are stale as soon
    as the image is built. Deleting them in a later `RUN` does not help: they stay in the
    earlier layer.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\
     && rm -rf /var/lib/apt/lists/*
    ```

    ```dockerfile
    FROM debian:12
    RUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \\
        apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8
    ```

    ## Fix safety
    `&& rm -rf /var/lib/apt/lists/*` is appended to the `RUN` on a continuation line (shell
    form, without heredocs, not ending in a comment). Unsafe: a later `RUN` of the stage that
    runs `apt-get install` without its own `apt-get update` then finds no lists and fails.

    ## Differences from hadolint
    - The deletion must come after the last update: `rm -rf /var/lib/apt/lists/* && apt-get
      update` leaves fresh lists behind. hadolint accepts any `rm` with `-rf` or that path,
      anywhere in the `RUN` (so `rm -rf /tmp/build` passes there).
    - Any `rm` of the lists counts (`rm -rf /var/lib/apt/lists`, `rm -fr /var/lib/apt/*`,
      `rm -f /var/lib/apt/lists/*_*`, every list file being named `<source>_<path>`), and
      so does `apt-get dist-clean` (or `distclean`, apt 2.7.8+), which deletes them.
    - A cache or tmpfs mount on `/var/lib/apt` is enough; hadolint also wants one on
      `/var/cache/apt`, which does not hold the lists.
    - `add-apt-repository` counts as an update (it refreshes the lists unless given `-n`), and
      the commands are found behind wrappers such as `sudo` and inside `sh -c` scripts.
    """

    code = "DL3009"
    reads_build_context = True  # a copied cleanup script
    name = "apt-lists-not-deleted"
    severity = Severity.INFO
    category = Category.BLOAT
    message = "Delete the apt lists (/var/lib/apt/lists) after installing something"
    on = frozenset({"RUN"})
    run_mentions = frozenset({"apt"})  # apt-get, aptitude, add-apt-repository
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        if not ctx.layer_kept(step):
            return
        found = invocations(step)
        updates = [inv for inv in found if _updates_lists(inv)]
        if not updates:
            return
        last_update = updates[-1].position
        if any(inv.position > last_update and _deletes_lists(inv) for inv in found):
            return
        later = [inv for inv in found if inv.position > last_update]
        if any(_script_deletes_lists(ctx, step, inv) for inv in later):
            return
        if cache_mounted(step, LISTS):
            return
        yield Problem(step, at=at_command(ctx, step, updates[-1], "update"), fix=_fix(ctx, step))


def _fix(ctx: LintContext, step: Step) -> Fix | None:
    edit = append_command(ctx, step, "rm -rf /var/lib/apt/lists/*")
    if edit is None:
        return None
    edit = edit._replace(text=f" {step.escape}\n" + edit.text)
    return Fix("Delete the apt lists at the end of the RUN", (edit,), safe=False)


#: A line of a shell script deleting the lists (``rm -rf /var/lib/apt/lists/*``).
_DELETES_IN_SCRIPT = LazyPattern(r"^[^#\n]*\brm\b[^\n]*/var/lib/apt/lists", re.MULTILINE)
_MAX_SCRIPT_BYTES = 256 * 1024


def _script_deletes_lists(ctx: LintContext, step: Step, invocation: Invocation) -> bool:
    """The command runs a script file (``/scripts/cleanup.sh``) that a COPY took from the build
    context, and the script deletes the lists."""
    start = invocation.command.start_byte
    written = next((c.name for c in commands(step) if c.start_byte == start), "")
    if "/" not in written:
        return False
    path = resolve(written, workdirs(ctx).get(step.index))
    found = context_file(ctx, step, path) if path is not None else None
    if found is None:
        return False
    try:
        with found.open("rb") as stream:
            text = stream.read(_MAX_SCRIPT_BYTES).decode("utf-8", "replace")
    except OSError:
        return False
    return _DELETES_IN_SCRIPT.search(text) is not None
