from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, Fix, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import has_flag
from dockerlens.lint.edits import insert_flag
from dockerlens.lint.packages import at_command, configured, find

_RECOMMENDS_OFF = LazyPattern(r"(?i)APT::Install-Recommends=(0|false|no|off)")
#: ``APT::Install-Recommends "false";`` written to apt's configuration by a RUN.
_RECOMMENDS_OFF_CONFIG = LazyPattern(r"(?i)APT::Install-Recommends\s+\\?\"?(0|false|no|off)\b")


class AptGetInstallRecommends(Rule):
    """`apt-get install` runs without `--no-install-recommends` and pulls in extra packages.

    ## What it does
    Flags a `RUN` whose `apt-get install` lets apt add the packages the named ones merely
    recommend: it has neither `--no-install-recommends` nor `-o
    APT::Install-Recommends=false`, and no earlier `RUN` of the stage turned recommends off in
    apt's configuration.

    ## Why is this bad?
    Recommended packages are not needed for the named ones to work, and they often weigh more
    than what was asked for (documentation, desktop libraries, extra tools): a bigger image,
    longer builds and more packages to patch.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    RUN apt-get update && apt-get install -y curl=7.88.1-10+deb12u8
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8
    ```

    ```dockerfile
    FROM debian:12
    RUN echo 'APT::Install-Recommends "false";' > /etc/apt/apt.conf.d/99no-recommends
    RUN apt-get update && apt-get install -y curl=7.88.1-10+deb12u8
    ```

    ## Fix safety
    `--no-install-recommends` is added after the options of the `RUN`'s one `apt-get
    install`. Unsafe: a program in the image may need a package that was only recommended
    (`ca-certificates` for `curl` to reach HTTPS sites is the classic one); add those by name.

    ## Differences from hadolint
    - `APT::Install-Recommends` turned off in apt's configuration by a `RUN` of this stage (or
      of a stage it is built `FROM`) counts, and the option accepts every false value apt
      does (`0`, `false`, `no`, `off`); hadolint only knows `APT::Install-Recommends=false`.
    - `apt-get` is found behind wrappers such as `sudo`, in `sh -c` scripts and by path.
    """

    code = "DL3015"
    name = "apt-get-install-recommends"
    severity = Severity.INFO
    category = Category.BLOAT
    message = "Avoid additional packages by specifying `--no-install-recommends`"
    on = frozenset({"RUN"})
    run_mentions = frozenset({"apt-get"})
    onbuild = True

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        for invocation in find(step, "apt-get", "install"):
            if has_flag(invocation.command, "no-install-recommends"):
                continue
            if any(_RECOMMENDS_OFF.search(arg) for arg in invocation.args):
                continue
            if configured(ctx, step, _RECOMMENDS_OFF_CONFIG):
                continue
            yield Problem(
                step, at=at_command(ctx, step, invocation, "install"), fix=_fix(ctx, step)
            )
            return


#: apt-get options whose value is the next word.
_VALUED = frozenset({"-t", "-o", "-c", "--target-release", "--option", "--config-file"})


def _fix(ctx: LintContext, step: Step) -> Fix | None:
    if len(find(step, "apt-get", "install")) != 1:
        return None
    flag = "--no-install-recommends"
    edit = insert_flag(ctx, step, "apt-get install", flag, after_flags=True, valued=_VALUED)
    return Fix(f"Add {flag}", (edit,), safe=False) if edit else None
