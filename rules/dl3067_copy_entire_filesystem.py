from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.paths import clean


class CopyEntireFilesystem(Rule):
    """`COPY --from` copies the whole root filesystem of a stage or image over `/`.

    ## What it does
    Flags a `COPY --from=...` with `/` among its sources and `/` as its destination. Not
    when the source is built `FROM scratch` in the same file, or is an image made to be
    copied so (`tonistiigi/xx`, BuildKit's cross-compilation helpers; Docker's binaries
    images `docker/buildx-bin`, `docker/compose-bin`, `gloursdocker/docker`, and
    `crazymax/yasu`, which hold the programs alone).

    ## Why is this bad?
    The whole filesystem of the source, package databases, `/etc/passwd` and caches
    included, is laid over this stage's: files silently replace each other, and the layer
    holds a second operating system. Copy the directories the application needs.

    ## Example
    ```dockerfile lines=4
    FROM debian:12 AS build
    RUN make install DESTDIR=/out
    FROM debian:12
    COPY --from=build / /
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12 AS build
    RUN make install DESTDIR=/out
    FROM debian:12
    COPY --from=build /out/ /
    ```

    ```dockerfile
    FROM debian:12 AS rootfs
    RUN make install DESTDIR=/out
    FROM scratch
    COPY --from=rootfs / /
    ```

    ## Differences from hadolint
    Copying everything into a `FROM scratch` stage (flattening an image into one layer) is
    what `COPY --from=x / /` is for, and is not reported; nor is copying everything out of a
    stage of this file built `FROM scratch` (a root filesystem assembled from `COPY`s holds
    no operating system). Spellings of the root such as
    `/.` count as `/`.
    """

    code = "DL3067"
    name = "copy-entire-filesystem"
    severity = Severity.WARNING
    category = Category.BLOAT
    message = "Do not copy an entire filesystem from another stage"
    on = frozenset({"COPY"})

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        stage = ctx.stage_of(step)
        if step.flag("from") is None or step.instruction.sub_cmd is not None:
            return
        words = step.expanded if len(step.expanded) == len(step.instruction.value) else ()
        if len(words) < 2 or not _is_root(words[-1]):
            return
        if not any(_is_root(source) for source in words[:-1]):
            return
        if stage is not None and ctx.root_stage(stage).is_scratch:
            return
        source = ctx.dockerfile.resolve_stage(str(step.flag("from")), before=step.stage)
        if source is not None and ctx.root_stage(source).is_scratch:
            # A stage built FROM scratch holds only what its COPYs put there (an assembled
            # rootfs, as in "Use instead"): no second operating system comes with it.
            return
        image = ctx.root_stage(source).base if source is not None else str(step.flag("from"))
        if _repository(image) in SCRATCH_HELPERS:
            return
        yield Problem(step)


#: Images built FROM scratch to be copied whole into a build stage (`COPY --from=xx / /`):
#: tonistiigi/xx, BuildKit's cross-compilation helpers, is used so by its documentation; Docker's
#: binaries images (the CLI, Compose, Buildx: docker/awesome-compose copies gloursdocker/docker
#: into its dev-envs stages) hold the programs alone; crazymax/yasu holds its one binary.
SCRATCH_HELPERS = frozenset(
    {
        "tonistiigi/xx",
        "gloursdocker/docker",
        "gloursdocker/docker-binaries",
        "docker/buildx-bin",
        "docker/compose-bin",
        "crazymax/yasu",
    }
)


def _repository(image: str) -> str:
    """``docker.io/tonistiigi/xx:1.5.0@sha256:...`` -> ``tonistiigi/xx``."""
    name = image.split("@", 1)[0]
    head, _, tail = name.rpartition("/")
    name = f"{head}/{tail.split(':', 1)[0]}" if head else tail.split(":", 1)[0]
    for prefix in ("docker.io/", "index.docker.io/"):
        name = name.removeprefix(prefix)
    return name.lower()


def _is_root(path: str) -> bool:
    return path.startswith("/") and clean(path) == "/"
