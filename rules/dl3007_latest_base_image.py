from __future__ import annotations

from collections.abc import Iterator

from dockerlens.imageref import split_image_ref
from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step


class LatestBaseImage(Rule):
    """A base image is pinned to the moving `latest` tag.

    ## What it does
    Flags a `FROM` whose image, once build arguments are expanded, has the tag `latest` and no
    digest.

    ## Why is this bad?
    `latest` is whatever was pushed last. The same Dockerfile builds a different image from one
    day to the next, and a rebuild to fix one thing can bring in an unrelated major upgrade.

    ## Example
    ```dockerfile lines=1
    FROM debian:latest
    ```

    ```dockerfile lines=2
    ARG VERSION=latest
    FROM python:${VERSION}
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12.7-slim
    ```

    ```dockerfile
    FROM debian:latest@sha256:27586f4609433f2f49a9157405b473c62c3cb28a51c5eb4d8ef8de2ac9abbec2
    ```

    ## Differences from hadolint
    hadolint reads the text as written, so `FROM python:${VERSION}` passes however `VERSION`
    defaults. dockerlens expands global `ARG` defaults first.
    """

    code = "DL3007"
    name = "latest-base-image"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = (
        "Using latest is prone to errors if the image will ever update. "
        "Pin the version explicitly to a release tag"
    )
    on = frozenset({"FROM"})

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        stage = ctx.stage_of(step)
        if stage is None or stage.base_stage is not None:
            return
        ref = split_image_ref(stage.base)
        if ref is not None and ref.tag == "latest" and ref.digest is None:
            yield Problem(step, at=stage.base_text)
