from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity
from dockerlens.lint.layers import tar_copies_extracted


class CopyThenExtract(Rule):
    """A tar archive is copied in and then unpacked by a `RUN`, which `ADD` does in one step.

    ## What it does
    Remembers the tar archives a `COPY` (not `COPY --from`) brings into a stage, and reports
    that `COPY` when a later `RUN` of the stage unpacks one of them with `tar -x` (or pipes it
    through a decompressor such as `zcat`).

    ## Why is this bad?
    The archive stays in the `COPY` layer even when the `RUN` deletes it, so the image
    carries it twice: packed and unpacked. `ADD` unpacks a local tar archive as it copies it
    and keeps only the files.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    COPY app.tar.gz /tmp/
    RUN tar -xzf /tmp/app.tar.gz -C /opt && rm /tmp/app.tar.gz
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    ADD app.tar.gz /opt/
    ```

    ```dockerfile
    FROM debian:12
    COPY app.tar.gz /tmp/
    RUN tar -xzf /tmp/app.tar.gz -C /opt --strip-components=1
    ```

    ## Differences from hadolint
    hadolint also counts `unzip`, `gunzip` and friends on any name with a compression
    extension (`.gz`, `.Z`, `.lzma`...), but `ADD` unpacks only tar archives (plain, gzip,
    bzip2, xz or zstd): it copies a `.zip` or a lone `.gz` file as it is. dockerlens reports
    only archives `ADD` can unpack, and not an extraction using options `ADD` has no
    equivalent for (`--strip-components`, `--transform`). It also reads old-style bundled
    options (`tar xzf app.tar.gz`) and `--file=app.tar`, which hadolint misses, and an
    extraction run through a wrapper (`sudo tar -xzf ...`) or in a nested `sh -c '...'`
    script.
    """

    code = "DL3010"
    name = "copy-then-extract"
    severity = Severity.INFO
    category = Category.BLOAT
    message = "Use `ADD` for extracting archives into an image"

    def finish(self, ctx: LintContext) -> Iterator[Problem]:
        for copy, written in tar_copies_extracted(ctx):
            yield Problem(copy, at=written)
