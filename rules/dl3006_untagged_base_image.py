from __future__ import annotations

import re
from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.context import NO_CONTEXT
from dockerlens.lint.named_contexts import named_contexts
from dockerlens.model import AUTOMATIC_PLATFORM_ARGS

#: Image names a build argument's default gives to say "pass one" (VictoriaMetrics's
#: ``ARG root_image=non-existing``): no build pulls them.
_PLACEHOLDER = LazyPattern(
    r"^(?:non-?exist(?:ing|ent)|not-?set|unset|undefined|required|must-be-set|missing"
    r"|placeholder|change-?me|to-?be-?set|override-?me|none|null)$",
    re.IGNORECASE,
)

#: A base written as a placeholder alone, which a generator replaces with a whole image
#: reference (devcontainers' ``FROM REPLACE-ME``, ``FROM %%BASE_IMAGE%%``). Upper case is no
#: image name; one in part (``balenalib/%%BALENA_ARCH%%-debian``) still names the image.
_WHOLE_PLACEHOLDER = LazyPattern(r"^(?:%%\w+%%|@@\w+@@|[A-Z][A-Z0-9_-]*)$")


class UntaggedBaseImage(Rule):
    """A base image has neither a tag nor a digest, so the build pulls whatever `latest` is.

    ## What it does
    Flags a `FROM` whose image, once the global `ARG` defaults are expanded, names no tag and no
    digest. `scratch` and earlier stages are not images and pass.

    ## Why is this bad?
    An untagged image is `latest`: the same Dockerfile builds on a different base from one day
    to the next, and nobody reading it can tell which version it was written for.

    ## Example
    ```dockerfile lines=1
    FROM debian
    ```

    ```dockerfile lines=2
    ARG BASE=python
    FROM ${BASE}
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12.7-slim
    ```

    ```dockerfile
    ARG BASE=python:3.12-slim
    FROM ${BASE}
    ```

    ## Differences from hadolint
    hadolint judges the text as written: every `FROM ${IMAGE}` passes whatever the default of
    `IMAGE` is, while `FROM registry/app${SUFFIX}` fails even when `SUFFIX` defaults to `:1.2`.
    dockerlens expands the global `ARG` defaults first and judges the image the build would
    pull. A build argument without a default (or a tag that stays a variable) is not judged,
    nor is a base that uses a platform argument (`FROM base-${TARGETARCH}`), whose value
    depends on the platform being built;
    `FROM ${REGISTRY}/python` still fails, since the image name carries no tag whatever the
    registry is.

    Nor is a build argument's default that says "pass one" (`ARG root_image=non-existing`,
    `=unset`, `=required`, `=placeholder`...): no build pulls it. Nor is a name that a
    `docker-bake.hcl` (`.json`, `.override.*`) gives a build context
    (`contexts = { php-base = "docker-image://php:8.4-zts" }`), or a Compose file its
    `additional_contexts`, in the Dockerfile's folder or a folder above it up to the
    repository root: `FROM php-base` then names that context, and a tag would break the match.
    Nor is a placeholder that stands for the whole reference (`FROM REPLACE-ME`,
    `FROM %%BASE_IMAGE%%`: a template's, which a generator replaces with a tagged image).
    """

    code = "DL3006"
    reads_build_context = True
    name = "untagged-base-image"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = "Always tag the version of an image explicitly"
    on = frozenset({"FROM"})

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        stage = ctx.stage_of(step)
        if stage is None or stage.base_stage is not None or stage.is_scratch:
            return
        if step.uses & set(AUTOMATIC_PLATFORM_ARGS):
            return  # `FROM base-$TARGETARCH`: which stage or image depends on the platform
        base = stage.base
        if not base or "@" in base:
            return
        last = base.rsplit("/", 1)[-1]
        if "$" in last or ":" in last:
            return  # a tag (or what may become one) is there
        if base != stage.base_text and _PLACEHOLDER.search(last):
            return  # `ARG root_image=non-existing`: a default that says "pass one"
        if _WHOLE_PLACEHOLDER.match(base):
            return  # no image at all (`FROM REPLACE-ME`, a template's placeholder)
        if ctx.path not in NO_CONTEXT and base in named_contexts(ctx.path):
            return  # bake's `contexts` or Compose's `additional_contexts` says what it is
        message = None
        if base != stage.base_text:
            message = f"{self.message} (`{stage.base_text}` is `{base}`)"
        yield Problem(step, message=message, at=stage.base_text)
