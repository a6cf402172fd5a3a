from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.packages import at_word, find, unpinned
from dockerlens.semantics.managers import APK

_PINNED = APK.pinned

_VALUE_OPTIONS = APK.value_options


class ApkUnpinned(Rule):
    """`apk add` names a package without a version.

    ## What it does
    Flags a `RUN` whose `apk add` names a package without a version constraint: `curl` rather
    than `curl=8.11.1-r0` (or `curl~8.11`). `.apk` files count as pinned. The name given to
    `--virtual` is not a package.

    ## Why is this bad?
    An unpinned package is whatever the Alpine mirror holds on the day of the build, so the
    same Dockerfile builds different images over time and an upgrade can slip in unnoticed.

    ## Example
    ```dockerfile lines=2
    FROM alpine:3.20
    RUN apk add --no-cache curl
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    RUN apk add --no-cache curl=8.11.1-r0
    ```

    ## Differences from hadolint
    - Variables whose value is known are expanded (`apk add $BUILD_DEPS` with an `ENV` list),
      and a word that is only a variable of unknown value (such as the list a script computes
      with `scanelf`) is not judged; hadolint reads `$VAR` as written and reports it.
    - The values of `--root`, `--arch` and the other path options are not taken for packages.
    - `apk` is found behind wrappers such as `xargs` and `sudo`, in `sh -c` scripts and by
      path.
    """

    code = "DL3018"
    name = "apk-unpinned"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = (
        "Pin versions in apk add. Instead of `apk add <package>` use `apk add <package>=<version>`"
    )
    on = frozenset({"RUN"})
    run_mentions = frozenset({"apk"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        for invocation in find(step, "apk", "add"):
            packages = [w for w in invocation.operands(_VALUE_OPTIONS) if w.text != "add"]
            word = unpinned(packages, _PINNED)
            if word is not None:
                yield Problem(step, at=at_word(ctx, step, word, invocation))
                return
