from __future__ import annotations

import posixpath
from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import is_url
from dockerlens.lint.layers import (
    Copy,
    Kind,
    Written,
    any_archive,
    copy_of,
    extracted_later,
    tar_copies_extracted,
    workdirs,
)


class ArchiveCopiedThenExtracted(Rule):
    """An archive is copied into a layer and unpacked by a later `RUN`, so the image holds it twice.

    ## What it does
    Flags a `COPY` or `ADD` that brings an archive into a stage whose layers ship (the final
    stage, or one it is built `FROM`) when a later `RUN` of that stage, or of a stage
    built from it, unpacks it: `tar -x` (also `tar xzf`), `unzip`, `gunzip`, `7z x`,
    `unzstd`... naming the archive. It covers what DL3010 leaves out:

    - archives downloaded by `ADD <url>`, which `ADD` does not unpack;
    - archives copied `--from` another stage or image;
    - formats `ADD` cannot unpack: `.zip`, `.7z`, `.rar`, a lone `.gz`/`.xz`/`.bz2`;
    - tar archives unpacked with options `ADD` lacks (`--strip-components`).

    ## Why is this bad?
    Layers are immutable. The archive is stored in the layer of the `COPY`; unpacking it
    writes its contents to the next layer, and deleting the archive there only hides it. The
    image carries the compressed bytes and the unpacked files: a 200 MB release tarball
    costs its 200 MB on every pull, for nothing.

    Unpack in the step that brings the archive in: bind-mount it into the `RUN`
    (`RUN --mount=type=bind,source=app.zip,target=/tmp/app.zip unzip ...`, with `from=` for
    another stage), or download and unpack in one `RUN` (verify a checksum, see DK302).

    ## Example
    ```dockerfile lines=2
    FROM debian:12-slim
    COPY tool-1.4.zip /tmp/
    RUN unzip /tmp/tool-1.4.zip -d /opt/tool && rm /tmp/tool-1.4.zip
    ```

    ```dockerfile lines=2
    FROM debian:12-slim
    ADD https://example.com/releases/tool-1.4.tar.gz /tmp/
    RUN tar -xzf /tmp/tool-1.4.tar.gz -C /opt && rm /tmp/tool-1.4.tar.gz
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    RUN --mount=type=bind,source=tool-1.4.zip,target=/tmp/tool-1.4.zip \\
        unzip /tmp/tool-1.4.zip -d /opt/tool
    ```

    ```dockerfile
    FROM debian:12-slim
    ARG SHA256=24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d
    RUN curl -fsSLo /tmp/tool.tar.gz https://example.com/releases/tool-1.4.tar.gz \\
     && echo "$SHA256  /tmp/tool.tar.gz" | sha256sum -c - \\
     && tar -xzf /tmp/tool.tar.gz -C /opt \\
     && rm /tmp/tool.tar.gz
    ```

    ## Split with hadolint's DL3010
    DL3010 reports a plain `COPY` of a tar archive unpacked by a later `RUN`, and asks for
    `ADD`, which unpacks it while copying: the same bytes, seen as a better instruction.
    Whatever DL3010 reports, this rule does not (both read
    `dockerlens.lint.layers.tar_copies_extracted`), so one problem gets one finding.
    """

    code = "DK207"
    name = "archive-copied-then-extracted"
    severity = Severity.WARNING
    category = Category.BLOAT
    message = "The copied archive stays in its layer after a RUN unpacks it"
    on = frozenset({"COPY", "ADD"})

    def __init__(self, options: object = None) -> None:
        super().__init__(options)
        self._cwds: dict[int, str] | None = None
        self._dl3010: set[int] | None = None

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        if step.instruction.sub_cmd is not None:
            return
        if self._cwds is None:
            self._cwds = workdirs(ctx)
        if ctx.stage_of(step) is None:
            return
        copy = copy_of(step, self._cwds.get(step.index))
        if copy is None:
            return
        for written in copy.written:
            if written.kind is Kind.DIR or not any_archive(written.source or written.path):
                continue
            run = self._unpacker(ctx, copy, written)
            if run is None:
                continue
            if self._dl3010 is None:
                self._dl3010 = {tar.index for tar, _ in tar_copies_extracted(ctx)}
            if step.index in self._dl3010:
                return
            yield Problem(step, message=_message(copy, written, run), at=_at(step, written))
            return

    def _unpacker(self, ctx: LintContext, copy: Copy, written: Written) -> Step | None:
        """The first RUN unpacking the archive, in its stage or one built FROM it, when the
        copy's layer ships."""
        home = ctx.stage_of(copy.step)
        if home is None or not ctx.ships_layers(home):
            return None
        for stage in ctx.stages:
            steps = ctx.stage_steps(stage)
            if not steps or home not in ctx.lineage(stage):
                continue
            run = extracted_later(ctx, copy, written, steps[-1])
            if run is not None:
                return run
        return None


def _message(copy: Copy, written: Written, run: Step) -> str:
    name = posixpath.basename(written.path)
    where = f"`{copy.keyword}` of {name} is unpacked by the RUN at line {run.line}"
    if is_url(written.source):
        advice = "download and unpack it in one RUN"
    elif copy.from_stage is not None:
        advice = f"bind-mount it from `{copy.from_stage}` into that RUN"
    else:
        advice = "bind-mount it into that RUN"
    return f"{where}: the archive's bytes stay in this layer; {advice}"


def _at(step: Step, written: Written) -> str | None:
    base = posixpath.basename(written.source.rstrip("/"))
    return next((w for w in step.instruction.value if w.rstrip("/").endswith(base)), None)
