from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, Fix, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.edits import replace_match
from dockerlens.model import Variable, expand_word

#: A value no real platform has: the expansion equals it only when it is TARGETPLATFORM's.
_SENTINEL = "\x00target-platform\x00"


class RedundantTargetPlatform(Rule):
    """`FROM --platform=$TARGETPLATFORM` asks for what `FROM` does anyway.

    ## What it does
    Flags a `FROM` whose `--platform` value is only `$TARGETPLATFORM` (`${TARGETPLATFORM}`,
    `${TARGETPLATFORM:-linux/amd64}`...): the one variable it uses is `TARGETPLATFORM` and the
    value is that variable's.

    ## Why is this bad?
    A stage is built for the target platform unless told otherwise, so the flag changes
    nothing and suggests to readers that it does. `--platform=$BUILDPLATFORM` is the useful
    form, for stages that run build tools natively.

    ## Example
    ```dockerfile lines=1
    FROM --platform=$TARGETPLATFORM debian:12
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    ```

    ```dockerfile
    FROM --platform=$BUILDPLATFORM golang:1.23 AS build
    ```

    ## Fix safety
    The `--platform` flag is removed. Safe: without it BuildKit pulls the base image for the
    target platform, which is what the flag asked for.

    ## Differences from hadolint
    hadolint compares the text with `$TARGETPLATFORM` and `${TARGETPLATFORM}` only; like
    BuildKit's `RedundantTargetPlatform`, dockerlens expands the value and reports it when
    it can only be the target platform.
    """

    code = "DL3065"
    name = "redundant-target-platform"
    severity = Severity.WARNING
    category = Category.STYLE
    message = (
        "Setting `FROM --platform` to predefined `$TARGETPLATFORM` is redundant as this is "
        "the default behavior"
    )
    on = frozenset({"FROM"})
    buildkit_name = "RedundantTargetPlatform"

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        if step.instruction.sub_cmd is not None:
            return
        raw = next(
            (f.partition("=")[2] for f in step.instruction.flags if f.startswith("--platform=")),
            None,
        )
        if not raw:
            return
        scope = dict(ctx.dockerfile.global_args)
        scope["TARGETPLATFORM"] = Variable("TARGETPLATFORM", _SENTINEL, None, "arg")
        text, matched, unmatched = expand_word(raw, scope, step.escape)
        if matched == {"TARGETPLATFORM"} and not unmatched and text == _SENTINEL:
            fix = None
            edit = replace_match(ctx, step, _FLAG, "")
            if edit is not None and edit.line == step.instruction.start_line:
                fix = Fix("Remove the redundant --platform", (edit,))
            yield Problem(step, at=raw, fix=fix)


_FLAG = LazyPattern(r"(?<=[ \t])--platform=\S+[ \t]+")
