from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, Fix, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.edits import replace_match

#: Operating systems Go (and so containerd's platform parser) knows.
_OSES = frozenset(
    {
        "aix",
        "android",
        "darwin",
        "dragonfly",
        "freebsd",
        "illumos",
        "ios",
        "js",
        "linux",
        "netbsd",
        "openbsd",
        "plan9",
        "solaris",
        "wasip1",
        "windows",
    }
)
#: Architecture spellings and the names containerd normalises them to.
_ARCHES = {
    "386": "386",
    "i386": "386",
    "i486": "386",
    "i586": "386",
    "i686": "386",
    "x86": "386",
    "amd64": "amd64",
    "x86_64": "amd64",
    "x86-64": "amd64",
    "arm": "arm",
    "armhf": "arm",
    "armel": "arm",
    "arm64": "arm64",
    "aarch64": "arm64",
    "ppc64le": "ppc64le",
    "ppc64": "ppc64",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "mips64le": "mips64le",
    "mips64": "mips64",
    "mipsle": "mipsle",
    "mips": "mips",
    "loong64": "loong64",
    "wasm": "wasm",
}


class FromPlatformConstant(Rule):
    """`FROM --platform` pins a constant platform, so the stage ignores the platform being built.

    ## What it does
    Flags `FROM --platform=<value>` when the value uses no build argument (`linux/amd64`
    rather than `$BUILDPLATFORM` or `$TARGETOS/$TARGETARCH`), unless the stage name mentions
    the platform's operating system or architecture (`AS build-amd64`), which says the pin is
    deliberate.

    ## Why is this bad?
    A constant platform builds the stage for that platform whatever `--platform` the build
    was asked for: a multi-platform build silently ships an amd64 binary in its arm64 image,
    or runs the stage under emulation.

    ## Example
    ```dockerfile lines=1
    FROM --platform=linux/amd64 golang:1.23 AS build
    ```

    ## Use instead
    ```dockerfile
    FROM --platform=$BUILDPLATFORM golang:1.23 AS build
    ```

    ```dockerfile
    FROM --platform=linux/amd64 golang:1.23 AS build-amd64
    ```

    ## Fix safety
    The constant becomes `$BUILDPLATFORM`, which suits a stage that builds something (a
    compiler stage cross-compiling for `$TARGETPLATFORM`). Unsafe: the stage then runs on the
    build machine's platform; a stage that must run on the given platform (emulated) needs
    its own name saying so instead (`AS build-amd64`).

    ## Differences from hadolint
    hadolint flags any `--platform` whose value does not contain `BUILDPLATFORM` or
    `TARGETPLATFORM`, so `--platform=$TARGETOS/$TARGETARCH` and `--platform=${BUILDOS}/...`
    are reported too. dockerlens follows BuildKit's `FromPlatformFlagConstDisallowed`
    check: any variable makes the value not constant, a stage named after its platform is
    exempt, and a value that is not a platform is left to the build to reject.
    """

    code = "DL3029"
    name = "from-platform-constant"
    severity = Severity.WARNING
    category = Category.CORRECTNESS
    message = "Do not use --platform flag with FROM"
    on = frozenset({"FROM"})
    buildkit_name = "FromPlatformFlagConstDisallowed"

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        raw = next(
            (f.partition("=")[2] for f in step.instruction.flags if f.startswith("--platform=")),
            None,
        )
        stage = ctx.stage_of(step)
        if raw is None or stage is None or "$" in raw:
            return
        parsed = _parse_platform(raw)
        if parsed is None:
            return
        os_name, arch = parsed
        name = (stage.name or "").lower()
        if name and ((os_name and os_name in name) or (arch and arch in name)):
            return
        edit = replace_match(ctx, step, _VALUE, "$BUILDPLATFORM", group=1)
        fix = Fix("Build on $BUILDPLATFORM", (edit,), safe=False) if edit else None
        yield Problem(step, at=f"--platform={raw}", fix=fix)


_VALUE = LazyPattern(r"(?<=[ \t])--platform=([^\s$]+)(?=[ \t])")


def _parse_platform(text: str) -> tuple[str, str] | None:
    """(os, architecture) of ``linux/arm64/v8``, ``windows``, ``amd64``...; None if invalid."""
    parts = text.lower().split("/")
    if not 1 <= len(parts) <= 3 or not all(parts):
        return None
    if len(parts) == 1:
        if parts[0] in _OSES:
            return parts[0], ""
        arch = _ARCHES.get(parts[0])
        return ("", arch) if arch else None
    if parts[0] not in _OSES:
        return None
    arch = _ARCHES.get(parts[1])
    return (parts[0], arch) if arch else None
