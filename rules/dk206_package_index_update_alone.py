from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.packages import Invocation, at_command, invocations, removes, run_text
from dockerlens.semantics.managers import APK, APK_INDEX, APT, APT_LISTS, value_options

_VALUE_OPTIONS = value_options("apt", "apk")

_APT = tuple(sorted(APT.programs))
#: Subcommands that use the freshly downloaded index.
_APT_USES = APT.index_users
_APK_USES = APK.index_users


_USES = {
    "apt": LazyPattern(
        r"\b(?:apt-get|apt|aptitude)(?:\s+-\S+)*\s+(?:" + "|".join(_APT_USES) + r")\b"
    ),
    "apk": LazyPattern(r"\bapk(?:\s+-\S+)*\s+(?:" + "|".join(_APK_USES) + r")\b"),
}
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh"})
#: Where each manager keeps its index: a RUN that deletes it has used the update itself.
_INDEX = {"apt": APT_LISTS, "apk": APK_INDEX.caches[0].paths[0]}


def _runs_script(invocation: Invocation) -> bool:
    """Runs a script file (``./install.sh``, ``bash /tmp/setup.sh``) or an image's own
    installing helper (gitpod's ``install-packages``, bitnami's ``install_packages``)."""
    name = invocation.name.rpartition("/")[2]
    if name.endswith(".sh") or (name != "install" and "install" in name):
        return True
    if invocation.name in _SHELLS:
        words = [w.text for w in invocation.operands()]
        return bool(words) and not invocation.has("-c")
    return False


def _subcommand(invocation: Invocation) -> str | None:
    words = [w.text for w in invocation.operands(_VALUE_OPTIONS)]
    return words[0] if words else None


def _updates(invocation: Invocation) -> bool:
    if invocation.name not in (*_APT, "apk"):
        return False
    record = APK if invocation.name == "apk" else APT
    return _subcommand(invocation) in record.index_verbs


def _uses_index(invocation: Invocation, manager: str) -> bool:
    """Another package operation: the `RUN` is not the update's own."""
    if manager == "apt" and invocation.name == "dpkg":
        return True
    sub = _subcommand(invocation)
    if manager == "apk":
        return invocation.name == "apk" and sub in _APK_USES
    return invocation.name in _APT and sub in _APT_USES


class PackageIndexUpdateAlone(Rule):
    """`apt-get update` runs in a `RUN` of its own, so later installs use a stale cached index.

    ## What it does
    Flags a `RUN` that refreshes the package index (`apt-get update`, `apt update`, `aptitude
    update`, `apk update`) but runs no other package operation (install, upgrade, removal,
    `dpkg`) in the same `RUN`. A `RUN` that also runs a script file (`bash /tmp/setup.sh`) or a
    program named for installing (`install-packages`, `install_packages`: helpers base images
    ship) is left alone: it may do the installing. So is one that deletes the index after the
    update (`rm -rf /var/lib/apt/lists/*`): a tool that installs packages itself (`playwright
    install --with-deps`) used it, and nothing stays.

    ## Why is this bad?
    BuildKit caches each `RUN` by its text. The layer of a lone `apt-get update` is reused
    by every later build, however old its package lists are; when a later
    `RUN apt-get install` changes (a package added), it runs against that old index and
    fails on packages the mirror no longer has, or installs outdated versions. Refreshing
    and installing in one `RUN` makes every change to the package list fetch a current index.

    It also costs bytes: the lists (tens of megabytes for Debian and Ubuntu) are written to
    the update's own layer, and since layers are immutable, deleting them in a later `RUN`
    cannot take them out of the image.

    ## Example
    ```dockerfile lines=2
    FROM debian:12-slim
    RUN apt-get update
    RUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    RUN apt-get update \\
     && apt-get install -y --no-install-recommends curl \\
     && rm -rf /var/lib/apt/lists/*
    ```

    ## Relation to hadolint
    hadolint has no rule for the stale index. Its DL3009 (lists not deleted) may fire on
    the same `RUN` in a stage whose layers ship; DL3059 (consecutive `RUN`s) often does too.
    """

    code = "DK206"
    name = "package-index-update-alone"
    severity = Severity.WARNING
    category = Category.BLOAT
    message = "Package index updated in a RUN of its own: update and install in the same RUN"
    on = frozenset({"RUN"})
    run_mentions = frozenset({"update"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        calls = invocations(step)
        updates = [c for c in calls if _updates(c)]
        if not updates:
            return
        if any(_runs_script(c) for c in calls):
            return  # a script may install what the update was for
        text = run_text(step)
        for invocation in updates:
            manager = "apk" if invocation.name == "apk" else "apt"
            if any(_uses_index(c, manager) for c in calls):
                continue
            if _USES[manager].search(text):
                continue  # behind a wrapper the parser does not take apart (`xx-apt-get`)
            after = [c for c in calls if c.position > invocation.position]
            if any(removes(c, _INDEX[manager]) for c in after):
                continue  # another tool installed with it (`playwright install --with-deps`)
            command = f"{invocation.name} update"
            message = (
                f"`{command}` in a RUN of its own: its layer keeps a stale index for later "
                "installs, and the index stays in the image; update and install in the same RUN"
            )
            yield Problem(step, message=message, at=at_command(ctx, step, invocation, "update"))
            return
