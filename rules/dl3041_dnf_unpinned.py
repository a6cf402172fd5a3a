from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.packages import at_word, find, rpm_unpinned


class DnfUnpinned(Rule):
    """`dnf install` names a package without a version.

    ## What it does
    Flags a `RUN` whose `dnf` or `microdnf` `install` names a package without a version:
    `httpd` rather than `httpd-2.4.62`. A package counts as pinned when what follows its first
    `-` looks like a version (every `-`-separated part made of letters, digits and `.~^_:+`,
    one part starting with a digit); `.rpm` files carry their version. For `dnf module
    install`, a module needs its stream (`nodejs:20`); `dnf group install` is not checked.

    ## Why is this bad?
    Without a version, dnf installs whatever the repositories hold on the day of the build, so
    the same Dockerfile builds different images over time and an upgrade can slip in
    unnoticed.

    ## Example
    ```dockerfile lines=2
    FROM fedora:41
    RUN dnf install -y httpd && dnf clean all
    ```

    ## Use instead
    ```dockerfile
    FROM fedora:41
    RUN dnf install -y httpd-2.4.62 && dnf clean all
    ```

    ## Differences from hadolint
    - Variables whose value is known are expanded and judged (`mysql-shell-$MYSQL_VERSION`
      with an `ENV` value). A variable of unknown value stands for a version where it sits
      (`httpd-${VERSION}` passes, `${NAME}-devel` does not); a word that is only such a
      variable is not judged. A variable that no `ARG` or `ENV` of the stage (nor the script)
      defines is empty, as in hadolint: `httpd-${VERSION}` with `VERSION` set only in another
      stage is unpinned. hadolint passes any word with `${X}` when `X` is a declared `ARG` or
      `ENV`, and fails every other `$`.
    - A `.rpm` file without a `-` in its name passes, and so does a path whose file name is a
      variable only the build knows (`/tmp/pkg/${FILE}`): a local package file.
    - The values of `--enablerepo`, `--setopt`, `-x` and other options are not taken for
      packages.
    - `dnf` is found behind wrappers such as `sudo`, in `sh -c` scripts and by path.
    """

    code = "DL3041"
    name = "dnf-unpinned"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = "Specify version with `dnf install -y <package>-<version>`."
    on = frozenset({"RUN"})
    run_mentions = frozenset({"dnf"})  # microdnf
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        for invocation in find(step, ("dnf", "microdnf"), "install"):
            if invocation.has("group"):
                continue
            word = rpm_unpinned(invocation, step)
            if word is not None:
                yield Problem(step, at=at_word(ctx, step, word, invocation))
                return
