from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, Edit, Fix, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.commands import program
from dockerlens.lint.layers import (
    Copy,
    Kind,
    Located,
    Relation,
    Written,
    context_shows_folder,
    context_shows_unwritten,
    copies_before,
    expand_known,
    is_glob,
    located_commands,
    mark,
    path_args,
    relation,
    removed_by,
    workdirs,
    written_by,
)
from dockerlens.semantics.invocations import invocations
from dockerlens.semantics.managers import SYSTEM_MANAGERS, by_program

_TOOLS = ("chown", "chmod", "chgrp")
#: Flags that do not change which files are touched.
_HARMLESS = frozenset(
    {"-R", "--recursive", "-v", "--verbose", "-c", "--changes", "-f", "--silent", "--quiet"}
)
_VALUED = ("--from=", "--reference=")
_OCTAL = LazyPattern(r"^[0-7]{3,4}$")
_SYMBOLIC = LazyPattern(r"^-[rwxXst]+$")
_WITHIN = (Relation.SAME, Relation.INSIDE)
#: Directories whose entries are files (a name there without an extension is a program).
_FILE_DIRS = frozenset({"bin", "sbin", "libexec"})
_RECURSIVE = LazyPattern(r"^-[A-Za-z]*R[A-Za-z]*$")
_SYSTEM_PACKAGES = by_program(tuple(m for m in SYSTEM_MANAGERS if m.name != "pip"))
#: Where system packages put their files (not /usr/local, which is the administrator's).
_PACKAGE_FOLDERS = ("/bin", "/sbin", "/lib", "/lib64", "/etc", "/usr")


class _Call(NamedTuple):
    """``chown [-R] OWNER PATH...`` taken apart."""

    located: Located
    tool: str
    spec: str | None
    targets: list[str]
    recursive: bool
    #: Only flags that change nothing about which files are touched.
    plain: bool


def _call(located: Located) -> _Call | None:
    command = located.command
    tool = program(command)
    if tool not in _TOOLS:
        return None
    spec: str | None = None
    targets: list[str] = []
    is_recursive = False
    plain = True
    reference = False
    for arg in command.args:
        if arg == "--recursive" or _RECURSIVE.match(arg):
            is_recursive = True
            plain = plain and (arg in _HARMLESS or set(arg[1:]) <= set("Rvcf"))
            continue
        if arg.startswith(_VALUED):
            reference = reference or arg.startswith("--reference=")
            plain = False
            continue
        if tool == "chmod" and spec is None and _SYMBOLIC.match(arg):
            spec = arg
            continue
        if arg.startswith("-") and arg not in ("-", "--"):
            plain = plain and arg in _HARMLESS
            continue
        if spec is None and not reference:
            spec = arg
        else:
            targets.append(arg)
    if not targets:
        return None
    return _Call(located, tool, spec, targets, is_recursive, plain)


class _Hit(NamedTuple):
    copy: Copy
    written: Written
    target: str
    relation: Relation


class ChownAfterCopy(Rule):
    """A later `RUN` changes the owner or mode of files a `COPY` wrote, so they are stored twice.

    ## What it does
    Flags a `chown`, `chgrp` or `chmod` in a `RUN` that changes files an earlier `COPY` or
    `ADD` of the same stage (or of a stage it is built `FROM`) wrote: the copy's destination,
    a path inside it, or (with `-R`) a directory holding it. Relative paths are resolved
    against the `WORKDIR` and any `cd` before the command. Only stages whose layers ship are
    checked: the final stage and the stages it is built `FROM`.

    Not reported: a path the same `RUN` wrote first (a redirect, `cp`, `mkdir`, a download,
    and a file in the system's folders changed without `-R` (`chgrp zabbix /usr/bin/nmap`)
    when the `RUN` installs system packages and the copy put only files of unknown names
    there: `COPY --from=build /out/bin/* /usr/bin/`); a file an earlier `RUN` wrote after the
    copy, changed without `-R`; files of the copy the same `RUN` deleted before the change
    (`COPY install.sh /opt/app` into the `WORKDIR`'s folder, run, removed, then `chown -R`
    of the folder);
    a path the same `RUN` deletes afterwards (it should not be copied at all: DK202); and a
    plain (not `-R`) change of a copied directory, which rewrites only the directory entry;
    and a path the build context shows no copy put there (`COPY LICENSE ./` copies a file, not
    a folder's contents; `COPY ./tmp ./tmp` from a `tmp/` without `cache/` wrote nothing under
    `/app/tmp/cache`).

    When the `RUN` does nothing else and changes exactly the copy's destination, the fix moves
    the owner (or octal mode) onto the copy as `--chown=` (`--chmod=`) and deletes the `RUN`.

    ## Why is this bad?
    Layers are immutable. Changing the owner or the mode of a file that lives in a lower layer
    makes the storage driver copy the whole file into the new layer with the new metadata, so
    every byte the copy wrote is stored (and pushed, pulled, unpacked) twice: a `chown -R` of
    a 300 MB application tree adds 300 MB to the image. `COPY --chown=user:group` and
    `COPY --chmod=755` set the metadata while writing, in one layer.

    ## Example
    ```dockerfile lines=4
    FROM node:22-slim
    WORKDIR /app
    COPY . .
    RUN chown -R node:node /app
    USER node
    ```

    ```dockerfile lines=3
    FROM debian:12-slim
    COPY entrypoint.sh /usr/local/bin/entrypoint.sh
    RUN chmod 755 /usr/local/bin/entrypoint.sh
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY --chown=node:node . .
    USER node
    ```

    ```dockerfile
    FROM debian:12-slim
    COPY --chmod=755 entrypoint.sh /usr/local/bin/entrypoint.sh
    ```

    ## Fix safety
    The fix is safe when the copy wrote a single file. For a directory it is marked unsafe:
    `COPY --chown` sets the owner of what it writes and of the directories it creates, but
    leaves a destination directory that already existed (made by `WORKDIR`, say) as it was,
    where `chown -R` also changed that directory itself. Create the directory with the right
    owner first if the application writes into it.

    `COPY --chmod` takes an octal mode, so a symbolic `chmod +x` is reported without a fix.
    Both flags need BuildKit (the default builder since Docker 23); the legacy builder knows
    `--chown` only.

    ## References
    - [Dockerfile reference: COPY --chown --chmod](https://docs.docker.com/reference/dockerfile/#copy---chown---chmod)
    """

    code = "DK201"
    name = "chown-after-copy"
    severity = Severity.WARNING
    category = Category.BLOAT
    message = "Files changed by chown/chmod after COPY are stored twice: use COPY --chown/--chmod"
    on = frozenset({"RUN"})
    reads_build_context = True  # whether a copied folder held what a later chown names
    run_mentions = frozenset(_TOOLS)

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        stage = ctx.stage_of(step)
        if step.instruction.sub_cmd is not None or not ctx.ships_layers(stage):
            return
        copies = copies_before(ctx, step)
        if not copies:
            return
        cwds = workdirs(ctx)
        located = list(located_commands(step, cwds.get(step.index)))
        fresh: list[str] = []
        removed: list[str] = []  # by the commands of the RUN before the one at hand
        installs = _installs_packages(step)
        written_since: list[tuple[int, str]] | None = None  # read when a hit needs it
        for item in located:
            call = _call(item)
            if call is None:
                fresh += written_by(step, item)
                removed += removed_by(step, item)
                continue
            # Deleted or moved away later in the RUN: pointless to copy there at all, which
            # DK202 reports.
            gone = _removed_after(step, located, item.index)
            hits = [
                hit
                for hit in _hits(step, ctx, call, copies)
                if not any(relation(hit.target, new) in _WITHIN for new in fresh)
                and not (
                    not is_glob(hit.target)
                    and any(relation(hit.target, path) in _WITHIN for path in gone)
                )
                and not _all_among(
                    hit, removed + gone + _removed_between(ctx, hit.copy, step, cwds)
                )
                and not _all_among(hit, fresh)
                and not _already_set(step, call, hit.copy)
                and not (installs and not call.recursive and _unnamed_in_package_folder(hit))
            ]
            if hits and not call.recursive:
                if written_since is None:
                    written_since = _written_between(ctx, step, cwds)
                hits = [hit for hit in hits if not _written_since_copy(hit, written_since)]
            hits = _closest(hits)
            if not hits:
                continue
            first = hits[0]
            keyword = first.copy.keyword
            flag = "chmod" if call.tool == "chmod" else "chown"
            message = (
                f"`{call.tool}` of {first.target} stores again the files `{keyword}` wrote at "
                f"line {first.copy.step.line}: set them with `{keyword} --{flag}=` instead"
            )
            fix = _fix(step, ctx, call, hits, single=len(located) == 1)
            where = mark(ctx, step, call.located.command, words=1)
            yield Problem(step, message=message, at=where or call.tool, fix=fix)


def _installs_packages(step: Step) -> bool:
    """The RUN installs system packages, which put files in the system's folders."""
    return any(
        (record := _SYSTEM_PACKAGES.get(invocation.name)) is not None
        and record.installs(invocation)
        for invocation in invocations(step)
    )


def _unnamed_in_package_folder(hit: _Hit) -> bool:
    """The target is in a folder system packages fill, and the copy did not name it: it put
    there files of names only a glob or a folder's contents tell."""
    if not hit.target.startswith(tuple(f"{folder}/" for folder in _PACKAGE_FOLDERS)):
        return False
    if hit.target.startswith("/usr/local/"):
        return False
    return is_glob(hit.written.path) or (
        hit.relation is Relation.INSIDE and hit.written.kind is not Kind.FILE
    )


def _written_between(ctx: LintContext, step: Step, cwds: dict[int, str]) -> list[tuple[int, str]]:
    """Paths the RUNs of the stage before ``step`` write, with the index of the RUN."""
    out: list[tuple[int, str]] = []
    for before in ctx.steps_before(step):
        if before.keyword == "RUN":
            for item in located_commands(before, cwds.get(before.index)):
                out += [(before.index, path) for path in written_by(before, item)]
    return out


def _written_since_copy(hit: _Hit, written: list[tuple[int, str]]) -> bool:
    """A RUN after the copy wrote the target anew: a plain change of it re-stores that RUN's
    file, not the copy's (``RUN echo ... > /dist/wrapper.sh`` after ``COPY --from=build /dist
    /dist``)."""
    if is_glob(hit.target):
        return False
    return any(
        index > hit.copy.step.index and relation(hit.target, path) is Relation.SAME
        for index, path in written
    )


def _removed_after(step: Step, located: list[Located], index: int) -> list[str]:
    """Paths the commands after command ``index`` of the RUN delete or move away."""
    out: list[str] = []
    for item in located[index + 1 :]:
        out += removed_by(step, item)
    return out


def _removed_between(ctx: LintContext, copy: Copy, step: Step, cwds: dict[int, str]) -> list[str]:
    """Paths the RUNs between ``copy`` and ``step`` delete or move away."""
    out: list[str] = []
    for between in ctx.steps_before(step):
        # A stage comes after the stages it is built FROM: a later index ran later.
        if between.index > copy.step.index and between.keyword == "RUN":
            for item in located_commands(between, cwds.get(between.index)):
                out += removed_by(between, item)
    return out


def _already_set(step: Step, call: _Call, copy: Copy) -> bool:
    """The copy's own ``--chown``/``--chmod`` already gave what the command sets: it changes
    nothing, and BuildKit stores no file whose owner and mode are unchanged."""
    if call.spec is None:
        return False
    wanted = expand_known(step, call.spec)
    if call.tool == "chmod":
        return copy.step.flag("chmod") == wanted
    owner = copy.step.flag("chown")
    if not owner:
        return False
    if call.tool == "chgrp":
        return owner.partition(":")[2] == wanted
    return owner == wanted or (":" not in wanted and owner.partition(":")[0] == wanted)


def _all_among(hit: _Hit, gone: list[str]) -> bool:
    """Every file of the copy that the command names is among ``gone``: taken away, or
    written anew in this RUN's layer (``sed -i``), before the command runs on them."""
    if not gone:
        return False
    named = [w.path for w in hit.copy.written if relation(w.path, hit.target) in _WITHIN]
    return bool(named) and all(
        any(relation(path, away) in _WITHIN for away in gone) for path in named
    )


def _hits(step: Step, ctx: LintContext, call: _Call, copies: list[Copy]) -> list[_Hit]:
    hits = []
    # A target written with a trailing slash is a directory: without -R only its entry changes.
    folders = set(path_args(step, call.located, [t for t in call.targets if t.endswith("/")]))
    for target in path_args(step, call.located, call.targets):
        if target == "/" or (target in folders and not call.recursive):
            continue
        for copy in reversed(copies):
            hit = _touches(ctx, copy, target, call.recursive)
            if hit is not None:
                hits.append(hit)
    return hits


def _closest(hits: list[_Hit]) -> list[_Hit]:
    """One hit per target (``hits`` come latest copy first): the copy that names the path most
    closely, the latest of equals. `COPY --from=build /app/assets ./assets/` wrote
    /app/assets/x, rather than a later copy of a binary of unknown kind into /app (which
    might be a folder of anything); for a glob or a target above the copies, the latest."""
    best: dict[str, _Hit] = {}
    for hit in hits:
        held = best.get(hit.target)
        if held is None or _closeness(hit) > _closeness(held):
            best[hit.target] = hit
    return list(best.values())


def _closeness(hit: _Hit) -> int:
    """How much of the target's path the copy's path shares: all of it for a copy into or
    below the target, the copy's own path for a copy of a folder above it."""
    if is_glob(hit.target):
        return 0
    if hit.relation in (Relation.SAME, Relation.INSIDE):
        return len(hit.written.path.rstrip("/"))
    return len(hit.target.rstrip("/"))


def _touches(ctx: LintContext, copy: Copy, target: str, is_recursive: bool) -> _Hit | None:
    for written in copy.written:
        found = relation(target, written.path)
        if found is None or context_shows_unwritten(ctx, copy, written, target):
            continue
        if found is Relation.SAME:
            # A directory's own inode is all a plain chown of it rewrites.
            if not is_recursive and not _is_file(written):
                continue
        elif found is Relation.INSIDE:
            if written.path == "/" or written.kind is Kind.FILE:
                continue
            if not is_recursive and context_shows_folder(ctx, copy, written, target):
                continue  # a folder inside the copy: only its own entry changes
        elif not is_recursive:
            continue
        return _Hit(copy, written, target, found)
    return None


def _is_file(written: Written) -> bool:
    """The copy wrote a file there (a directory of unknown kind has a name like a program in
    a ``bin`` directory, or an extension)."""
    if written.kind is not Kind.UNKNOWN:
        return written.kind is Kind.FILE
    head, _, name = written.path.rpartition("/")
    return head.rpartition("/")[2] in _FILE_DIRS or "." in name.lstrip(".")


def _fix(step: Step, ctx: LintContext, call: _Call, hits: list[_Hit], single: bool) -> Fix | None:
    instruction = step.instruction
    if not single or instruction.flags or instruction.heredocs or not call.plain:
        return None
    if len(call.targets) != 1 or len(hits) != 1 or call.spec is None:
        return None
    hit = hits[0]
    if hit.relation is not Relation.SAME or "$" in call.spec:
        return None
    written = hit.written
    if written.path != hit.copy.dest and written.kind is not Kind.FILE:
        return None
    copy_step = hit.copy.step
    if call.tool == "chmod":
        if not _OCTAL.match(call.spec) or copy_step.flag("chmod") is not None:
            return None
        flag = f"--chmod={call.spec}"
    else:
        if copy_step.flag("chown") is not None:
            return None
        owner = call.spec if call.tool == "chown" else f":{call.spec}"
        flag = f"--chown={owner}"
    line = copy_step.instruction.start_line
    match = re.match(r"\s*\S+\s+", ctx.lines[line - 1])
    if match is None:
        return None
    column = match.end() + 1
    edits = (
        Edit(line, column, line, column, flag + " "),
        Edit(instruction.start_line, 1, instruction.end_line + 1, 1, ""),
    )
    return Fix(
        title=f"Set the {'mode' if call.tool == 'chmod' else 'owner'} on the "
        f"{hit.copy.keyword} and drop the RUN",
        edits=edits,
        safe=written.kind is Kind.FILE,
    )
