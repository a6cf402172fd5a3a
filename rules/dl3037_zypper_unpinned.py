from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.packages import at_word, find, names, unpinned
from dockerlens.semantics.managers import ZYPPER

_PINNED = ZYPPER.pinned

_VALUE_OPTIONS = ZYPPER.value_options
#: Kinds of resolvables that are not versioned packages.
_NOT_PACKAGES = names("pattern patch product")


def _kind(args: tuple[str, ...]) -> str:
    for index, arg in enumerate(args):
        if arg in ("-t", "--type") and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--type="):
            return arg.partition("=")[2]
    return "package"


class ZypperUnpinned(Rule):
    """`zypper install` names a package without a version.

    ## What it does
    Flags a `RUN` whose `zypper install` (or `zypper in`) names a package without a version
    constraint: `curl` rather than `curl=8.6.0` (or `'curl>=8.6'`). `.rpm` files count as
    pinned.

    ## Why is this bad?
    Without a version, zypper installs whatever the repositories hold on the day of the
    build, so the same Dockerfile builds different images over time and an upgrade can slip
    in unnoticed.

    ## Example
    ```dockerfile lines=2
    FROM opensuse/leap:15.6
    RUN zypper --non-interactive install curl && zypper clean
    ```

    ## Use instead
    ```dockerfile
    FROM opensuse/leap:15.6
    RUN zypper --non-interactive install curl=8.6.0 && zypper clean
    ```

    ## Differences from hadolint
    - Patterns, patches and products (`-t pattern devel_basis`, `pattern:devel_basis`) are not
      packages and are not judged, and the values of `--repo`, `--from` and other options are
      not taken for packages.
    - Variables whose value is known are expanded, a word that is only a variable of unknown
      value is not judged; `zypper` is found behind wrappers, in `sh -c` scripts and by path.
    """

    code = "DL3037"
    name = "zypper-unpinned"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = "Specify version with `zypper install -y <package>=<version>`."
    on = frozenset({"RUN"})
    run_mentions = frozenset({"zypper"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        for invocation in find(step, "zypper", "install", "in"):
            if _kind(invocation.args) in _NOT_PACKAGES:
                continue
            packages = [
                w
                for w in invocation.operands(_VALUE_OPTIONS)
                if w.text not in ("install", "in") and w.text.split(":")[0] not in _NOT_PACKAGES
            ]
            word = unpinned(packages, _PINNED)
            if word is not None:
                yield Problem(step, at=at_word(ctx, step, word, invocation))
                return
