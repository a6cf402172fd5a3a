from __future__ import annotations

from collections.abc import Iterator

from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import args_without_flags, effective_commands, flags, program
from dockerlens.shell import Command

#: Tar archives in the compressions ADD unpacks (none, gzip, bzip2, xz, zstd).
TAR_ARCHIVES = (
    ".tar",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz2",
    ".tbz",
    ".tb2",
    ".tar.xz",
    ".txz",
    ".tar.zst",
    ".tzst",
)
#: Decompressors that feed a tar archive to `tar` through a pipe.
DECOMPRESSORS = frozenset(
    {"gunzip", "gzcat", "zcat", "bunzip2", "bzcat", "unxz", "xzcat", "zstdcat"}
)
#: tar options ADD cannot reproduce: the extraction is not a plain unpack.
TAR_OPTIONS_ADD_LACKS = frozenset({"strip-components", "strip", "transform", "xform"})


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
    ```dockerfile
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
    on = frozenset({"FROM", "COPY", "RUN"})

    def __init__(self, options: object = None) -> None:
        super().__init__(options)
        #: Archive base name -> the COPY steps that brought it in (this stage).
        self.archives: dict[str, list[Step]] = {}
        self.reported: set[int] = set()

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        if step.keyword == "FROM":
            self.archives = {}
        elif step.keyword == "COPY":
            if step.instruction.sub_cmd is None and step.flag("from") is None:
                self._remember(step)
        elif step.instruction.sub_cmd is None:
            for name in self._extracted(step):
                for copy in self.archives.get(name, ()):
                    if copy.index not in self.reported:
                        self.reported.add(copy.index)
                        yield Problem(copy, at=_written(copy, name))

    def _remember(self, step: Step) -> None:
        raw = step.instruction.value
        expanded = step.expanded if len(step.expanded) == len(raw) else raw
        # Expanded only where a variable is: expansion also eats Windows backslashes.
        words = [e if "$" in r else r for r, e in zip(raw, expanded, strict=True)]
        if len(words) < 2:
            return
        target = _basename(words[-1])
        if _is_tar(target):
            names = [target]
        else:
            names = [n for n in (_basename(w) for w in words[:-1]) if _is_tar(n)]
        for name in names:
            self.archives.setdefault(name, []).append(step)

    def _extracted(self, step: Step) -> Iterator[str]:
        for command in effective_commands(step):
            name = program(command)
            if name == "tar" and _tar_extracts(command):
                if TAR_OPTIONS_ADD_LACKS & set(flags(command)):
                    continue
            elif name not in DECOMPRESSORS:
                continue
            for arg in args_without_flags(command):
                name = _basename(arg)
                if name in self.archives:
                    yield name
            for arg in command.args:
                if arg.startswith("--file="):
                    name = _basename(arg[len("--file=") :])
                    if name in self.archives:
                        yield name


def _tar_extracts(command: Command) -> bool:
    args = command.args
    if any(a in ("--extract", "--get") for a in args):
        return True
    if any(a.startswith("-") and not a.startswith("--") and "x" in a for a in args):
        return True
    # Old-style bundled options without a dash: `tar xzf app.tar.gz`.
    return bool(args) and not args[0].startswith("-") and "x" in args[0] and args[0].isalpha()


def _basename(path: str) -> str:
    path = path.strip("\"'")
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _is_tar(name: str) -> bool:
    return name.endswith(TAR_ARCHIVES)


def _written(step: Step, name: str) -> str | None:
    return next((w for w in step.instruction.value if w.endswith(name)), None)
