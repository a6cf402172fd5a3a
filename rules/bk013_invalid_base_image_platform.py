from __future__ import annotations

from collections.abc import Iterator

from dockerlens.imageref import split_image_ref
from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step

#: Docker Hub's per-architecture organisations of the official images: (os, architecture).
ARCH_ORGANISATIONS = {
    "amd64": ("linux", "amd64"),
    "arm32v5": ("linux", "arm"),
    "arm32v6": ("linux", "arm"),
    "arm32v7": ("linux", "arm"),
    "arm64v8": ("linux", "arm64"),
    "i386": ("linux", "386"),
    "mips64le": ("linux", "mips64le"),
    "ppc64le": ("linux", "ppc64le"),
    "riscv64": ("linux", "riscv64"),
    "s390x": ("linux", "s390x"),
    "winamd64": ("windows", "amd64"),
}
#: How containerd normalises architecture names.
_ARCH_ALIASES = {
    "x86_64": "amd64",
    "x86-64": "amd64",
    "aarch64": "arm64",
    "armhf": "arm",
    "armel": "arm",
    "i386": "386",
    "i686": "386",
    "x86": "386",
}
_WINDOWS_WORDS = ("nanoserver", "windowsservercore")


class InvalidBaseImagePlatform(Rule):
    """A `FROM --platform` contradicts the platform the base image itself is made for.

    ## What it does
    BuildKit's `InvalidBaseImagePlatform` check compares the platform of the image it pulled
    with the platform the stage is built for, which needs a registry. dockerlens checks, without
    one, the cases where the image reference alone tells the operating system or the
    architecture, against a `--platform` whose value is known (a constant, or built from global
    `ARG` defaults such as `linux/$TARGETARCH`, whose OS part is then known):

    - Docker Hub's per-architecture repositories of the official images (`arm64v8/alpine` is
      linux/arm64, `amd64/...`, `arm32v7/...`, `i386/...`, `ppc64le/...`, `s390x/...`,
      `riscv64/...`, `mips64le/...`, `winamd64/...` is windows/amd64);
    - Windows images: `mcr.microsoft.com/windows/...`, `mcr.microsoft.com/dotnet/framework/...`,
      and any image whose name or tag says `nanoserver` or `windowsservercore`.

    Like BuildKit, only the operating system and the architecture are compared (not the
    variant: `arm32v6` and `linux/arm/v7` agree).

    Not caught: a `FROM` without `--platform` or whose platform comes from the build
    (`$BUILDPLATFORM`, `$TARGETPLATFORM` without a default), any other image (its platforms are
    only known to the registry, and names such as `cross-arm64` often describe the platform an
    image builds for, not the one it runs on), and images given through build arguments
    without defaults.

    ## Why is this bad?
    An image made for one platform cannot serve as the base of another: the pull fails with
    "no match for platform in manifest", or BuildKit uses the image anyway and warns, and the
    result runs under emulation or not at all.

    ## Example
    ```dockerfile lines=1
    FROM --platform=linux/amd64 arm64v8/alpine:3.20
    ```

    ```dockerfile lines=1
    FROM --platform=linux/amd64 mcr.microsoft.com/windows/servercore:ltsc2022
    ```

    ## Use instead
    ```dockerfile
    FROM --platform=linux/arm64 alpine:3.20
    ```

    ```dockerfile
    FROM --platform=windows/amd64 mcr.microsoft.com/windows/servercore:ltsc2022
    ```

    ## Differences from BuildKit
    BuildKit reports what the registry says about the pulled image, for every stage that is
    built; dockerlens only what the reference names (see above). BuildKit has no
    documentation page for this check.
    """

    code = "BK013"
    name = "invalid-base-image-platform"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = "Base image platform does not match expected target platform"
    on = frozenset({"FROM"})
    buildkit_name = "InvalidBaseImagePlatform"

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        stage = ctx.stage_of(step)
        if stage is None or stage.base_stage is not None or not stage.platform:
            return
        if stage.is_scratch:
            return
        actual = image_platform(stage.base)
        if actual is None:
            return
        # Parts still holding a variable (the build's own TARGETARCH...) are unknown.
        parts = ["" if "$" in part else part for part in stage.platform.lower().split("/")]
        wanted_os = parts[0]
        wanted_arch = _ARCH_ALIASES.get(parts[1], parts[1]) if len(parts) > 1 else ""
        image_os, image_arch = actual
        if (wanted_os and wanted_os != image_os) or (
            wanted_arch and image_arch and wanted_arch != image_arch
        ):
            shown = image_os + (f"/{image_arch}" if image_arch else "")
            written = next(
                (
                    f[len("--platform=") :]
                    for f in step.instruction.flags
                    if f.startswith("--platform=")
                ),
                stage.platform,
            )
            message = (
                f'Base image {stage.base} is made for "{shown}", expected "{written}" '
                "for this stage"
            )
            yield Problem(step, message=message, at=stage.base_text)


def image_platform(reference: str) -> tuple[str, str] | None:
    """(os, architecture) an image reference names ("" for an unknown architecture)."""
    ref = split_image_ref(reference)
    if ref is None:
        return None
    organisation, _, _rest = ref.path.partition("/")
    if ref.domain == "docker.io" and organisation in ARCH_ORGANISATIONS:
        return ARCH_ORGANISATIONS[organisation]
    words = f"{ref.path}:{ref.tag or ''}".lower()
    if ref.domain == "mcr.microsoft.com" and (
        organisation == "windows" or ref.path.startswith("dotnet/framework/")
    ):
        return ("windows", "")
    if any(word in words for word in _WINDOWS_WORDS):
        return ("windows", "")
    return None
