from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.packages import at_word, find, unpinned
from dockerlens.semantics.managers import APT

_PINNED = APT.pinned

_VALUE_OPTIONS = APT.value_options


class AptGetUnpinned(Rule):
    """`apt-get install` names a package without a version.

    ## What it does
    Flags a `RUN` whose `apt-get install` installs a package without saying which version:
    `curl` rather than `curl=7.88.1-10+deb12u8`. A package counts as pinned when it has an
    `=version`, a `/release` suffix, or is a `.deb` file. The `RUN` is reported once, at its
    first unpinned package.

    ## Why is this bad?
    An unpinned package is whatever the mirror holds on the day of the build. Two builds of the
    same Dockerfile can get different versions, and a rebuild made to change one thing can
    bring in an unrelated upgrade, or a regression, without anything in the diff saying so.

    ## Example
    ```dockerfile lines=3
    FROM debian:12
    RUN apt-get update \\
     && apt-get install -y --no-install-recommends curl \\
     && rm -rf /var/lib/apt/lists/*
    ```

    ```dockerfile lines=3
    FROM debian:12
    ARG PACKAGES="curl git"
    RUN apt-get install -y --no-install-recommends $PACKAGES
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    RUN apt-get update \\
     && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\
     && rm -rf /var/lib/apt/lists/*
    ```

    ```dockerfile
    FROM debian:12
    ARG PACKAGES="curl=7.88.1-10+deb12u8 git=1:2.39.5-0+deb12u1"
    RUN apt-get install -y --no-install-recommends $PACKAGES
    ```

    ## Differences from hadolint
    - Variables are expanded where their value is known: `ARG` and `ENV` values and plain
      assignments earlier in the same `RUN` (`pkgs="a=1 b=2"; apt-get install $pkgs`).
      hadolint counts every `$VAR` as unpinned (hadolint#928). A word that is only a variable
      of unknown value (an `ARG` without default, a value computed by the script) could hold
      pinned packages and is not judged. In an `ONBUILD RUN`, this build's `ARG` values are not
      used: the child build does not see them.
    - `apt-get` is found behind `sudo`, `env`, `xargs` and similar wrappers, inside
      `sh -c '...'` and `su -c '...'` scripts, and when called by path (`/usr/bin/apt-get`).
    - The value of `-o`/`--option` (and `-c`, `-a`) is not taken for a package, like that of
      `-t`/`--target-release`.
    """

    code = "DL3008"
    name = "apt-get-unpinned"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = (
        "Pin versions in apt get install. Instead of `apt-get install <package>` use "
        "`apt-get install <package>=<version>`"
    )
    on = frozenset({"RUN"})
    run_mentions = frozenset({"apt-get"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        for invocation in find(step, "apt-get", "install"):
            packages = [w for w in invocation.operands(_VALUE_OPTIONS) if w.text != "install"]
            word = unpinned(packages, _PINNED)
            if word is not None:
                yield Problem(step, at=at_word(ctx, step, word, invocation))
                return
