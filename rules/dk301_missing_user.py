from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterator
from pathlib import Path

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import (
    Category,
    LintContext,
    Problem,
    Rule,
    RuleOptions,
    Severity,
    Step,
    option,
)
from dockerlens.lint.layers import build_context

#: Images known to run as a non-root user by default (fnmatch patterns on the image name
#: as written after FROM, ARGs expanded, without its digest).
NONROOT_IMAGES = [
    "*:nonroot",
    "*:*-nonroot",
    "*:nonroot-*",
    "*:*-nonroot-*",
    "*nginx-unprivileged*",
    "mcr.microsoft.com/dotnet/*:*chiseled*",
    "*nanoserver*",
    "jupyter/*",
    "quay.io/jupyter/*",
]


#: Programs an entrypoint runs to switch from root to another user (or s6-overlay's
#: per-service users), and `su`/`chroot` doing the same.
_PRIVILEGE_DROP = LazyPattern(
    r"\b(gosu|su-exec|setpriv|runuser|setuidgid|s6-setuidgid|s6-overlay|chpst|suexec|"
    r"su\s+(-\S+\s+)*-c|chroot\s+--userspec)\b"
)
_MAX_SCRIPT_BYTES = 256 * 1024


class MissingUser(Rule):
    """The final stage never sets `USER`, so the container runs as root.

    ## What it does
    Flags the final stage (at its `FROM`) when neither it nor the stages it is built `FROM`
    has a `USER` instruction (`ONBUILD USER` does not count: it applies to other images).
    Not reported:

    - a final stage built on an image known to run as a non-root user (the `nonroot-images`
      option: distroless `:nonroot` tags, `nginx-unprivileged`, .NET chiseled images,
      Nano Server, the Jupyter images...);
    - a `FROM scratch` final stage without `CMD` or `ENTRYPOINT`: it only exports files
      (`docker build --output`) and never runs;
    - dev-container Dockerfiles (under `.devcontainer/`), whose user is set by
      `devcontainer.json` (`remoteUser`, `containerUser`);
    - Windows images, which have no root user;
    - an image with neither `CMD` nor `ENTRYPOINT` (in it or the stages it is built `FROM`):
      a base or tool image, whose user is chosen by what is built on it or runs it;
    - an image that starts as root to switch user itself: `gosu`, `su-exec`, `setpriv`,
      `runuser`, `s6-setuidgid`, `chpst`, `su -c`, `chroot --userspec` or s6-overlay in its
      `CMD`/`ENTRYPOINT`, in a `RUN`, or in the entrypoint script it copies from the build
      context.

    Off by default (`extend-select = ["DK301"]` turns it on): on 1,331 real Dockerfiles it
    still fired on 590 (44 %) once the cases above were left out, mostly official and
    community images that run as root by design or leave the user to `docker run --user` and
    Kubernetes' `runAsUser`, which a Dockerfile cannot show. Teams that require a `USER`
    in every image turn it on.

    A `USER root` (or `0`) is DL3002's finding; this rule only asks for some `USER`.

    ## Why is this bad?
    Without `USER`, the process runs as uid 0. A bug in the application then gives root in
    the container: it can rewrite the image's own binaries, read every mounted secret and
    volume, bind to any port, and, with a kernel or runtime escape, or with the host's
    docker socket or a privileged flag added later, root on the host. Running as an
    unprivileged user costs one line and limits all of it. Many platforms (Kubernetes'
    `runAsNonRoot`, OpenShift's restricted policy) refuse root containers outright.

    ## Example
    ```dockerfile lines=1
    FROM python:3.12-slim
    COPY app.py /app/
    CMD ["python", "/app/app.py"]
    ```

    ```dockerfile lines=3
    FROM golang:1.23 AS build
    RUN CGO_ENABLED=0 go build -o /server ./cmd/server
    FROM scratch
    COPY --from=build /server /server
    ENTRYPOINT ["/server"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    RUN useradd --system --uid 10001 app
    COPY app.py /app/
    USER app
    CMD ["python", "/app/app.py"]
    ```

    ```dockerfile
    FROM golang:1.23 AS build
    RUN CGO_ENABLED=0 go build -o /server ./cmd/server
    FROM scratch
    COPY --from=build /server /server
    USER 65532:65532
    ENTRYPOINT ["/server"]
    ```

    ## Limits
    The user an image runs as is set by its base image's configuration, which a Dockerfile
    does not show: an image built on a base that already switched to a non-root user is
    reported unless that base is in `nonroot-images`. Add your own bases there, or ignore
    the rule for such files. A numeric `USER` needs no account in the image, so it also works
    for `scratch` and distroless images.

    ## Differences from hadolint
    hadolint's DL3002 reports only an explicit `USER root` as the last `USER` of a stage;
    a Dockerfile without any `USER` passes (hadolint issue #328, its most requested change).
    """

    code = "DK301"
    reads_build_context = True
    name = "missing-user"
    severity = Severity.WARNING
    category = Category.SECURITY
    message = "The final stage never sets USER: the container runs as root"
    on = frozenset()
    default_enabled = False

    class Options(RuleOptions):
        nonroot_images: list[str] = option(
            list(NONROOT_IMAGES),
            doc=(
                "Base images known to run as a non-root user: fnmatch patterns on the "
                "image as written after `FROM` (ARGs expanded, digest left out)."
            ),
        )

    def finish(self, ctx: LintContext) -> Iterator[Problem]:
        final = ctx.final_stage
        if final is None or ctx.is_windows(final):
            return
        if ".devcontainer" in ctx.path.replace("\\", "/").split("/"):
            return
        chain = ctx.lineage(final)[::-1]  # the stage built on an image first
        steps = [
            s for stage in chain for s in ctx.stage_steps(stage) if s.instruction.sub_cmd is None
        ]
        if any(step.keyword == "USER" for step in steps):
            return
        starts = [s for s in steps if s.keyword in ("CMD", "ENTRYPOINT")]
        if not starts:
            return  # a base or tool image: what runs in it, and as whom, is set by the next
        if _drops_privileges(ctx, steps, starts):
            return
        image = chain[0].base.split("@", 1)[0]
        if any(fnmatch.fnmatchcase(image, p) for p in self.options.nonroot_images):
            return
        own = ctx.stage_steps(final)
        if own:
            yield Problem(own[0])


def _drops_privileges(ctx: LintContext, steps: list[Step], starts: list[Step]) -> bool:
    """The image starts as root to switch to another user itself: a privilege-dropping tool
    in its ``CMD``/``ENTRYPOINT``, installed or used by a ``RUN``, or named in an entrypoint
    script the image copies from the build context."""
    for step in steps:
        if step.keyword in ("RUN", "CMD", "ENTRYPOINT") and _PRIVILEGE_DROP.search(
            " ".join(step.instruction.value)
        ):
            return True
    context = build_context(ctx)
    if context is None:
        return False
    scripts = {posixpath.basename(word) for start in starts for word in start.instruction.value}
    for step in steps:
        if step.keyword not in ("COPY", "ADD") or step.flag("from") is not None:
            continue
        for source in step.instruction.value[:-1]:
            if posixpath.basename(source.rstrip("/")) in scripts and _script_drops(context, source):
                return True
    return False


def _script_drops(context: Path, source: str) -> bool:
    path = context / source.lstrip("/")
    try:
        if not path.is_file() or path.stat().st_size > _MAX_SCRIPT_BYTES:
            return False
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return _PRIVILEGE_DROP.search(text) is not None
