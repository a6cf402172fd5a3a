"""What the layer rules (DK2xx) share: where each step writes, and which paths a RUN touches.

An image is a stack of layers, and a layer is the set of files one step wrote. Nothing a later
step does shrinks an earlier layer: deleting a file only hides it behind a whiteout, and
changing its owner or mode copies the whole file into the new layer. So the layer rules ask
what a ``COPY``/``ADD`` wrote, and whether a later ``RUN`` of the same stage deletes, moves or
re-writes it.

Paths are compared as text once BuildKit's expansion has been applied: a variable nobody
defined stays as written (``$APP_HOME/bin``), which still compares equal to the same text
elsewhere. Relative paths are resolved against the ``WORKDIR`` in effect, inherited from the
stage a stage is built ``FROM``. Globs (``*``, ``?``, ``[...]``) match one path component.
"""

from __future__ import annotations

import enum
import fnmatch
import posixpath
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from dockerlens.lint import dockerignore
from dockerlens.lint.commands import (
    args_without_flags,
    commands,
    effective_commands,
    flags,
    has_flag,
    is_archive,
    is_url,
    program,
)
from dockerlens.lint.context import NO_CONTEXT, LintContext
from dockerlens.lint.dockerignore import CONTEXT_LEVELS
from dockerlens.lint.named_contexts import declared_context
from dockerlens.lint.rule import RuleOptions, option
from dockerlens.model import Stage, Step
from dockerlens.paths import UNKNOWABLE as _UNKNOWABLE
from dockerlens.paths import Relation as Relation
from dockerlens.paths import is_glob as is_glob
from dockerlens.paths import normalize as normalize
from dockerlens.paths import parts as parts
from dockerlens.paths import relation as relation
from dockerlens.paths import resolve as resolve
from dockerlens.secrets import secret_kind as secret_kind
from dockerlens.semantics.expansion import expand_known as semantic_expand_known
from dockerlens.shell import Command

# --- WORKDIR ----------------------------------------------------------------------------------


def workdirs(ctx: LintContext) -> dict[int, str]:
    """The working directory each step starts in (step index -> absolute path).

    A stage starts in ``/``, or where the stage it is built ``FROM`` ended. ``ONBUILD
    WORKDIR`` does not apply to the image being built. Worked out once per file.
    """
    facts = ctx.facts
    if facts.workdirs is None:
        facts.workdirs = _workdirs(ctx)
    return facts.workdirs


def _workdirs(ctx: LintContext) -> dict[int, str]:
    out: dict[int, str] = {}
    ends: dict[int, str] = {}
    for stage in ctx.stages:
        cwd = ends.get(stage.base_stage, "/") if stage.base_stage is not None else "/"
        for step in ctx.stage_steps(stage):
            out[step.index] = cwd
            instruction = step.instruction
            if instruction.keyword == "WORKDIR" and step.expanded:
                cwd = resolve(step.expanded[0], cwd) or cwd
        ends[stage.index] = cwd
    return out


# --- COPY and ADD -----------------------------------------------------------------------------


class Kind(enum.Enum):
    FILE = "file"
    DIR = "dir"
    #: Not known from the text: a file, or a directory whose contents were copied.
    UNKNOWN = "unknown"


# Named tuples and a plain class, not dataclasses: a dataclass costs about a millisecond to
# make, at every start.
class Written(NamedTuple):
    """A path a COPY/ADD wrote: a file, or a directory it filled."""

    path: str
    kind: Kind
    #: The source it came from, as written (expanded).
    source: str


class Copy(NamedTuple):
    step: Step
    sources: tuple[str, ...]
    #: The destination, resolved against the WORKDIR.
    dest: str
    #: The destination names a directory (trailing slash, several sources, a glob...).
    into_dir: bool
    written: tuple[Written, ...]

    @property
    def keyword(self) -> str:
        return self.step.instruction.effective_keyword

    @property
    def from_stage(self) -> str | None:
        return self.step.flag("from")


def _heredoc_name(word: str) -> str | None:
    match = re.match(r"^<<-?(['\"]?)([A-Za-z0-9_.-]+)\1$", word)
    return match.group(2) if match else None


def _looks_like_file(name: str) -> bool:
    """A basename that names a file rather than a directory (``app.py``, ``go.sum``)."""
    stem, dot, ext = name.rpartition(".")
    return bool(dot and stem and ext and ext != "d")


def copy_of(step: Step, cwd: str | None) -> Copy | None:
    """What a COPY or ADD wrote, or None when it cannot be told (no destination)."""
    if step.keyword not in ("COPY", "ADD"):
        return None
    facts = step.facts  # several rules ask, for every RUN after it
    if facts.copies is None:
        facts.copies = {}
    if cwd not in facts.copies:
        facts.copies[cwd] = _copy_of(step, cwd)
    return facts.copies[cwd]


def _copy_of(step: Step, cwd: str | None) -> Copy | None:
    words = [w for w in step.expanded if w]
    if len(words) < 2:
        return None
    *sources, dest_word = words
    dest = resolve(dest_word, cwd)
    if dest is None:
        return None
    into_dir = (
        dest_word.endswith("/")
        or dest_word in (".", "..")
        or len(sources) > 1
        or any(is_glob(s) for s in sources)
        # The WORKDIR made the folder: `COPY install.sh /app` there writes /app/install.sh.
        or (cwd is not None and dest == normalize(cwd))
    )
    is_add = step.keyword == "ADD"
    written: list[Written] = []
    for source in sources:
        heredoc = _heredoc_name(source)
        if heredoc is not None:
            path = f"{dest}/{heredoc}" if into_dir else dest
            written.append(Written(normalize(path), Kind.FILE, source))
            continue
        if is_url(source) or source.startswith("git@"):
            name = posixpath.basename(source.split("?", 1)[0].split("#", 1)[0].rstrip("/"))
            if source.endswith(".git") or "#" in source or source.startswith("git@"):
                written.append(Written(dest, Kind.DIR, source))
            else:
                path = f"{dest}/{name}" if into_dir else dest
                written.append(Written(normalize(path), Kind.FILE, source))
            continue
        stripped = source.rstrip("/")
        name = posixpath.basename(stripped)
        if (
            source.endswith("/")
            or name in ("", ".", "..", "*")
            or (is_add and is_archive(source) and step.flag("from") is None)
        ):
            written.append(Written(dest, Kind.DIR, source))
        elif is_glob(name):
            written.append(Written(normalize(f"{dest}/{name}"), Kind.UNKNOWN, source))
        elif _looks_like_file(name):
            path = f"{dest}/{name}" if into_dir else dest
            written.append(Written(normalize(path), Kind.FILE, source))
        elif into_dir:
            # A file of that name, or a directory whose contents land in the destination.
            written.append(Written(normalize(f"{dest}/{name}"), Kind.UNKNOWN, source))
            written.append(Written(dest, Kind.DIR, source))
        else:
            written.append(Written(dest, Kind.UNKNOWN, source))
    return Copy(step, tuple(sources), dest, into_dir, tuple(written))


def copies_before(ctx: LintContext, step: Step) -> list[Copy]:
    """The copies (:func:`stage_copies`) whose layers are below ``step``."""
    stage = ctx.stage_of(step)
    if stage is None:
        return []
    return [copy for copy in _copies_of(ctx, stage) if copy.step.index < step.index]


def _copies_of(ctx: LintContext, stage: Stage) -> list[Copy]:
    """:func:`stage_copies` of ``stage``, worked out once per file."""
    copies = ctx.facts.stage_copies.get(stage.index)
    if copies is None:
        copies = ctx.facts.stage_copies[stage.index] = stage_copies(ctx, stage, workdirs(ctx))
    return copies


def stage_copies(ctx: LintContext, stage: Stage, cwds: dict[int, str]) -> list[Copy]:
    """The COPY/ADD instructions whose layers are below the stage's own (those of the stages
    it is built ``FROM`` included), ONBUILD ones left out, in order."""
    out = []
    # Oldest stage first: a stage comes after the one it is built FROM, so this is file order.
    steps = [step for member in ctx.lineage(stage)[::-1] for step in ctx.stage_steps(member)]
    for step in steps:
        if step.instruction.sub_cmd is not None:
            continue
        copy = copy_of(step, cwds.get(step.index))
        if copy is not None:
            out.append(copy)
    return out


# --- RUN ----------------------------------------------------------------------------------


class Located:
    """A simple command of a RUN and the directory it runs in (None: unknown)."""

    def __init__(self, command: Command, cwd: str | None, index: int) -> None:
        self.command = command
        self.cwd = cwd
        self.index = index


def located_commands(step: Step, cwd: str | None) -> Iterator[Located]:
    """The RUN's commands with the directory each runs in, following ``cd``.

    A ``cd`` inside a subshell lasts until the subshell ends; ``cd`` to somewhere unknown
    (``cd``, ``cd -``, ``cd $(...)``) makes the directory unknown.
    """
    outer = cwd
    current = cwd
    inside = False
    for index, command in enumerate(commands(step)):
        if inside and not command.in_subshell:
            current = outer
        inside = command.in_subshell
        yield Located(command, current, index)
        if posixpath.basename(command.name) == "cd":
            words = args_without_flags(command)
            target = words[0] if words else None
            new = resolve(expand_known(step, target), current) if target and target != "-" else None
            current = new
            if not command.in_subshell:
                outer = new


def expand_known(step: Step, word: str) -> str:
    """``word`` with the ARG/ENV variables of known value the RUN sees replaced; any other
    ``$NAME`` (set by the script, or by the base image) is kept as written."""
    return semantic_expand_known(word, step.variables)


def path_args(step: Step, located: Located, words: list[str]) -> list[str]:
    """The words as absolute paths (expanded with the ENV/ARGs the RUN sees); unknowable words
    are left out."""
    out = []
    for word in words:
        if any(mark in word for mark in _UNKNOWABLE):
            continue
        path = resolve(expand_known(step, word), located.cwd)
        if path is not None:
            out.append(path)
    return out


_WRITE_REDIRECTS = frozenset({">", ">|", "&>", ">>", "&>>"})
#: Options naming the file a downloader writes.
_OUTPUT_FLAGS = {"curl": ("-o", "--output"), "wget": ("-O", "--output-document")}


#: Options naming the folder a command fills: ``pip download -d``, ``tar -C``, ``unzip -d``.
_FOLDER_FLAGS = {
    "pip": ("-d", "--dest"),
    "pip3": ("-d", "--dest"),
    "tar": ("-C", "--directory"),
    "unzip": ("-d", "--exdir"),
}
#: ``git clone`` options whose value is the next word.
_GIT_CLONE_VALUES = frozenset(
    {"-b", "--branch", "--depth", "-o", "--origin", "-c", "--config", "--reference",
     "--separate-git-dir", "-j", "--jobs", "-u", "--upload-pack", "--template",
     "--shallow-since", "--shallow-exclude", "--filter", "--bundle-uri"}
)  # fmt: skip


def written_by(step: Step, located: Located) -> list[str]:
    """Paths a command writes anew (redirects, ``cp``/``mv``/``ln``/``install`` targets,
    ``mkdir``, ``touch``, downloads, ``git clone``, ``pip download -d``, an archive unpacked
    with ``tar -C``/``unzip -d``, files edited with ``sed -i``): files of this RUN's own
    layer, not copies of older ones."""
    command = located.command
    name = program(command)
    words: list[str] = [r.target for r in command.redirects if r.operator in _WRITE_REDIRECTS]
    plain = args_without_flags(command)
    if name in ("cp", "mv", "ln", "install", "rsync") and len(plain) >= 2:
        words.append(plain[-1])
    elif name in ("mkdir", "touch"):
        words += plain
    elif name in _OUTPUT_FLAGS:
        words += _option_values(command.args, *_OUTPUT_FLAGS[name])
    elif name == "git":
        words += _clone_target(command.args)
    elif name == "unzip" and (members := _unzip_members(command)) is not None:
        folders = _option_values(command.args, *_FOLDER_FLAGS[name]) or ["."]
        words += [posixpath.join(folder, member) for folder in folders for member in members]
    elif name in _FOLDER_FLAGS and _fills_folder(name, command):
        words += _option_values(command.args, *_FOLDER_FLAGS[name])
    elif name == "sed":
        words += _edited_in_place(command)
    return path_args(step, located, words)


def _edited_in_place(command: Command) -> list[str]:
    """The files ``sed -i`` rewrites: it writes each anew (a new file, in this layer)."""
    in_place = False
    script_given = False
    operands: list[str] = []
    args = list(command.args)
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--in-place" or arg.startswith("--in-place="):
            in_place = True
        elif arg in ("-e", "-f", "--expression", "--file"):
            script_given = True
            index += 1  # its value
        elif arg.startswith(("--expression=", "--file=")):
            script_given = True
        elif arg.startswith("-") and not arg.startswith("--") and len(arg) > 1:
            cluster = arg[1:]
            head = cluster.split("i", 1)[0] if "i" in cluster else cluster
            # After -e or -f the rest of the cluster is their value (`-es/a/b/`); after -i,
            # its suffix (`-i.bak`).
            in_place = in_place or ("i" in cluster and "e" not in head and "f" not in head)
            if "e" in head or "f" in head:
                script_given = True
                index += cluster.endswith(("e", "f"))  # `-ne 's/a/b/'`: the script follows
        elif not arg.startswith("-"):
            operands.append(arg)
    if not in_place:
        return []
    return operands if script_given else operands[1:]


def removed_by(step: Step, located: Located) -> list[str]:
    """Paths a command takes away from where they were: what ``rm`` deletes and what ``mv``
    moves (its sources)."""
    command = located.command
    name = program(command)
    if name == "rm":
        words = args_without_flags(command)
    elif name == "mv" and has_flag(command, "t", "target-directory"):
        words = args_without_flags(command, ("t", "target-directory"))
    elif name == "mv":
        words = args_without_flags(command)[:-1]
    else:
        return []
    return path_args(step, located, words)


def _unzip_members(command: Command) -> list[str] | None:
    """The members ``unzip ARCHIVE MEMBER... [-d FOLDER]`` extracts, as they land in the
    folder (``-j`` drops their folders); None when it extracts the whole archive, or members
    by pattern or by exclusion (``-x``)."""
    args = list(command.args)
    operands: list[str] = []
    junk_paths = False
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--exdir":
            index += 1
        elif arg.startswith("-") and len(arg) > 1:
            letters = arg[1:]
            for position, letter in enumerate(letters):
                if letter == "x":
                    return None  # members left out by pattern: whatever else it holds
                if letter in "dPOI":  # options with a value: the rest, or the next word
                    index += position == len(letters) - 1
                    break
                junk_paths = junk_paths or letter == "j"
        else:
            operands.append(arg)
    members = [member.lstrip("/") for member in operands[1:]]
    if not members or any(not member or is_glob(member) for member in members):
        return None
    return [posixpath.basename(m) if junk_paths else m for m in members]


def _fills_folder(name: str, command: Command) -> bool:
    if name == "tar":
        return extracts(command)
    if name in ("pip", "pip3"):
        return "download" in command.args
    return True


def _option_values(args: Sequence[str], short: str, long: str) -> list[str]:
    """The values of ``-o VALUE``, ``-fsSLo VALUE`` (the option last in a cluster),
    ``-oVALUE``, ``--output VALUE`` and ``--output=VALUE``."""
    letter = short[1:]
    values = []
    for index, arg in enumerate(args):
        if arg == long or (
            arg.startswith("-") and not arg.startswith("--") and arg.endswith(letter)
        ):
            if index + 1 < len(args):
                values.append(args[index + 1])
        elif arg.startswith(long + "="):
            values.append(arg.split("=", 1)[1])
        elif arg.startswith(short) and len(arg) > len(short):
            values.append(arg[len(short) :])
    return values


def _clone_target(args: Sequence[str]) -> list[str]:
    """The folder ``git [...] clone [options] REPOSITORY [FOLDER]`` makes."""
    if "clone" not in args:
        return []
    operands: list[str] = []
    rest = iter(args[list(args).index("clone") + 1 :])
    for arg in rest:
        if arg == "--":
            operands += rest
        elif arg in _GIT_CLONE_VALUES:
            next(rest, None)
        elif not arg.startswith("-"):
            operands.append(arg)
    if len(operands) >= 2:
        return [operands[1]]
    if len(operands) == 1:
        name = posixpath.basename(operands[0].rstrip("/").split(":")[-1])
        name = name[: -len(".git")] if name.endswith(".git") else name
        return [name] if name else []
    return []


# --- archives -------------------------------------------------------------------------------

#: Archive names ADD does not unpack, or hadolint's DL3010 does not know.
OTHER_ARCHIVE_EXTENSIONS = (".zip", ".7z", ".rar", ".zst", ".tzst", ".lz4")
_DECOMPRESSORS = frozenset(
    {
        "unzip",
        "gunzip",
        "bunzip2",
        "unlzma",
        "unxz",
        "zgz",
        "uncompress",
        "zcat",
        "gzcat",
        "unzstd",
        "zstdcat",
        "unrar",
        "lz4cat",
    }
)


def any_archive(path: str) -> bool:
    name = posixpath.basename(path.rstrip("/"))
    return is_archive(path) or name.endswith(OTHER_ARCHIVE_EXTENSIONS)


def extracts(command: Command) -> bool:
    """The command unpacks an archive named among its arguments."""
    name = program(command)
    args = command.args
    if name in _DECOMPRESSORS:
        return True
    if name in ("tar", "bsdtar"):
        if has_flag(command, "x", "extract", "get"):
            return True
        # Old-style `tar xzf file`: the first word is a cluster of letters without a dash.
        return bool(args) and re.fullmatch(r"[a-zA-Z]*x[a-zA-Z]*", args[0]) is not None
    if name in ("7z", "7za", "7zr"):
        return bool(args) and args[0] in ("x", "e")
    if name in ("zstd", "xz", "gzip", "bzip2", "lz4"):
        return has_flag(command, "d", "decompress")
    return False


def names_archive(command: Command, path: str) -> bool:
    """One of the command's arguments has the basename of ``path``."""
    base = posixpath.basename(path.rstrip("/"))
    return any(posixpath.basename(arg.rstrip("/")) == base for arg in command.args)


# hadolint's DL3010: a COPY of a tar archive that ADD would have unpacked. DK207 reports the
# other copied-then-unpacked archives, and leaves these to DL3010.

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
_TAR_DECOMPRESSORS = frozenset(
    {"gunzip", "gzcat", "zcat", "bunzip2", "bzcat", "unxz", "xzcat", "zstdcat"}
)
#: tar options ADD cannot reproduce: the extraction is not a plain unpack.
TAR_OPTIONS_ADD_LACKS = frozenset({"strip-components", "strip", "transform", "xform"})


def tar_copies_extracted(ctx: LintContext) -> list[tuple[Step, str | None]]:
    """Each ``COPY`` (not ``--from``, not ONBUILD) of a tar archive that ``ADD`` could unpack,
    which a later ``RUN`` of the same stage unpacks plainly (``tar -x`` without
    ``--strip-components``..., or a decompressor feeding ``tar``), with the word naming the
    archive: what DL3010 reports, in file order."""
    out: list[tuple[Step, str | None]] = []
    archives: dict[str, list[Step]] = {}  # base name -> the COPY steps of this stage
    reported: set[int] = set()
    for step in ctx.steps:
        if step.instruction.sub_cmd is not None:
            continue
        if step.keyword == "FROM":
            archives = {}
        elif step.keyword == "COPY":
            if step.flag("from") is None:
                _remember_tars(step, archives)
        elif step.keyword == "RUN":
            for name in _tars_extracted(step, archives):
                for copy in archives.get(name, ()):
                    if copy.index not in reported:
                        reported.add(copy.index)
                        out.append((copy, _word_ending(copy, name)))
    return out


def _remember_tars(step: Step, archives: dict[str, list[Step]]) -> None:
    raw = step.instruction.value
    expanded = step.expanded if len(step.expanded) == len(raw) else raw
    # Expanded only where a variable is: expansion also eats Windows backslashes.
    words = [e if "$" in r else r for r, e in zip(raw, expanded, strict=True)]
    if len(words) < 2:
        return
    target = _base(words[-1])
    if target.endswith(TAR_ARCHIVES):
        names = [target]
    else:
        names = [n for n in (_base(w) for w in words[:-1]) if n.endswith(TAR_ARCHIVES)]
    for name in names:
        archives.setdefault(name, []).append(step)


def _tars_extracted(step: Step, archives: dict[str, list[Step]]) -> Iterator[str]:
    for command in effective_commands(step):
        name = program(command)
        if name == "tar" and _tar_extracts(command):
            if TAR_OPTIONS_ADD_LACKS & set(flags(command)):
                continue
        elif name not in _TAR_DECOMPRESSORS:
            continue
        for arg in args_without_flags(command):
            name = _base(arg)
            if name in archives:
                yield name
        for arg in command.args:
            if arg.startswith("--file="):
                name = _base(arg[len("--file=") :])
                if name in archives:
                    yield name


def _tar_extracts(command: Command) -> bool:
    args = command.args
    if any(a in ("--extract", "--get") for a in args):
        return True
    if any(a.startswith("-") and not a.startswith("--") and "x" in a for a in args):
        return True
    # Old-style bundled options without a dash: `tar xzf app.tar.gz`.
    return bool(args) and not args[0].startswith("-") and "x" in args[0] and args[0].isalpha()


def _base(path: str) -> str:
    path = path.strip("\"'")
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _word_ending(step: Step, name: str) -> str | None:
    return next((w for w in step.instruction.value if w.endswith(name)), None)


# --- pointing at findings -------------------------------------------------------------------


def mark(
    ctx: LintContext, step: Step, command: Command, words: int = 3
) -> tuple[int, int, int, int] | None:
    """Where to point at ``command`` in the instruction: its first ``words`` words as written,
    found on one line, at the place of this command (an earlier command with the same words,
    such as a first ``chown -R app``, is skipped); else its name."""
    candidates: list[str] = []
    before = ""
    script = step.script
    if script is not None and command.end_byte > command.start_byte:
        encoded = script.text.encode("utf-8", "surrogateescape")
        raw = encoded[command.start_byte : command.end_byte]
        before = encoded[: command.start_byte].decode("utf-8", "surrogateescape")
        first = raw.decode("utf-8", "surrogateescape").split("\n", 1)[0]
        first = first.split("\\", 1)[0].rstrip()
        written = first.split()
        candidates += [" ".join(written[:n]) for n in range(min(len(written), words), 0, -1)]
    candidates.append(command.name)
    for candidate in candidates:
        if not candidate:
            continue
        where = ctx.locate(step, candidate, before.count(candidate))
        if where is None:
            where = ctx.locate(step, candidate)
        if where is not None:
            return where
    return None


def runs_after(ctx: LintContext, copy: Copy, step: Step) -> Iterator[Step]:
    """The RUNs between a copy and ``step`` (included) in the stage's lineage."""
    stage = ctx.stage_of(step)
    if stage is None:
        return
    for member in ctx.lineage(stage)[::-1]:
        for other in ctx.stage_steps(member):
            if (
                other.keyword == "RUN"
                and other.instruction.sub_cmd is None
                and copy.step.index < other.index <= step.index
            ):
                yield other


def extracted_later(ctx: LintContext, copy: Copy, written: Written, until: Step) -> Step | None:
    """The first RUN after the copy (up to ``until``) that unpacks the archive it wrote."""
    if not (any_archive(written.path) or any_archive(written.source)):
        return None
    for run in runs_after(ctx, copy, until):
        for command in commands(run):
            # Only archive names count: a copy into /usr/local/bin must not match `-C /usr/bin`.
            if extracts(command) and any(
                any_archive(name) and names_archive(command, name)
                for name in (written.path, written.source)
            ):
                return run
    return None


# --- the build context --------------------------------------------------------------------


class BuildContextOption(RuleOptions):
    """The option of the rules that read the build context."""

    context: str = option(
        "",
        doc=(
            "The build context directory, relative to the Dockerfile's directory "
            '(`docker build -f docker/Dockerfile .` is `context = ".."`); empty: the '
            "Dockerfile's directory."
        ),
    )


class BuildContextOptions(BuildContextOption):
    """The options of the rules that read the build context's ignore file."""

    patterns: list[str] = option(
        [],
        doc=(
            "Ignore patterns to use instead of reading the ignore file "
            "(`<Dockerfile>.dockerignore` or `.dockerignore`), written as its lines."
        ),
    )


def build_context(ctx: LintContext, relative: str = "") -> Path | None:
    """The build context: the directory ``relative`` to the Dockerfile's when given, else the
    one a bake or Compose file around it builds it with (:func:`declared_context`), else the
    one :func:`inferred_context` finds; None when the Dockerfile has no file (standard input)
    or the directory does not exist."""
    if ctx.path in NO_CONTEXT:
        return None
    folder = Path(ctx.path).parent
    if relative:
        folder = folder / relative
        return folder if folder.is_dir() else None
    if ctx.facts.build_context is None:
        declared = declared_context(ctx.path) if folder.is_dir() else None
        if declared is not None and declared[0].is_dir():
            context: Path | None = declared[0]
            ctx.facts.declared_by = declared[1]
        else:
            context = inferred_context(ctx, folder) if folder.is_dir() else None
        if context is not None and context != folder:
            ctx.facts.inferred_context = context
        ctx.facts.build_context = (context,)
    return ctx.facts.build_context[0]


def context_file(ctx: LintContext, step: Step, path: str) -> Path | None:
    """The build-context file an earlier COPY or ADD of the stage put at ``path`` (absolute),
    when the context is at hand and the file is there."""
    found = _context_file(build_context(ctx), copies_before(ctx, step), path)
    return found[0] if found is not None else None


def stage_context_file(ctx: LintContext, step: Step, path: str, relative: str = "") -> Path | None:
    """The build-context file at ``path`` (absolute) in the stage that ``step``'s ``--from``
    names, put there by one of its copies: what ``COPY --from=stage path`` takes, when it came
    from the context. None when a ``RUN`` of the stage after that copy names the file: it may
    have changed it. ``relative``: the context option, as :func:`build_context` takes it."""
    here = ctx.stage_of(step)
    name = step.flag("from")
    stage = ctx.dockerfile.resolve_stage(name, here.index) if name and here else None
    if stage is None:
        return None
    found = _context_file(build_context(ctx, relative), _copies_of(ctx, stage), path)
    if found is None:
        return None
    file, writer = found
    base = posixpath.basename(path)
    changers = (
        later
        for member in ctx.lineage(stage)
        for later in ctx.stage_steps(member)
        if later.keyword == "RUN" and later.index > writer.step.index
    )
    return None if any(base in run.instruction.original for run in changers) else file


def _context_file(context: Path | None, copies: list[Copy], path: str) -> tuple[Path, Copy] | None:
    """The context file the last of ``copies`` to write ``path`` took, and that copy."""
    if context is None:
        return None
    for copy in reversed(copies):
        if copy.step.keyword not in ("COPY", "ADD"):
            continue
        for written in copy.written:
            found = relation(path, written.path)
            if found not in (Relation.SAME, Relation.INSIDE):
                continue
            if copy.from_stage is not None or (
                copy.step.keyword == "ADD"
                and (any_archive(written.source) or "://" in written.source)
            ):
                return None  # the last writer is another stage, an archive or a download
            source_name = posixpath.basename(written.source.rstrip("/"))
            if (
                found is Relation.INSIDE
                and is_glob(source_name)
                and posixpath.dirname(path.rstrip("/")) == written.path.rstrip("/")
            ):
                # `COPY scripts/* /opt/` put /opt/run.sh there if scripts/run.sh matches.
                name = posixpath.basename(path)
                if not fnmatch.fnmatchcase(name, source_name):
                    continue
                folder = posixpath.dirname(in_context(written.source))
                candidate = context / folder / name
            elif found is Relation.SAME and written.kind is not Kind.DIR:
                candidate = context / in_context(written.source)
            elif found is Relation.INSIDE and written.kind is not Kind.FILE:
                inside = path[len(written.path.rstrip("/")) :].lstrip("/")
                candidate = context / in_context(written.source) / inside
            else:
                continue
            return (candidate, copy) if candidate.is_file() else None
    return None


def context_shows_unwritten(ctx: LintContext, copy: Copy, written: Written, path: str) -> bool:
    """The build context, when at hand, shows that ``copy`` put nothing at ``path`` (absolute,
    inside what ``written`` names): its named source is a file, or a folder without that path.
    Or the ignore file keeps that path out (``/tmp`` in ``.dockerignore``, for any copy of
    the context, the whole one too). Otherwise the whole context (``COPY . .``), a source the
    context does not hold, a glob, or a copy from another stage or image proves nothing."""
    if _ignored_inside(ctx, copy, written, path):
        return True
    source = _named_source(ctx, copy, written, path)
    if source is None:
        return False
    if source.is_file():
        # ``COPY LICENSE ./`` wrote one file into the folder, not the folder's contents.
        return True
    if written.path != copy.dest:
        return False  # a folder's contents land in the destination itself, not under its name
    inside = path[len(written.path.rstrip("/")) :].lstrip("/")
    return not (source / inside).exists() and not (source / inside).is_symlink()


def _ignored_inside(ctx: LintContext, copy: Copy, written: Written, path: str) -> bool:
    """The ignore file keeps out of the context the path the copy would have put at ``path``
    (and no ``!`` exception brings anything under it back)."""
    if copy.from_stage is not None or copy.step.keyword != "COPY" or is_glob(written.source):
        return False
    if written.kind is Kind.FILE or written.path != copy.dest:
        return False
    if relation(path, written.path) is not Relation.INSIDE:
        return False
    context = build_context(ctx)
    matcher = matcher_of(ignore_patterns(ctx, context))
    if matcher is None:
        return False
    inside = path[len(written.path.rstrip("/")) :].lstrip("/")
    relative = posixpath.normpath(posixpath.join(in_context(written.source), inside))
    if not matcher.matches(relative):
        return False
    return not any(
        pattern.exclusion and (str(pattern) + "/").startswith(relative.split("/")[0] + "/")
        for pattern in matcher.patterns
    )


def context_shows_folder(ctx: LintContext, copy: Copy, written: Written, path: str) -> bool:
    """The build context, when at hand, shows that ``copy`` put a folder at ``path`` (absolute,
    inside the folder ``written`` names). Unlike an absence, a folder found in the guessed
    context is evidence even for a copy of the whole context."""
    source = _named_source(ctx, copy, written, path, whole=True)
    if source is None or not source.is_dir() or written.path != copy.dest:
        return False
    inside = source / path[len(written.path.rstrip("/")) :].lstrip("/")
    return inside.is_dir() and not inside.is_symlink()


def _named_source(
    ctx: LintContext, copy: Copy, written: Written, path: str, *, whole: bool = False
) -> Path | None:
    """The context's copy of the source ``written`` names, when ``path`` is inside what it
    wrote and the source is a named one (not a glob or another stage; the whole context only
    with ``whole``)."""
    if copy.from_stage is not None or copy.step.keyword != "COPY" or is_glob(written.source):
        return None
    if written.kind is Kind.FILE or relation(path, written.path) is not Relation.INSIDE:
        return None
    if not whole and in_context(written.source) == ".":
        # The whole context: that the guessed context is the real one is not shown by a named
        # source found in it, so its absence of a path proves nothing.
        return None
    context = build_context(ctx)
    if context is None:
        return None
    source = context / in_context(written.source)
    return source if source.exists() else None


def in_context(source: str) -> str:
    """A COPY source as a path relative to the build context's root: BuildKit resolves it
    from the root and no ``..`` climbs out (``COPY ../vendor ./`` copies ``vendor``)."""
    return posixpath.normpath("/" + source).lstrip("/") or "."


def inferred_context(ctx: LintContext, folder: Path) -> Path:
    """The Dockerfile's folder, unless some files its COPY and ADD take from the context are
    missing there and all of them are in a folder above it (``docker build -f src/Api/Dockerfile
    .`` copies ``src/Api/entrypoint.sh``): then the nearest such folder. A folder that holds
    nothing but Dockerfiles (``docker/Dockerfile.server``, ``cmd/tool/Dockerfile``) is no
    context a build would send: then the repository root. The search stops at the repository
    root (a folder holding ``.git``) and at the working directory."""
    sources = context_sources(ctx)
    missing = not all(_present(folder, source) for source in sources)
    alone = _holds_only_dockerfiles(folder)
    if not missing and not alone:
        return folder
    here = Path.cwd().resolve()
    for level, parent in enumerate(folder.resolve().parents):
        if level >= CONTEXT_LEVELS:
            break
        top = (parent / ".git").exists() or parent == here
        if (missing or top) and all(_present(parent, source) for source in sources):
            return parent
        if top:
            break
    return folder


def _holds_only_dockerfiles(folder: Path) -> bool:
    """The folder holds Dockerfiles (and their ignore files, a README) and nothing else."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return False
    return bool(entries) and all(
        entry.is_file()
        and (
            "dockerfile" in entry.name.lower()
            or entry.name.endswith(".dockerignore")
            or entry.name.lower().startswith("readme")
        )
        for entry in entries
    )


def _present(folder: Path, source: str) -> bool:
    """``source`` (a path, or a glob matching something) is in ``folder``."""
    if not is_glob(source):
        return (folder / source).exists()
    try:
        return any(True for _ in folder.glob(source))
    except (ValueError, OSError):
        return False


def context_sources(ctx: LintContext) -> list[str]:
    """The paths (and globs) the file's COPY and ADD take from the build context that can be
    told: no variable, URL, heredoc, ``..``, nor the whole context."""
    found: list[str] = []
    for step in ctx.steps:
        if step.keyword not in ("COPY", "ADD") or step.instruction.sub_cmd is not None:
            continue
        if step.flag("from") is not None:
            continue
        for word in step.expanded[:-1]:
            source = word.strip("/")
            if (
                not source
                or source in (".", "*")
                or "://" in word
                or word.startswith(("<<", "git@"))
                or ".." in source.split("/")
                or "$" in word
                or any(mark in word for mark in _UNKNOWABLE)
            ):
                continue
            found.append(source)
    return found


def ignore_patterns(ctx: LintContext, context: Path | None) -> list[str] | None:
    """The patterns of the ignore file a build would read (``<Dockerfile>.dockerignore``, else
    the context's ``.dockerignore``); None when there is none."""
    if context is None:
        return None
    found = dockerignore.find(Path(ctx.path), context)
    if found is None:
        return None
    try:
        return dockerignore.load(found)
    except OSError:
        return []


def matcher_of(patterns: list[str] | None) -> dockerignore.PatternMatcher | None:
    if patterns is None:
        return None
    try:
        return dockerignore.PatternMatcher(patterns)
    except ValueError:
        return dockerignore.PatternMatcher([])  # BuildKit refuses a malformed pattern anyway
