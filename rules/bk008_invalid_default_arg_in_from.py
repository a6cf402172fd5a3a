from __future__ import annotations

from collections.abc import Iterator

from dockerlens.imageref import split_image_ref
from dockerlens.lint import Category, LintContext, Problem, Rule, Severity
from dockerlens.syntax.lexer import Lexer, LexError

#: What BuildKit predefines for FROM lines, for a build on and for linux/amd64 (the values only
#: matter for telling a valid image reference from an invalid one).
_PLATFORM_DEFAULTS = {
    "BUILDPLATFORM": "linux/amd64",
    "BUILDOS": "linux",
    "BUILDOSVERSION": "",
    "BUILDARCH": "amd64",
    "BUILDVARIANT": "",
    "TARGETPLATFORM": "linux/amd64",
    "TARGETOS": "linux",
    "TARGETOSVERSION": "",
    "TARGETARCH": "amd64",
    "TARGETVARIANT": "",
}


class InvalidDefaultArgInFrom(Rule):
    """A `FROM` image is empty or invalid unless build arguments are passed.

    ## What it does
    Expands each stage's base image with the global `ARG` defaults alone (no `--build-arg`),
    as BuildKit's `InvalidDefaultArgInFrom` build check does, and flags a `FROM` whose result
    is empty or not a valid image reference, such as `busybox:` from `ARG TAG` and
    `FROM busybox:${TAG}`.

    ## Why is this bad?
    A plain `docker build .` fails, and so does every tool that builds the file without
    knowing which arguments it needs. A default (or a `${TAG:-default}`) documents a working
    value and keeps the file buildable as is.

    ## Example
    ```dockerfile lines=2
    ARG TAG
    FROM busybox:${TAG}
    ```

    ```dockerfile lines=2
    ARG IMAGE
    FROM $IMAGE
    ```

    ## Use instead
    ```dockerfile
    ARG TAG=1.36
    FROM busybox:${TAG}
    ```

    ```dockerfile
    ARG IMAGE=alpine:3.20
    FROM $IMAGE
    ```

    ```dockerfile
    ARG VARIANT
    FROM busybox:stable${VARIANT}
    ```

    ```dockerfile
    ARG TAG
    FROM alpine:${TAG:-3.20}
    ```

    ## Differences from BuildKit
    A `FROM` that names no build argument (`FROM %%BASE_IMAGE%%`, `FROM REPLACE-ME`: a template's
    placeholder that a generator fills in) is not reported: no argument passed or left out
    changes it. The predefined platform arguments take the values of a `linux/amd64` build.
    Image references are checked with dockerlens's reference parser, which does not validate the
    registry host name or the 255-character limit. A `# check=skip=InvalidDefaultArgInFrom`
    comment directly above a `FROM` silences it for that line; BuildKit honours only the
    file-wide directive for this check.

    ## References
    - BuildKit: https://docs.docker.com/go/dockerfile/rule/invalid-default-arg-in-from/
    """

    code = "BK008"
    name = "invalid-default-arg-in-from"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = "Default value for global ARG results in an empty or invalid base image name"
    buildkit_name = "InvalidDefaultArgInFrom"

    def finish(self, ctx: LintContext) -> Iterator[Problem]:
        lexer = Lexer(ctx.dockerfile.parse.escape_token)
        stages = ctx.stages
        env: dict[str, str | None] = dict(_PLATFORM_DEFAULTS)
        env["TARGETSTAGE"] = (stages[-1].name if stages else None) or "default"
        try:
            for step in ctx.steps:
                if step.stage is not None:
                    break
                if step.keyword != "ARG":
                    continue
                for word in step.instruction.value:
                    name, has_default, default = word.partition("=")
                    if has_default:
                        env[name] = lexer.process_word(default, env).result
        except LexError:
            return
        for stage in stages:
            step = ctx.steps[stage.steps[0]]
            if "$" not in stage.base_text:
                continue  # no argument could make it valid: a template's placeholder
            try:
                base = lexer.process_word(stage.base_text, env).result
            except LexError:
                return
            if split_image_ref(base) is None or base.endswith("@"):
                message = (
                    f"Default value for ARG {stage.base_text} results in empty or invalid base "
                    "image name"
                )
                yield Problem(step, message=message, at=stage.base_text)
