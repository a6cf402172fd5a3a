from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass, field

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity

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
      `devcontainer.json` (`remoteUser`, `containerUser`).

    A `USER root` (or `0`) is DL3002's finding; this rule only asks for some `USER`.

    ## Why is this bad?
    Without `USER`, the process runs as uid 0. A bug in the application then gives root in
    the container: it can rewrite the image's own binaries, read every mounted secret and
    volume, bind to any port, and, with a kernel or runtime escape, or with the host's
    docker socket or a privileged flag added later, root on the host. Running as an
    unprivileged user costs one line and limits all of it. Many platforms (Kubernetes'
    `runAsNonRoot`, OpenShift's restricted policy) refuse root containers outright.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    COPY app.py /app/
    CMD ["python", "/app/app.py"]
    ```

    ```dockerfile
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
    name = "missing-user"
    severity = Severity.WARNING
    category = Category.SECURITY
    message = "The final stage never sets USER: the container runs as root"
    on = frozenset()

    @dataclass(frozen=True)
    class Options:
        nonroot_images: list[str] = field(
            default_factory=lambda: list(NONROOT_IMAGES),
            metadata={
                "doc": "Base images known to run as a non-root user: fnmatch patterns on the "
                "image as written after `FROM` (ARGs expanded, digest left out)."
            },
        )

    def finish(self, ctx: LintContext) -> Iterator[Problem]:
        final = ctx.final_stage
        if final is None:
            return
        if ".devcontainer" in ctx.path.replace("\\", "/").split("/"):
            return
        chain = ctx.lineage(final)[::-1]  # the stage built on an image first
        for stage in chain:
            for step in ctx.stage_steps(stage):
                if step.keyword == "USER" and step.instruction.sub_cmd is None:
                    return
        root = chain[0]
        if root.is_scratch and not any(
            s.keyword in ("CMD", "ENTRYPOINT") and s.instruction.sub_cmd is None
            for stage in chain
            for s in ctx.stage_steps(stage)
        ):
            return
        image = root.base.split("@", 1)[0]
        if any(fnmatch.fnmatchcase(image, p) for p in self.options.nonroot_images):
            return
        steps = ctx.stage_steps(final)
        if steps:
            yield Problem(steps[0])
