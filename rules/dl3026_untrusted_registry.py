from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dockerlens.imageref import DEFAULT_DOMAIN
from dockerlens.lint import Category, LintContext, Problem, Rule, RuleOptions, Severity, option
from dockerlens.model import AUTOMATIC_PLATFORM_ARGS

_PLATFORM_ARGS = frozenset(AUTOMATIC_PLATFORM_ARGS)


class UntrustedRegistry(Rule):
    """An image comes from a registry that is not in the configured list of trusted ones.

    ## What it does
    When `trusted-registries` is set, flags every image the build pulls from elsewhere: the
    base of a `FROM`, `COPY --from=<image>` and `RUN --mount=from=<image>`. Build arguments are
    expanded first. An image without a registry comes from Docker Hub, which passes when
    `docker.io` (or `hub.docker.com`) is trusted. A pattern is `*` (any registry),
    `*.example.com` (a suffix), `registry.*` (a prefix) or an exact name.

    ## Why is this bad?
    Base images and copied tools run with the build's privileges and end up in the image.
    Organisations that mirror and scan images want every pull to go through their registries.

    ## Example
    ```dockerfile lines=1
    FROM quay.io/prometheus/busybox:latest
    ```

    ```dockerfile lines=2
    FROM docker.io/library/debian:12
    COPY --from=ghcr.io/astral-sh/uv:0.4 /uv /bin/uv
    ```

    ## Use instead
    ```dockerfile
    FROM registry.example.com/debian:12
    ```

    ```dockerfile
    FROM debian:12
    COPY --from=mirror.example.com/astral-sh/uv:0.4 /uv /bin/uv
    ```

    ## Differences from hadolint
    hadolint reads images as written, so `FROM ${REGISTRY}/app` is never judged (its issue
    315) and `COPY --from=0` is taken for an image on Docker Hub. dockerlens expands build
    arguments first, leaves unresolved ones alone, and knows stage indexes. An instruction
    with several untrusted images is reported once. The registry is read as Docker reads it:
    a first component with a port or named `localhost` is a registry (hadolint takes
    `localhost:5000/app` and `myreg:5000/app` for images on Docker Hub), and
    `index.docker.io` is Docker Hub (hadolint reports it when only `docker.io` is trusted).
    """

    code = "DL3026"
    name = "untrusted-registry"
    severity = Severity.ERROR
    category = Category.SECURITY
    message = "Use only an allowed registry in the FROM image"
    on = frozenset()
    inert_unless = ("trusted_registries",)
    example_options: ClassVar[dict[str, Any]] = {
        "trusted-registries": ["docker.io", "*.example.com"]
    }

    class Options(RuleOptions):
        trusted_registries: list[str] = option(
            [],
            doc=(
                "Registries images may come from (`*`, `*.suffix`, `prefix.*`); "
                "empty turns the rule off (hadolint's `trustedRegistries`)"
            ),
        )

    def finish(self, ctx: LintContext) -> Iterator[Problem]:
        allowed = list(self.options.trusted_registries)
        if not allowed:
            return
        reported: set[int] = set()
        for ref in ctx.dockerfile.references:
            if ref.target_stage is not None or ref.undefined or ref.step in reported:
                continue
            if ref.text.lower() == "scratch":
                continue
            step = ctx.steps[ref.step]
            if ref.kind == "from" and step.uses & _PLATFORM_ARGS:
                continue  # `FROM base-$TARGETARCH`: the stage or image depends on the platform
            domain = ref.image.domain if ref.image is not None else _literal_registry(ref.text)
            if domain is None:
                continue
            names = [domain] + (["hub.docker.com"] if domain == DEFAULT_DOMAIN else [])
            if any(_matches(pattern, name) for pattern in allowed for name in names):
                continue
            reported.add(ref.step)
            message = f"{self.message} (`{domain}` is not trusted)"
            at = {"copy": "--from", "mount": "from="}.get(ref.kind, ctx.stages[ref.stage].base_text)
            yield Problem(step, message=message, at=at)


def _matches(pattern: str, registry: str) -> bool:
    if pattern == "*":
        return True
    if pattern.startswith("*"):
        return registry.endswith(pattern[1:])
    if pattern.endswith("*"):
        return registry.startswith(pattern[:-1])
    return registry == pattern


def _literal_registry(text: str) -> str | None:
    """The registry of a reference the model could not read because of a variable, when the
    registry is known anyway: ``quay.io/app:${TAG}``, ``app:${TAG}`` (Docker Hub)."""
    first, slash, _ = text.partition("/")
    if not slash:
        first = first.split(":", 1)[0].split("@", 1)[0]
    if not first or "$" in first:
        return None
    if slash and ("." in first or ":" in first or first == "localhost"):
        return first
    return DEFAULT_DOMAIN
